package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.controller.Controller;
import io.cairn.metadata.controller.ControllerSettings;
import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.utils.Time;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The controller over a one-voter Ratis group: elects itself, decides, snapshots, and restarts from a snapshot. */
class RatisMetadataLogTest {

    @TempDir
    Path dir;

    private RatisMetadataLog log;
    private ExecutorService eventLoop;
    private Controller controller;

    private void start(int port) {
        log = new RatisMetadataLog(new RaftSettings(1, List.of(new Voter(1, "127.0.0.1", port)), dir,
                Duration.ofMillis(500), 10));
        eventLoop = Executors.newSingleThreadExecutor();
        controller = new Controller(new ControllerSettings(1, 1, (short) 1, 1000, java.util.Map.of()), log,
                eventLoop, Time.SYSTEM, new Random(7));
        controller.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (log != null) {
            log.close();
        }
        if (eventLoop != null) {
            eventLoop.shutdownNow();
        }
    }

    @Test
    void aLoneVoterElectsItselfDecidesAndRestartsFromItsSnapshot() throws Exception {
        // given: a one-voter group with a tiny snapshot threshold (on any free port: a lone voter is never dialled)
        start(0);
        controller.registerBroker(1, "localhost", 9092, null).get(20, TimeUnit.SECONDS);

        // when: enough topics to pass the snapshot threshold several times
        for (int i = 0; i < 25; i++) {
            controller.createTopics(new CreateTopicsRequestData().setTopics(
                    new CreateTopicsRequestData.CreatableTopicCollection(List.of(new CreatableTopic()
                            .setName("t" + i).setNumPartitions(2).setReplicationFactor((short) 1)).iterator())))
                    .get(10, TimeUnit.SECONDS);
        }
        MetadataImage before = controller.current();
        assertThat(before.topicsByName()).hasSize(25);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> snapshotFiles().findAny().isPresent());
        log.close();
        eventLoop.shutdownNow();

        // then: a restart rebuilds the same topics and brokers (from the snapshot plus the log after it)
        start(0);
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> controller.current().offset() >= before.offset());
        MetadataImage after = controller.current();
        assertThat(after.clusterId()).isEqualTo(before.clusterId());
        assertThat(after.brokers()).isEqualTo(before.brokers());
        assertThat(after.topicsByName()).isEqualTo(before.topicsByName());
        assertThat(after.nextProducerId()).isEqualTo(before.nextProducerId());
    }

    /**
     * While a restarting member loads its snapshot its Raft log is not initialized yet; the node's periodic audit
     * asks for the committed index then, and got Ratis' IllegalStateException ("log is uninitialized"), logged
     * as an ERROR at every start of a cluster on a loaded machine. Before the log is known it is -1.
     */
    @Test
    void theCommittedIndexIsMinusOneWhileTheSnapshotLoads() throws Exception {
        // given: a one-voter group that has taken a snapshot
        int port = 0; // a lone voter binds any free port, at each start
        start(port);
        controller.registerBroker(1, "localhost", 9092, null).get(20, TimeUnit.SECONDS);
        for (int i = 0; i < 25; i++) {
            controller.createTopics(new CreateTopicsRequestData().setTopics(
                    new CreateTopicsRequestData.CreatableTopicCollection(List.of(new CreatableTopic()
                            .setName("t" + i).setNumPartitions(1).setReplicationFactor((short) 1)).iterator())))
                    .get(10, TimeUnit.SECONDS);
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> snapshotFiles().findAny().isPresent());
        log.close();
        eventLoop.shutdownNow();

        // when: it restarts and the committed index is asked for while the snapshot is delivered
        log = new RatisMetadataLog(new RaftSettings(1, List.of(new Voter(1, "127.0.0.1", port)), dir,
                Duration.ofMillis(500), 10));
        CompletableFuture<Long> askedDuringLoad = new CompletableFuture<>();
        RatisMetadataLog restarted = log;
        log.register(new MetadataLog.Listener() {
            @Override
            public void handleCommit(MetadataBatch batch) {
                if (!askedDuringLoad.isDone()) {
                    try {
                        askedDuringLoad.complete(restarted.committedIndex());
                    } catch (RuntimeException e) {
                        askedDuringLoad.completeExceptionally(e);
                    }
                }
            }

            @Override
            public void onBecomeLeader(int term, OptionalInt previousLeader) {
            }

            @Override
            public void onResign(int term) {
            }
        });
        log.start();

        // then: it is answered -1, not an exception
        assertThat(askedDuringLoad.get(20, TimeUnit.SECONDS)).isEqualTo(-1L);
    }

    @Test
    void imageRecordsRebuildTheImage() throws Exception {
        // given: an image with brokers and topics, built by a controller
        start(0);
        controller.registerBroker(1, "localhost", 9092, "r1").get(20, TimeUnit.SECONDS);
        controller.createTopics(new CreateTopicsRequestData().setTopics(
                new CreateTopicsRequestData.CreatableTopicCollection(List.of(new CreatableTopic()
                        .setName("a").setNumPartitions(3).setReplicationFactor((short) 1)).iterator())))
                .get(10, TimeUnit.SECONDS);
        controller.allocateProducerIds(1).get(10, TimeUnit.SECONDS);
        MetadataImage image = controller.current();

        // when: written as records and applied to the empty image
        MetadataImage rebuilt = MetadataImage.EMPTY.apply(new io.cairn.metadata.record.MetadataBatch(
                image.offset(), image.controllerEpoch(), image.controllerId(), ImageRecords.toRecords(image)));

        // then: equal
        assertThat(rebuilt).isEqualTo(image);
        // and: resetting a later image onto an older one gives the later one's content
        MetadataImage reset = MetadataImage.EMPTY.apply(new io.cairn.metadata.record.MetadataBatch(
                image.offset() + 1, image.controllerEpoch(), image.controllerId(),
                ImageRecords.resetRecords(MetadataImage.EMPTY, image)));
        assertThat(reset.topicsByName()).isEqualTo(image.topicsByName());
    }

    private Stream<Path> snapshotFiles() throws java.io.IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("snapshot.")
                    && !p.getFileName().toString().endsWith(".md5")).toList().stream();
        }
    }

    @Test
    void aRaftPortInUseIsNamedInTheFailure() throws Exception {
        // given: the Raft port is held by someone else. Ratis may still be creating its storage for a moment after
        // a failed start has been closed, so this member gets a directory of its own, removed once it settles.
        Path takerDir = Files.createTempDirectory("cairn-raft-port-taken");
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            RatisMetadataLog taker = new RatisMetadataLog(new RaftSettings(1,
                    List.of(new Voter(1, "127.0.0.1", taken.getLocalPort())), takerDir, Duration.ofMillis(500), 10));
            try {
                // when / then: the failure says why, not only where (a node prints only this message when it exits)
                assertThatThrownBy(taker::start).hasMessageContaining("Address already in use");
            } finally {
                taker.close();
            }
        } finally {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> deletedRecursively(takerDir));
        }
    }

    private static boolean deletedRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
            return true;
        } catch (IOException | UncheckedIOException e) {
            return false; // a file appeared or vanished while walking: try again
        }
    }
}
