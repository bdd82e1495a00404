package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ChangeReason;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.MockTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControllerTest {

    private final FakeMetadataLog log = new FakeMetadataLog(1);
    private final ExecutorService eventLoop = Executors.newSingleThreadExecutor();
    private final MockTime time = new MockTime(0, 1_000L, 1_000_000_000L);
    private final Controller controller = new Controller(ControllerSettings.defaults(1), log, eventLoop,
            time, new Random(1));

    @AfterEach
    void tearDown() {
        log.close();
        eventLoop.shutdownNow();
    }

    @Test
    void standbyRefusesWritesWithRetriableNotController() {
        // given
        controller.start();
        // when
        CompletableFuture<ProducerIdBlock> f = controller.allocateProducerIds(1);
        // then
        assertThat(f).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(NotControllerException.class);
        assertThat(log.batches()).isEmpty();
    }

    @Test
    void activationBootstrapsAndSubmitsParkedRegistration() throws Exception {
        // given
        controller.start();
        CompletableFuture<Long> registered = controller.registerBroker(1, "localhost", 9092, null);
        // when
        log.becomeLeader(3);
        // then
        assertThat(registered.get(5, TimeUnit.SECONDS)).isEqualTo(1L);
        assertThat(controller.current().clusterId()).isNotNull();
        assertThat(controller.current().brokers().get(1).fenced()).isFalse();
        // the in-process broker registers fenced, then is unfenced at once (it shares this node's metadata)
        assertThat(log.batches()).hasSize(3);
        assertThat(log.batches().get(0).records()).singleElement().isInstanceOf(ClusterIdRecord.class);
        assertThat(log.batches().get(1).records()).singleElement().isInstanceOf(RegisterBrokerRecord.class);
        assertThat(log.batches().get(2).records()).singleElement().isEqualTo(new BrokerFencingChange(1, 1, false,
                ChangeReason.BROKER_UNFENCED, time.milliseconds()));
        assertThat(log.batches().get(1).term()).isEqualTo(3);
        assertThat(controller.current().controllerEpoch()).isEqualTo(3);
    }

    @Test
    void bootstrapCredentialsAreWrittenWithTheClusterIdOnceAndKeptByDerivedSettings() throws Exception {
        // given
        io.cairn.metadata.record.UserScramCredentialRecord admin = new io.cairn.metadata.record
                .UserScramCredentialRecord("admin", "SCRAM-SHA-256", new byte[] {1}, new byte[] {2}, new byte[] {3},
                4096);
        ControllerSettings settings = new ControllerSettings(1, 1, (short) 1, 1000, java.util.Map.of(),
                java.util.List.of(admin)).withBrokerConfig("num.partitions", "1");
        Controller bootstrapping = new Controller(settings, log, eventLoop, new MockTime(0, 1_000L, 1_000_000_000L),
                new Random(1));
        bootstrapping.start();

        // when
        log.becomeLeader(3);

        // then
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> bootstrapping.current().clusterId() != null);
        assertThat(log.batches().get(0).records()).hasSize(2).element(1).isEqualTo(admin);
        assertThat(bootstrapping.current().scramCredential("admin", "SCRAM-SHA-256")).isPresent();
    }

    @Test
    void writeCompletesAfterItIsAppliedAndConsecutiveCreatesSeeEachOther() throws Exception {
        // given
        controller.start();
        log.becomeLeader(1);
        controller.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        // when: two creates of one name, back to back, before either is applied
        CompletableFuture<CreateTopicsResponseData> first = controller.createTopics(
                TopicControlTest.request(TopicControlTest.topic("t", 2, 1)));
        CompletableFuture<CreateTopicsResponseData> second = controller.createTopics(
                TopicControlTest.request(TopicControlTest.topic("t", 2, 1)));
        // then
        CreateTopicsResponseData r1 = first.get(5, TimeUnit.SECONDS);
        assertThat(controller.current().topic("t")).isPresent();
        assertThat(r1.topics().find("t").errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(second.get(5, TimeUnit.SECONDS).topics().find("t").errorCode())
                .isEqualTo(Errors.TOPIC_ALREADY_EXISTS.code());
    }

    @Test
    void aHeartbeatThatChangesNothingDoesNotWaitForOtherWrites() throws Exception {
        // given: broker 1 registered and unfenced, then a CreateTopics whose append is not committed yet
        controller.start();
        log.becomeLeader(1);
        long epoch = controller.registerBroker(1, "localhost", 9092, null).get(5, TimeUnit.SECONDS);
        log.holdAppends();
        CompletableFuture<CreateTopicsResponseData> create = controller.createTopics(
                TopicControlTest.request(TopicControlTest.topic("t", 1, 1)));
        // when
        CompletableFuture<BrokerHeartbeatResponseData> heartbeat = controller.brokerHeartbeat(
                new BrokerHeartbeatRequestData().setBrokerId(1).setBrokerEpoch(epoch)
                        .setCurrentMetadataOffset(controller.current().offset()));
        // then: answered while the write is still pending, from the committed image
        BrokerHeartbeatResponseData response = heartbeat.get(5, TimeUnit.SECONDS);
        assertThat(response.errorCode()).isEqualTo(Errors.NONE.code());
        assertThat(response.isFenced()).isFalse();
        assertThat(create).isNotDone();
        log.releaseAppends();
        assertThat(create.get(5, TimeUnit.SECONDS).topics().find("t").errorCode()).isEqualTo(Errors.NONE.code());
    }

    @Test
    void resignationDropsTheWritePath() throws Exception {
        // given
        controller.start();
        log.becomeLeader(1);
        await().atMost(5, TimeUnit.SECONDS).until(() -> controller.isActive().get());
        // when
        log.resign();
        await().atMost(5, TimeUnit.SECONDS).until(() -> !controller.isActive().get());
        // then
        assertThat(controller.allocateProducerIds(1)).failsWithin(5, TimeUnit.SECONDS)
                .withThrowableOfType(ExecutionException.class).withCauseInstanceOf(NotControllerException.class);
    }

    @Test
    void listenersSeeImagesInOrder() throws Exception {
        // given
        java.util.List<Long> offsets = new java.util.concurrent.CopyOnWriteArrayList<>();
        controller.addListener((prev, next) -> offsets.add(next.offset()));
        controller.start();
        log.becomeLeader(1);
        // when
        controller.registerBroker(1, "h", 1, null).get(5, TimeUnit.SECONDS);
        controller.allocateProducerIds(1).get(5, TimeUnit.SECONDS);
        // then
        assertThat(offsets).containsExactly(0L, 1L, 2L, 3L);
    }

    @Test
    void aBrokerThatAsksToBeFencedIsFencedForThatReason() throws Exception {
        // given an active controller and its registered, unfenced broker
        controller.start();
        CompletableFuture<Long> registered = controller.registerBroker(1, "localhost", 9092, null);
        log.becomeLeader(3);
        long epoch = registered.get(5, TimeUnit.SECONDS);
        // when
        controller.brokerHeartbeat(new org.apache.kafka.common.message.BrokerHeartbeatRequestData().setBrokerId(1)
                .setBrokerEpoch(epoch).setWantFence(true)
                .setCurrentMetadataOffset(controller.current().offset())).get(5, TimeUnit.SECONDS);
        // then
        assertThat(log.batches().get(log.batches().size() - 1).records()).singleElement().isEqualTo(
                new BrokerFencingChange(1, epoch, true, ChangeReason.FENCE_REQUESTED, time.milliseconds()));
        assertThat(controller.current().history().broker(1)).extracting(h -> h.reason()).containsExactly(
                ChangeReason.BROKER_REGISTERED, ChangeReason.BROKER_UNFENCED, ChangeReason.FENCE_REQUESTED);
    }
}
