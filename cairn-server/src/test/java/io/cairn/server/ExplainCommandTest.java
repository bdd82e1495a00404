package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import io.cairn.metadata.record.BrokerHistoryRecord;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.PartitionHistoryRecord;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** How explain prints a history, and how it refuses bad input before asking anyone. */
class ExplainCommandTest {

    private static final Uuid T = new Uuid(1, 1);

    private static PartitionHistoryRecord step(long seq, long timeMs, ChangeReason reason, int leader, int epoch,
                                               List<Integer> isr, List<Integer> adding) {
        return new PartitionHistoryRecord(T, 0, seq, 10 + seq, 4, 2, timeMs, reason, leader, epoch, (int) seq,
                isr, List.of(1, 2, 3), adding, List.of());
    }

    @Test
    void oneLinePerChangeWithTheLeaderMoveAndWhatWasDropped() {
        // given a history whose first 41 steps were dropped, the first kept one written before format 2
        List<PartitionHistoryRecord> steps = new ArrayList<>();
        steps.add(step(42, -1, ChangeReason.UNKNOWN, 1, 3, List.of(1, 2), List.of()));
        steps.add(step(43, 1_764_849_600_123L, ChangeReason.LEASE_EXPIRED, 2, 4, List.of(2), List.of()));
        steps.add(step(44, 1_764_849_601_000L, ChangeReason.REASSIGNMENT_STARTED, 2, 4, List.of(2), List.of(3)));
        StringWriter out = new StringWriter();
        // when
        ExplainCommand.printTopic(new PrintWriter(out), "orders", steps);
        // then
        assertThat(out.toString().lines()).containsExactly(
                "orders-0: 3 changes (41 older changes dropped: 100 are kept)",
                "  time unknown  offset 52  term 4  decided by node 2  unknown: written before format 2: leader 1 "
                        + "(leader epoch 3), ISR [1, 2], partition epoch 42, replicas [1, 2, 3]",
                "  2025-12-04T12:00:00.123Z  offset 53  term 4  decided by node 2  broker fenced after lease expiry: "
                        + "leader 1 -> leader 2 (leader epoch 4), ISR [2], partition epoch 43, replicas [1, 2, 3]",
                "  2025-12-04T12:00:01Z  offset 54  term 4  decided by node 2  reassignment started: leader 2 "
                        + "(leader epoch 4), ISR [2], partition epoch 44, replicas [1, 2, 3], adding [3]");
    }

    @Test
    void aBrokersStepsNameTheEventAndItsEpoch() {
        StringWriter out = new StringWriter();
        ExplainCommand.printBroker(new PrintWriter(out), 3, List.of(
                new BrokerHistoryRecord(3, 1, 5, 1, 1, 0, ChangeReason.BROKER_REGISTERED,
                        BrokerHistoryRecord.Event.REGISTERED, 1, "h:9092"),
                new BrokerHistoryRecord(3, 2, 9, 2, 1, 1000, ChangeReason.CONTROLLED_SHUTDOWN,
                        BrokerHistoryRecord.Event.FENCED, 1, null)));
        assertThat(out.toString().lines()).containsExactly("broker 3: 2 changes",
                "  1970-01-01T00:00:00Z  offset 5  term 1  decided by node 1  broker registered: registered at broker "
                        + "epoch 1 (h:9092)",
                "  1970-01-01T00:00:01Z  offset 9  term 2  decided by node 1  controlled shutdown: fenced at broker "
                        + "epoch 1");
    }

    @Test
    void badInputIsRefusedWithExitTwoBeforeAnyRequest() {
        for (String[] args : List.of(new String[] {"--bootstrap", "host:9092"},
                new String[] {"--bootstrap", "host:9092", "orders", "--broker", "1"},
                new String[] {"--bootstrap", "no-port", "orders"},
                new String[] {"--bootstrap", "host:x", "--broker", "1"})) {
            StringWriter err = new StringWriter();
            CommandLine command = new CommandLine(new ExplainCommand());
            command.setErr(new PrintWriter(err));
            assertThat(command.execute(args)).as(String.join(" ", args)).isEqualTo(2);
            assertThat(err.toString()).startsWith("cairn explain: ");
        }
    }
}
