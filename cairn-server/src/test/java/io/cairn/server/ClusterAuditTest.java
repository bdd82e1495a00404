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

    private static final OwnAudit CLEAN = new OwnAudit(Map.of("leader_in_isr", 0L, "image_caught_up", 0L), null);

    private static NodeView node(int id, long offset, int raftLeader, Map<String, PartitionView> partitions) {
        return node(id, offset, raftLeader, partitions, CLEAN);
    }

    private static NodeView node(int id, long offset, int raftLeader, Map<String, PartitionView> partitions,
                                 OwnAudit ownAudit) {
        return new NodeView(id, "localhost:" + (9090 + id), null, offset, raftLeader, 2, Set.of(1, 2, 3), partitions,
                ownAudit);
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

    @Test
    void aViolationANodesOwnAuditSeesBreaksTheVerdict() {
        // given: node 2 acts as leader where its image says otherwise, which no client can see from outside
        OwnAudit sees = new OwnAudit(Map.of("leader_in_isr", 0L, "local_leader_matches_image", 1L), null);
        List<NodeView> views = List.of(node(1, 57, 1, Map.of("t-0", LED_BY_1)),
                node(2, 57, 1, Map.of("t-0", LED_BY_1), sees), node(3, 57, 1, Map.of("t-0", LED_BY_1)));
        // when
        Verdict verdict = ClusterAudit.judge(views);
        // then
        assertThat(verdict.exitCode()).isEqualTo(1);
        assertThat(verdict.broken()).containsExactly(
                "local_leader_matches_image: node 2's own audit sees 1 violation now (its WARN log has the evidence)");
    }

    @Test
    void aNodeWhoseOwnAuditCannotBeReadIsNamedButDoesNotMakeTheVerdictIncomplete() {
        // given
        List<NodeView> views = List.of(node(1, 57, 1, Map.of("t-0", LED_BY_1)),
                node(2, 57, 1, Map.of("t-0", LED_BY_1), OwnAudit.unreadable("its metrics endpoint is off")),
                node(3, 57, 1, Map.of("t-0", LED_BY_1)));
        // when
        Verdict verdict = ClusterAudit.judge(views);
        // then
        assertThat(verdict.healthy()).isTrue();
        assertThat(verdict.holds()).contains(
                "the own audits of nodes [1, 3] see no violation (not read: node 2: its metrics endpoint is off)");
    }

    @Test
    void theViolationGaugesAreReadFromAPrometheusPage() {
        // given: the gauge lines as Micrometer writes them, with the node's common tag, beside other meters
        String page = """
                # HELP cairn_invariant_violations Violations of this leadership invariant that this node sees now
                # TYPE cairn_invariant_violations gauge
                cairn_invariant_violations{invariant="leader_in_isr",node="2"} 0.0
                cairn_invariant_violations{invariant="image_caught_up",node="2"} 3.0
                cairn_invariant_violations_detected_total{invariant="image_caught_up",node="2"} 5.0
                cairn_partitions{node="2"} 12.0
                """;
        // when
        OwnAudit audit = OwnAudit.parse(page);
        // then
        assertThat(audit.readable()).isTrue();
        assertThat(audit.violations()).containsOnly(Map.entry("leader_in_isr", 0L), Map.entry("image_caught_up", 3L));
        assertThat(audit.broken()).containsOnly(Map.entry("image_caught_up", 3L));
        assertThat(OwnAudit.parse("cairn_partitions 1.0\n").readable()).isFalse();
    }
}
