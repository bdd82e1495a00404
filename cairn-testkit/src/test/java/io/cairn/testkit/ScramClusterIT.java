package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.cairn.server.CairnConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SCRAM credentials in a 3-node cluster: written through one node (forwarded to the active controller), replicated
 * through the metadata log, and good for logging in on every other node's SASL listener. Brokers still talk to each
 * other over the PLAINTEXT listener.
 */
class ScramClusterIT {

    @TempDir
    static Path root;
    static CairnCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CairnCluster.start(root, 3, Map.of(
                CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                CairnConfig.SASL_ENABLED_MECHANISMS, "SCRAM-SHA-256"));
        cluster.awaitAllRegistered(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aCredentialCreatedThroughOneNodeLogsInOnEveryOther() throws Exception {
        // given: a node that is not the active controller, so that the write is forwarded
        int controller = await().atMost(Duration.ofSeconds(30)).until(cluster::controllerId, id -> id > 0);
        int writer = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();

        // when
        try (Admin admin = cluster.admin(writer)) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("alice",
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192), "alice-secret")))
                    .all().get(30, TimeUnit.SECONDS);
        }

        // then: alice logs in on each node's SASL listener and sees her credential there
        for (int id : cluster.runningNodes()) {
            Map<String, Object> alice = new HashMap<>();
            alice.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    "127.0.0.1:" + cluster.node(id).port("SASL_PLAINTEXT"));
            alice.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            alice.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
            alice.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule "
                    + "required username=\"alice\" password=\"alice-secret\";");
            // a node's image may trail the controller's by a moment: a refused login is tried again
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                try (Admin admin = Admin.create(alice)) {
                    assertThat(admin.describeUserScramCredentials(List.of("alice")).all()
                            .get(30, TimeUnit.SECONDS).get("alice").credentialInfos())
                            .containsExactly(new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 8192));
                }
            });
        }
    }
}
