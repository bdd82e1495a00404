package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.quota.ClientQuotaFilter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Client quotas in a 3-node cluster: set through a node that is not the active controller (forwarded to it), and
 * described by every node from its own image, once the node that took the request has answered.
 */
class ClientQuotaClusterIT {

    @TempDir
    static Path root;
    static CairnCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = CairnCluster.start(root, 3, Map.of());
        cluster.awaitAllRegistered(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aQuotaSetThroughOneNodeIsDescribedByEveryNode() throws Exception {
        // given: a node that is not the active controller, so that the write is forwarded
        int controller = await().atMost(Duration.ofSeconds(30)).until(cluster::controllerId, id -> id > 0);
        int writer = cluster.runningNodes().stream().filter(id -> id != controller).findFirst().orElseThrow();
        ClientQuotaEntity alice = new ClientQuotaEntity(Map.of(ClientQuotaEntity.USER, "alice",
                ClientQuotaEntity.CLIENT_ID, "app"));

        // when
        try (Admin admin = cluster.admin(writer)) {
            admin.alterClientQuotas(List.of(new ClientQuotaAlteration(alice, List.of(
                    new ClientQuotaAlteration.Op("producer_byte_rate", 1_048_576.0),
                    new ClientQuotaAlteration.Op("consumer_byte_rate", 2_097_152.0))))).all()
                    .get(30, TimeUnit.SECONDS);

            // then: the node that answered shows it at once
            assertThat(admin.describeClientQuotas(ClientQuotaFilter.all()).entities().get(30, TimeUnit.SECONDS))
                    .containsEntry(alice, Map.of("producer_byte_rate", 1_048_576.0, "consumer_byte_rate", 2_097_152.0));
        }
        // and every other node once its image has it
        for (int id : cluster.runningNodes()) {
            try (Admin admin = cluster.admin(id)) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(admin.describeClientQuotas(
                        ClientQuotaFilter.all()).entities().get(30, TimeUnit.SECONDS)).containsKey(alice));
            }
        }
    }
}
