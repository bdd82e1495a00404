package io.cairn.broker.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

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
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BrokerLifecycleTest {

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

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
                () -> Set.of(new TopicPartition("ledger", 1), new TopicPartition("gone", 0)), scheduler, 10,
                List.of(new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT").setHost("localhost")
                        .setPort(9092)), Optional.empty());

        // when it heartbeats
        lifecycle.start();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> heartbeats.size() >= 3);

        // then each heartbeat names ledger-1 by topic id (a topic the image does not know is left out)
        assertThat(heartbeats).allSatisfy(h -> assertThat(OfflinePartitionsField.read(h))
                .containsExactly(new PartitionId(ledger, 1)));
    }
}
