package io.cairn.broker.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.audit.Invariant;
import io.cairn.metadata.audit.LocalRole;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The auditor's reporting: one WARN per new violation, the gauge and counter per invariant, the periodic checks. */
class InvariantAuditorTest {

    private static final Uuid TOPIC = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");
    private static final PartitionId P0 = new PartitionId(TOPIC, 0);

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(InvariantAuditor.class);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong committed = new AtomicLong(-1);
    private volatile MetadataImage current = MetadataImage.EMPTY;
    private volatile Map<PartitionId, LocalRole> roles = Map.of();
    private InvariantAuditor auditor;

    @BeforeEach
    void setUp() {
        logs.start();
        logger.addAppender(logs);
        auditor = new InvariantAuditor(1, () -> current, new InvariantAuditor.LocalRoles() {
            @Override
            public long actedOnOffset() {
                return current.offset();
            }

            @Override
            public Map<PartitionId, LocalRole> roles() {
                return roles;
            }
        }, committed::get, 50);
        auditor.bindTo(registry);
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(logs);
    }

    /** Publishes the next image to the auditor as the node's publisher would. */
    private void publish(MetadataRecord... records) {
        MetadataImage previous = current;
        current = previous.apply(previous.offset() + 1, List.of(records));
        auditor.onImage(previous, current);
    }

    private void bootWithPartition(int leader, List<Integer> isr) {
        publish(new ClusterIdRecord("test", (short) 1),
                new RegisterBrokerRecord(1, "localhost", 9091, null, 1, false),
                new RegisterBrokerRecord(2, "localhost", 9092, null, 1, false),
                new TopicRecord("t", TOPIC),
                new PartitionRecord(TOPIC, 0, List.of(1, 2), isr, leader, 0, 0));
    }

    private List<String> warnings() {
        return logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    private double gauge(Invariant invariant) {
        return registry.get("cairn.invariant.violations").tag("invariant", invariant.tag()).gauge().value();
    }

    private double detected(Invariant invariant) {
        return registry.get("cairn.invariant.violations.detected").tag("invariant", invariant.tag()).counter().count();
    }

    @Test
    void aHealthyNodeReportsNothing() {
        // given
        bootWithPartition(1, List.of(1, 2));
        roles = Map.of(P0, new LocalRole(true, 0));
        committed.set(current.offset());
        // when
        auditor.checkNow();
        auditor.checkNow();
        // then
        assertThat(warnings()).isEmpty();
        assertThat(auditor.violations()).isEmpty();
        for (Invariant invariant : Invariant.values()) {
            assertThat(gauge(invariant)).as(invariant.tag()).isZero();
        }
    }

    @Test
    void aViolationIsWarnedOnceWhileItLastsAndAgainWhenItComesBack() {
        // given: leader 1 outside the ISR
        bootWithPartition(1, List.of(2));
        // when: more images keep it broken
        publish(new PartitionChangeRecord(TOPIC, 0, 0, PartitionChangeRecord.NO_CHANGE, List.of(2), null));
        // then: one WARN with the evidence, the gauge shows it
        assertThat(warnings()).singleElement().asString()
                .contains("[node 1]", "leader_in_isr", "t-0", "leader 1", "ISR [2]");
        assertThat(gauge(Invariant.LEADER_IN_ISR)).isEqualTo(1);
        assertThat(detected(Invariant.LEADER_IN_ISR)).isEqualTo(1);

        // when: repaired
        publish(new PartitionChangeRecord(TOPIC, 0, 1, PartitionChangeRecord.NO_CHANGE, List.of(1, 2), null));
        // then
        assertThat(gauge(Invariant.LEADER_IN_ISR)).isZero();
        assertThat(warnings()).hasSize(1);

        // when: broken again
        publish(new PartitionChangeRecord(TOPIC, 0, 2, PartitionChangeRecord.NO_CHANGE, List.of(2), null));
        // then: a new violation, a new WARN
        assertThat(warnings()).hasSize(2);
        assertThat(detected(Invariant.LEADER_IN_ISR)).isEqualTo(2);
    }

    @Test
    void aNodeActingAsLeaderAgainstItsImageIsFoundByThePeriodicCheck() {
        // given: the image names broker 2 leader, this node (1) acts as leader
        bootWithPartition(2, List.of(1, 2));
        roles = Map.of(P0, new LocalRole(true, 0));
        // when
        auditor.checkNow();
        auditor.checkNow();
        // then
        assertThat(warnings()).singleElement().asString().contains("local_leader_matches_image", "t-0",
                "names leader 2");
        assertThat(gauge(Invariant.LOCAL_LEADER_MATCHES_IMAGE)).isEqualTo(1);
    }

    @Test
    void anImageThatDoesNotReachWhatWasCommittedIsReported() {
        // given
        bootWithPartition(1, List.of(1, 2));
        roles = Map.of(P0, new LocalRole(true, 0));
        committed.set(current.offset() + 100);
        // when: the first check only notes the committed offset; the image has not moved by the second
        auditor.checkNow();
        assertThat(warnings()).isEmpty();
        auditor.checkNow();
        // then
        assertThat(warnings()).singleElement().asString().contains("image_caught_up", "node 1",
                "100 entries behind");
        assertThat(gauge(Invariant.IMAGE_CAUGHT_UP)).isEqualTo(1);
    }

    @Test
    void aReplicaLeftOutOfTheIsrWithoutAReasonIsReportedWhenTwoChecksInARowFindIt() {
        // given: this node leads t-0 with ISR {1}; replica 2 is caught up and nothing is in flight
        bootWithPartition(1, List.of(1));
        roles = Map.of(P0, new LocalRole(true, 0, Map.of(2, "fetched to 10 (high watermark 10)")));
        committed.set(current.offset());
        // when: one check, and an image in between / then: an expansion may be on its way
        auditor.checkNow();
        publish(new PartitionChangeRecord(TOPIC, 0, 0, PartitionChangeRecord.NO_CHANGE, List.of(1), null));
        assertThat(warnings()).isEmpty();
        // when: the next check still finds it
        auditor.checkNow();
        // then
        assertThat(warnings()).singleElement().asString().contains("replicas_in_isr_or_lagging", "t-0 replica 2",
                "out of the ISR [1]", "fetched to 10");
        assertThat(gauge(Invariant.REPLICAS_IN_ISR_OR_LAGGING)).isEqualTo(1);

        // when: the leader has a reason again (or the replica joined)
        roles = Map.of(P0, new LocalRole(true, 0));
        auditor.checkNow();
        // then
        assertThat(gauge(Invariant.REPLICAS_IN_ISR_OR_LAGGING)).isZero();

        // when: it is unexplained at one check only / then: nothing new
        roles = Map.of(P0, new LocalRole(true, 0, Map.of(2, "fetched to 10 (high watermark 10)")));
        auditor.checkNow();
        roles = Map.of(P0, new LocalRole(true, 0));
        auditor.checkNow();
        assertThat(warnings()).hasSize(1);
    }
}
