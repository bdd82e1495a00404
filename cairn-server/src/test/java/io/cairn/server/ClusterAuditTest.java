package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.cairn.server.ClusterAudit.NodeView;
import io.cairn.server.ClusterAudit.PartitionView;
import io.cairn.server.ClusterAudit.Verdict;
import org.junit.jupiter.api.Test;

/** The cluster verdict of {@code cairn audit}: each finding made to happen on purpose. */
class ClusterAuditTest {

    private static final PartitionView LED_BY_1 = new PartitionView(1, 4, List.of(1, 2, 3));

    private static NodeView node(int id, long offset, int raftLeader, Map<String, PartitionView> partitions) {
        return new NodeView(id, "localhost:" + (9090 + id), null, offset, raftLeader, 2, Set.of(1, 2, 3), partitions);
    }

    private static List<NodeView> healthy() {
        return List.of(node(1, 57, 1, Map.of("t-0", LED_BY_1)), node(2, 57, 1, Map.of("t-0", LED_BY_1)),
                node(3, 57, 1, Map.of("t-0", LED_BY_1)));
    }

    @Test
    void agreeingNodesWithLiveLeadersInTheirIsrAreHealthy() {
        // when
        Verdict verdict = ClusterAudit.judge(healthy());
        // then
        assertThat(verdict.broken()).isEmpty();
        assertThat(verdict.exitCode()).isZero();
        assertThat(verdict.holds()).anySatisfy(l -> assertThat(l).contains("metadata offset: 57"))
                .anySatisfy(l -> assertThat(l).contains("agree on the leaders, epochs and ISRs of 1 partitions"));
    }

    @Test
    void aNodeBehindOnTheMetadataOffsetIsADisagreement() {
        // given
        List<NodeView> views = List.of(healthy().get(0), healthy().get(1), node(3, 50, 1, Map.of("t-0", LED_BY_1)));
        // when
        Verdict verdict = ClusterAudit.judge(views);
        // then
        assertThat(verdict.exitCode()).isEqualTo(1);
        assertThat(verdict.broken()).singleElement().asString()
                .contains("disagree on the metadata offset", "nodes [1, 2] see 57", "nodes [3] see 50");
    }

    @Test
    void nodesNamingDifferentLeadersAreADisagreement() {
        // given: node 3 thinks broker 2 leads t-0
        List<NodeView> views = List.of(healthy().get(0), healthy().get(1),
                node(3, 57, 1, Map.of("t-0", new PartitionView(2, 5, List.of(1, 2, 3)))));
        // when
        Verdict verdict = ClusterAudit.judge(views);
        // then
        assertThat(verdict.exitCode()).isEqualTo(1);
        assertThat(verdict.broken()).singleElement().asString().contains("disagree on t-0", "leader 2 at epoch 5");
    }

    @Test
    void nodesFollowingDifferentRaftLeadersAreADisagreement() {
        // given
        List<NodeView> views = List.of(healthy().get(0), healthy().get(1), node(3, 57, -1, Map.of("t-0", LED_BY_1)));
        // then
        assertThat(ClusterAudit.judge(views).broken()).singleElement().asString()
                .contains("disagree on the metadata Raft leader", "no leader");
    }

    @Test
    void aLeaderOutsideItsIsrOrNotLiveIsAViolation() {
        // given: every node agrees, on a leader outside the ISR; and on one that is not a live broker
        PartitionView outsideIsr = new PartitionView(1, 4, List.of(2, 3));
        PartitionView deadLeader = new PartitionView(7, 4, List.of(7));
        List<NodeView> views = List.of(node(1, 57, 1, Map.of("t-0", outsideIsr, "t-1", deadLeader)));
        // when
        Verdict verdict = ClusterAudit.judge(views);
        // then
        assertThat(verdict.exitCode()).isEqualTo(1);
        assertThat(verdict.broken()).anySatisfy(l -> assertThat(l).startsWith("leader_in_isr: node 1 sees t-0"))
                .anySatisfy(l -> assertThat(l).startsWith("leader_live: node 1 sees t-1"));
    }

    @Test
    void aNodeThatDoesNotAnswerMakesTheAuditIncomplete() {
        // given
        List<NodeView> views = List.of(healthy().get(0), healthy().get(1),
                NodeView.failed(3, "localhost:9093", "Connection refused"));
        // when
        Verdict verdict = ClusterAudit.judge(views);
        // then
        assertThat(verdict.broken()).isEmpty();
        assertThat(verdict.exitCode()).isEqualTo(2);
        assertThat(verdict.unanswered()).singleElement().asString().contains("node 3", "Connection refused");
    }
}
