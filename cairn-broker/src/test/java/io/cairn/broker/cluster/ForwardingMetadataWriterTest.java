package io.cairn.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.broker.UnsupportedMetadataWriter;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.server.util.KafkaScheduler;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ForwardingMetadataWriterTest {

    private static final int SELF = 1;
    private static final int OTHER = 2;

    /** Kafka's manual clock with its MockScheduler: advancing the clock runs the timers that came due. */
    private final MockTime time = new MockTime();
    private final InterBrokerChannel channel = new InterBrokerChannel(SELF);

    @AfterEach
    void tearDown() {
        channel.close();
    }

    @Test
    void anAttemptStuckAtAControllerThatNoLongerLeadsGoesToTheNewOne() throws Exception {
        // given: node 2 is the controller, and hangs: its listener accepts connections and never answers
        try (ServerSocket hung = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            MetadataImage image = MetadataImage.EMPTY.apply(0,
                    new RegisterBrokerRecord(OTHER, "127.0.0.1", hung.getLocalPort(), null, 1, false));
            AtomicInteger controllerId = new AtomicInteger(OTHER);
            AtomicInteger localHeartbeats = new AtomicInteger();
            MetadataWriter local = new HeartbeatOnlyWriter(localHeartbeats);
            // each attempt may take a minute: only the change of leader can end the one at node 2 sooner
            ForwardingMetadataWriter writer = new ForwardingMetadataWriter(SELF, local, controllerId::get,
                    () -> image, channel, time.scheduler, time, 60_000, 60_000);

            CompletableFuture<BrokerHeartbeatResponseData> heartbeat = writer.brokerHeartbeat(
                    new BrokerHeartbeatRequestData().setBrokerId(SELF).setBrokerEpoch(1));
            Socket accepted = hung.accept(); // the heartbeat went to node 2

            // when: the metadata quorum elects this node, and the writer's next check of the leader comes due
            controllerId.set(SELF);
            for (int ms = 0; ms < 100; ms++) { // (a timer runs when the clock passes it: move it 1 ms at a time)
                time.sleep(1);
            }

            // then: the heartbeat is answered by this node's controller, long before the attempt's bound
            assertThat(heartbeat).isDone();
            assertThat(heartbeat.get().isFenced()).isFalse();
            assertThat(localHeartbeats).hasValue(1);
            // and the connection to the old controller is dropped (nothing is kept waiting for its answer)
            accepted.setSoTimeout(10_000);
            assertThat(drain(accepted)).isEqualTo(-1);
            accepted.close();
        }
    }

    @Test
    void aRetryAfterTheSchedulerStoppedFailsAtOnceWithNotController() {
        // given a writer whose scheduler is stopped (the node is closing), and no controller known
        KafkaScheduler stopped = new KafkaScheduler(1);
        ForwardingMetadataWriter writer = new ForwardingMetadataWriter(SELF, new HeartbeatOnlyWriter(
                new AtomicInteger()), () -> -1, () -> MetadataImage.EMPTY, channel, stopped, time, 60_000, 60_000);

        // when a heartbeat has to wait for a controller
        CompletableFuture<BrokerHeartbeatResponseData> heartbeat = writer.brokerHeartbeat(
                new BrokerHeartbeatRequestData().setBrokerId(SELF).setBrokerEpoch(1));

        // then it is answered at once with the retriable NOT_CONTROLLER, not left waiting for a retry never run
        assertThat(heartbeat).isCompletedExceptionally();
        assertThatThrownBy(heartbeat::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(NotControllerException.class).hasMessageContaining("shutting down");
    }

    /** Reads what the peer sent until it closes the connection; -1 then. */
    private static int drain(Socket socket) throws java.io.IOException {
        byte[] buffer = new byte[4096];
        int n;
        while ((n = socket.getInputStream().read(buffer)) > 0) {
            // the forwarded heartbeat: not answered
        }
        return n;
    }

    /** This node's controller, active: answers heartbeats (unfenced) and nothing else. */
    private static final class HeartbeatOnlyWriter extends UnsupportedMetadataWriter {
        private final AtomicInteger heartbeats;

        HeartbeatOnlyWriter(AtomicInteger heartbeats) {
            this.heartbeats = heartbeats;
        }

        @Override
        public CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(BrokerHeartbeatRequestData request) {
            heartbeats.incrementAndGet();
            return CompletableFuture.completedFuture(new BrokerHeartbeatResponseData().setIsFenced(false));
        }
    }
}
