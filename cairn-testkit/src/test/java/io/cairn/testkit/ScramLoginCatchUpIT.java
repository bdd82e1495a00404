package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.cairn.server.CairnConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SCRAM login that reaches a node before it has caught up with the metadata log (docs/adr/0035): the user was
 * created while the node was down, so the node's image lacks the credential until it catches up. The login waits for
 * that instead of being refused (a Java client never retries a refused login), and then succeeds.
 */
class ScramLoginCatchUpIT {

    @TempDir
    Path root;

    @Test
    void aLoginArrivingBeforeTheRestartedNodeCaughtUpSucceeds() throws Exception {
        try (CairnCluster cluster = CairnCluster.start(root, 3, Map.of(
                CairnConfig.LISTENERS, "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
                CairnConfig.SASL_ENABLED_MECHANISMS, "SCRAM-SHA-256"))) {
            // given: carol is created while node 3 is down; then the other two go down as well
            cluster.stopNode(3);
            try (Admin admin = cluster.admin(1)) {
                admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion("carol",
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_256, 4096), "carol-secret")))
                        .all().get(30, TimeUnit.SECONDS);
            }
            cluster.killNode(1);
            cluster.killNode(2);

            // when: node 3 starts alone (no quorum: it cannot catch up) and carol logs in there
            cluster.startNode(3);
            Map<String, Object> carol = new HashMap<>();
            carol.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                    "127.0.0.1:" + cluster.node(3).port("SASL_PLAINTEXT"));
            carol.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
            carol.put(SaslConfigs.SASL_MECHANISM, "SCRAM-SHA-256");
            carol.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule "
                    + "required username=\"carol\" password=\"carol-secret\";");
            long loginStartMs = System.currentTimeMillis();
            CompletableFuture<Collection<Node>> seen = CompletableFuture.supplyAsync(() -> {
                try (Admin admin = Admin.create(carol)) {
                    return admin.describeCluster().nodes().get(60, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            // the login is not refused while the node cannot catch up (a refusal comes at once: before this
            // change, SaslAuthenticationException here)
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> !seen.isCompletedExceptionally());

            // and when: a second voter is back, node 3 catches up (carol's credential among what it applies) and
            // registers
            cluster.startNode(1);

            // then: carol's login, held meanwhile, succeeds on the caught-up image
            assertThat(seen.get(60, TimeUnit.SECONDS)).isNotEmpty();
            System.out.printf("LOGIN waited %d ms for node 3 to catch up%n",
                    System.currentTimeMillis() - loginStartMs);
        }
    }
}
