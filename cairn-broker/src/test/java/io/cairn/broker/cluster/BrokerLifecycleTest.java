package io.cairn.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.cairn.broker.UnsupportedMetadataWriter;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionId;
import io.cairn.metadata.controller.OfflinePartitionsField;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.TopicRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.server.util.MockTime;
import org.junit.jupiter.api.Test;

class BrokerLifecycleTest {

    /** Kafka's manual clock with its MockScheduler: advancing the clock runs the timers that came due. */
    private final MockTime time = new MockTime();

    private static final List<BrokerRegistrationRequestData.Listener> LISTENERS = List.of(
            new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT").setHost("localhost").setPort(9092));

    @Test
    void everyHeartbeatReportsTheOfflineLogsByTopicId() {
        // given a node whose log of ledger-1 could not be loaded, and a controller that records heartbeats
        Uuid ledger = new Uuid(11, 12);
        MetadataImage image = MetadataImage.EMPTY.apply(0, List.of(new TopicRecord("ledger", ledger),
                new PartitionRecord(ledger, 0, List.of(1), List.of(1), 1, 0, 0),
                new PartitionRecord(ledger, 1, List.of(1), List.of(1), 1, 0, 0)));
        ConcurrentLinkedQueue<BrokerHeartbeatRequestData> heartbeats = new ConcurrentLinkedQueue<>();
        UnsupportedMetadataWriter controller = new UnsupportedMetadataWriter() {
            @Override
            public CompletableFuture<BrokerRegistrationResponseData> registerBroker(
                    BrokerRegistrationRequestData request) {
                return CompletableFuture.completedFuture(new BrokerRegistrationResponseData().setBrokerEpoch(3));
            }

            @Override
            public CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(
                    BrokerHeartbeatRequestData request) {
                heartbeats.add(request);
                return CompletableFuture.completedFuture(new BrokerHeartbeatResponseData().setIsFenced(false));
            }
        };
        BrokerLifecycle lifecycle = new BrokerLifecycle(1, controller, () -> image,
                () -> Set.of(new TopicPartition("ledger", 1), new TopicPartition("gone", 0)), time.scheduler, time, 10,
                LISTENERS, Optional.empty());

        // when it heartbeats
        lifecycle.start();
        time.sleep(100); // not unfenced in this image: it heartbeats every 100 ms
        time.sleep(100);

        // then each heartbeat names ledger-1 by topic id (a topic the image does not know is left out)
        assertThat(heartbeats).hasSize(3);
        assertThat(heartbeats).allSatisfy(h -> assertThat(OfflinePartitionsField.read(h))
                .containsExactly(new PartitionId(ledger, 1)));
    }

    @Test
    void aShutdownTheControllerNeverGrantsEndsAfterItsTimeoutOnTheInjectedClock() {
        // given a registered broker whose controller answers every heartbeat without granting the shutdown
        ConcurrentLinkedQueue<BrokerHeartbeatRequestData> heartbeats = new ConcurrentLinkedQueue<>();
        UnsupportedMetadataWriter controller = new UnsupportedMetadataWriter() {
            @Override
            public CompletableFuture<BrokerRegistrationResponseData> registerBroker(
                    BrokerRegistrationRequestData request) {
                return CompletableFuture.completedFuture(new BrokerRegistrationResponseData().setBrokerEpoch(3));
            }

            @Override
            public CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(
                    BrokerHeartbeatRequestData request) {
                heartbeats.add(request);
                return CompletableFuture.completedFuture(new BrokerHeartbeatResponseData().setIsFenced(false)
                        .setShouldShutDown(false));
            }
        };
        BrokerLifecycle lifecycle = new BrokerLifecycle(1, controller, () -> MetadataImage.EMPTY, Set::of,
                time.scheduler, time, 1000, LISTENERS, Optional.empty());
        lifecycle.start();
        heartbeats.clear();
        long before = time.milliseconds();

        // when it shuts down with a 1 s timeout
        lifecycle.shutdown(1000);

        // then it asked every 200 ms of the injected clock until the timeout passed on it (the heartbeat the
        // timer had due at 100 ms asks too)
        assertThat(time.milliseconds() - before).isEqualTo(1000);
        assertThat(heartbeats).hasSize(6).allSatisfy(h -> assertThat(h.wantShutDown()).isTrue());
    }
}
