package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import io.cairn.raft.Voter;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

    @Test
    void withoutVotersANodeIsItsOwnSingleVoter() {
        CairnConfig config = new CairnConfig(Map.of(CairnConfig.NODE_ID, "4"));
        assertThat(Voter.parseList(config.quorumVoters())).containsExactly(new Voter(4, "127.0.0.1", 0));
    }

    @Test
    void votersParseAndRejectDuplicatesAndGarbage() {
        assertThat(Voter.parseList("1@a:9093, 2@b:9093,3@[::1]:9093")).containsExactly(
                new Voter(1, "a", 9093), new Voter(2, "b", 9093), new Voter(3, "::1", 9093));
        assertThatThrownBy(() -> Voter.parseList("1@a:1,1@b:2")).hasMessageContaining("twice");
        assertThatThrownBy(() -> Voter.parseList("a:1")).hasMessageContaining("id@host:port");
    }

    @Test
    void coordinatorSettingsAreCheckedAtStartAndNamedWhenBad() {
        assertThat(io.cairn.broker.txn.TransactionConfig.fromBrokerConfigs(new CairnConfig(Map.of(
                "transaction.max.timeout.ms", "60000", "transaction.state.log.num.partitions", "3")).allAsStrings()))
                .satisfies(c -> {
                    assertThat(c.transactionMaxTimeoutMs()).isEqualTo(60_000);
                    assertThat(c.stateLogNumPartitions()).isEqualTo(3);
                    assertThat(c.stateLogMinIsr()).isEqualTo(2);
                });
        assertThatThrownBy(() -> new CairnConfig(Map.of("transaction.max.timeout.ms", "soon")))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("transaction.max.timeout.ms");
        assertThatThrownBy(() -> new CairnConfig(Map.of("max.connections.per.ip.overrides", "10.0.0.1:many")))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("max.connections.per.ip.overrides").hasMessageContaining("host:count");
        assertThat(new CairnConfig(Map.of("max.connections.per.ip.overrides", "10.0.0.1:5, batch-host:0"))
                .perIpOverrides()).containsOnly(Map.entry("10.0.0.1", 5), Map.entry("batch-host", 0));
        assertThatThrownBy(() -> new CairnConfig(Map.of("log.segment.bytes", "4096")))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("log.segment.bytes").hasMessageContaining("at least 1048576");
        assertThat(new CairnConfig(Map.of("cairn.internal.segment.bytes", "4096")).allAsStrings())
                .containsEntry("cairn.internal.segment.bytes", "4096");
        assertThatThrownBy(() -> new CairnConfig(Map.of("offsets.topic.num.partitions", "0")))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("offsets.topic.num.partitions");
        for (String rate : new String[] {"abc", "-1"}) {
            assertThatThrownBy(() -> new CairnConfig(Map.of("listener.name.plaintext.max.connection.creation.rate",
                    rate))).isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                    .hasMessageContaining("listener.name.plaintext.max.connection.creation.rate")
                    .hasMessageContaining("integer of at least 0");
        }
        assertThat(new CairnConfig(Map.of("listener.name.plaintext.max.connection.creation.rate", " 20 ")))
                .isNotNull();
    }

    @Test
    void aMemoryPoolSmallerThanTheLargestRequestIsRefusedAsByKafka() {
        assertThatThrownBy(() -> new CairnConfig(Map.of("queued.max.request.bytes", "1000")))
                .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
                .hasMessageContaining("queued.max.request.bytes").hasMessageContaining("socket.request.max.bytes");
        assertThat(new CairnConfig(Map.of("queued.max.request.bytes", "1000", "socket.request.max.bytes", "1000"))
                .getLong(CairnConfig.QUEUED_MAX_REQUEST_BYTES)).isEqualTo(1000L);
        assertThat(new CairnConfig(Map.of()).getLong(CairnConfig.QUEUED_MAX_REQUEST_BYTES)).isEqualTo(-1L);
    }

    @Test
    void environmentVariablesBecomeProperties() {
        Map<String, Object> props = CairnMain.fromEnvironment(Map.of(
                "CAIRN_NODE_ID", "2",
                "CAIRN_VOTERS", "1@a:9093,2@b:9093",
                "KAFKA_ADVERTISED_LISTENERS", "PLAINTEXT://b:9092",
                "KAFKA_LOG_RETENTION_MS", "1000",
                "KAFKA_SOME__UNDERSCORED_NAME", "x",
                "KAFKA_HEAP_OPTS", "-Xmx1g",
                "PATH", "/bin"));
        assertThat(props).containsOnly(
                Map.entry("node.id", "2"),
                Map.entry("controller.quorum.voters", "1@a:9093,2@b:9093"),
                Map.entry("advertised.listeners", "PLAINTEXT://b:9092"),
                Map.entry("log.retention.ms", "1000"),
                Map.entry("some_underscored.name", "x"));
    }
}
