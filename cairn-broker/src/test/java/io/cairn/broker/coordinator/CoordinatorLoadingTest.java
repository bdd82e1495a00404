package io.cairn.broker.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cairn.broker.group.CoordinatorRecord;
import io.cairn.broker.group.GroupConfig;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.replica.LoneReplicas;
import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.txn.TransactionConfig;
import io.cairn.broker.txn.TransactionCoordinator;
import io.cairn.broker.txn.TransactionMetadata;
import io.cairn.broker.txn.TransactionRecord;
import io.cairn.broker.txn.TransactionState;
import io.cairn.broker.txn.TxnMarkerWriter;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.record.BrokerFencingChange;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.PartitionChangeRecord;
import io.cairn.metadata.record.PartitionRecord;
import io.cairn.metadata.record.RegisterBrokerRecord;
import io.cairn.metadata.record.TopicRecord;
import io.cairn.storage.LogManager;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.KafkaScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A coordinator whose partition holds records it cannot read (absurd lengths, unknown versions, cut short, or
 * readable but impossible to replay) skips each with one log line naming its partition and offset, loads the rest
 * and serves. The records are written straight to the partition's log, as a produce to an internal topic is
 * refused.
 */
class CoordinatorLoadingTest {

    private static final MetadataImage SERVING = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, List.of(
            new ClusterIdRecord("c", (short) 1),
            new RegisterBrokerRecord(1, "h", 9092, null, 1, false),
            new BrokerFencingChange(1, 1, false))));

    @TempDir
    Path dir;

    /** The node's timers (log, replica manager, coordinators): Kafka's scheduler, on the wall clock as the rest of this test. */
    private KafkaScheduler timers;
    private ExecutorService loop;
    private LogManager logManager;
    private ReplicaManager replicas;
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeEach
    void startNode() {
        timers = new KafkaScheduler(1);
        timers.startup();
        loop = Executors.newSingleThreadExecutor();
        logManager = new LogManager(dir, Time.SYSTEM, timers, 60_000);
        logManager.startup();
        replicas = LoneReplicas.start(logManager, timers, 30_000);
        replicas.onImage(MetadataImage.EMPTY, SERVING);
        events.start();
        ((Logger) LoggerFactory.getLogger(CoordinatorRuntime.class)).addAppender(events);
    }

    @AfterEach
    void stopNode() throws InterruptedException {
        ((Logger) LoggerFactory.getLogger(CoordinatorRuntime.class)).detachAppender(events);
        replicas.shutdown();
        logManager.close();
        loop.shutdownNow();
        timers.shutdown();
    }

    @Test
    void theGroupCoordinatorSkipsWhatItCannotReadAndLoadsTheRest() throws Exception {
        // given a __consumer_offsets partition led here whose one batch holds bad records between good ones
        MetadataImage image = withTopicLedHere(GroupConfig.OFFSETS_TOPIC);
        replicas.onImage(SERVING, image);
        byte[] groupKey = new CoordinatorRecord.Group("bad", null).key();
        Partition partition = partition(GroupConfig.OFFSETS_TOPIC);
        CoordinatorRecord.Group stable = new CoordinatorRecord.Group("g3", new CoordinatorRecord.GroupValue(
                "consumer", 1, "range", "m1", 0L, List.of(new CoordinatorRecord.MemberValue("m1", null, "c", "/h",
                30_000, 10_000, new byte[0], new byte[0]))));
        partition.appendAsCoordinator(MemoryRecords.withRecords(Compression.NONE,
                offset("g1", 5),
                // offset 1: a group of 2^31-1 members in a few bytes (an OutOfMemoryError when believed)
                new SimpleRecord(0L, groupKey, groupValue("consumer", Integer.MAX_VALUE)),
                // offset 2: an offset's metadata string of 30,000 bytes in a 20-byte value
                new SimpleRecord(0L, new CoordinatorRecord.Offset("bad", "t", 0, null).key(),
                        ByteBuffer.allocate(2 + 8 + 4 + 2 + 4).putShort((short) 0).putLong(1).putInt(0)
                                .putShort((short) 30_000).array()),
                // offset 3: a key of an unknown version
                new SimpleRecord(0L, new byte[] {0, 9, 1}, new byte[] {0, 0}),
                // offset 4: a key cut short
                new SimpleRecord(0L, new byte[] {0}, null),
                // offset 5: readable, but no Cairn writes a group without a protocol type: its replay fails
                new SimpleRecord(0L, groupKey, groupValue(null, 0)),
                offset("g2", 7),
                new SimpleRecord(0L, stable.key(), stable.value())));
        await().atMost(Duration.ofSeconds(10)).until(() -> partition.highWatermark() == 8);
        GroupCoordinatorRuntime groups = new GroupCoordinatorRuntime(1, Time.SYSTEM, GroupConfig.defaults(), replicas,
                timers, loop, new Random(1));

        // when the coordinator takes the partition over
        groups.onImage(MetadataImage.EMPTY, image);

        // then the good records are loaded and the coordinator serves
        await().atMost(Duration.ofSeconds(10)).until(() -> groups.loadStats().containsKey(0));
        assertThat(groups.read(0, shard -> shard.offsets().offsetCount()).get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(groups.read(0, shard -> shard.groupCount()).get(5, TimeUnit.SECONDS)).isEqualTo(3);
        assertThat(groups.read(0, shard -> shard.offsets().fetch("g2", null).topics().get(0).partitions().get(0)
                .committedOffset()).get(5, TimeUnit.SECONDS)).isEqualTo(7);
        OffsetCommitResponseData committed = groups.write(0, shard -> shard.offsets().commit(commit("g4"), (short) 9))
                .get(10, TimeUnit.SECONDS);
        assertThat(Errors.forCode(committed.topics().get(0).partitions().get(0).errorCode())).isEqualTo(Errors.NONE);
        // and each bad record was logged once, with its partition and offset
        assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .hasSize(5)
                .allMatch(m -> m.contains("__consumer_offsets-0"))
                .anyMatch(m -> m.contains("at offset 1 ")).anyMatch(m -> m.contains("at offset 2 "))
                .anyMatch(m -> m.contains("at offset 3 ")).anyMatch(m -> m.contains("at offset 4 "))
                .anyMatch(m -> m.contains("at offset 5 "));
    }

    /**
     * A follower elected leader may hold the last records its old leader wrote, committed there and answered to
     * their clients, with its own high watermark not yet past them (it learns the old leader's on its next fetch,
     * which a killed or paused leader never answers). Loading only up to that high watermark left the coordinator
     * without those records: a transaction coordinator then answered PRODUCER_FENCED to the producer whose end it
     * had missed, and aborted a transaction with markers at an epoch the partitions refused, leaving it hanging.
     * The new leader's log is the partition's from now on, so, as Kafka's loaders do, it loads up to its end.
     */
    @Test
    void aNewLeaderLoadsTheRecordsItsHighWatermarkHasNotReachedYet() throws Exception {
        // given a __consumer_offsets partition led here with a follower in the ISR that has fetched nothing yet
        MetadataImage image = offsetsLedHereWithFollower2();
        replicas.onImage(SERVING, image);
        Partition partition = partition(GroupConfig.OFFSETS_TOPIC);
        partition.appendAsCoordinator(MemoryRecords.withRecords(Compression.NONE, offset("g1", 5), offset("g2", 7)));
        assertThat(partition.highWatermark()).isZero();
        GroupCoordinatorRuntime groups = new GroupCoordinatorRuntime(1, Time.SYSTEM, GroupConfig.defaults(), replicas,
                timers, loop, new Random(1));

        // when the coordinator takes the partition over
        groups.onImage(MetadataImage.EMPTY, image);

        // then it has loaded both records, not only the committed prefix its high watermark names
        await().atMost(Duration.ofSeconds(10)).until(() -> groups.loadStats().containsKey(0));
        // (a read answers once what it saw is committed: here when the follower has fetched it)
        CompletableFuture<Integer> offsetCount = groups.read(0, shard -> shard.offsets().offsetCount());
        CompletableFuture<Long> g2 = groups.read(0, shard -> shard.offsets().fetch("g2", null).topics().get(0)
                .partitions().get(0).committedOffset());
        partition.readAsFollower(2, 2, 1 << 20, java.util.Optional.empty());
        assertThat(offsetCount.get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(g2.get(5, TimeUnit.SECONDS)).isEqualTo(7);
    }

    /** A group coordinator active on {@code image}'s partition 0 of the offsets topic, loaded. */
    private GroupCoordinatorRuntime activeOn(MetadataImage image) {
        replicas.onImage(SERVING, image);
        GroupCoordinatorRuntime groups = new GroupCoordinatorRuntime(1, Time.SYSTEM, GroupConfig.defaults(), replicas,
                timers, loop, new Random(1));
        groups.onImage(MetadataImage.EMPTY, image);
        await().atMost(Duration.ofSeconds(10)).until(() -> groups.loadStats().containsKey(0));
        return groups;
    }

    /** Group g's offset commit, once it is in {@code partition}'s log (not yet replicated). */
    private static CompletableFuture<OffsetCommitResponseData> appendCommit(GroupCoordinatorRuntime groups,
                                                                          Partition partition) {
        CompletableFuture<OffsetCommitResponseData> committed =
                groups.write(0, shard -> shard.offsets().commit(commit("g"), (short) 9));
        await().atMost(Duration.ofSeconds(10)).until(() -> partition.log().logEndOffset() == 1);
        return committed;
    }

    /**
     * An offset commit is in the shard once appended, but not durable until the high watermark passes it: a read
     * (OffsetFetch) must not show it before, or a failover to the follower that never got it makes the group's
     * committed offset go back, as a chaos campaign saw (96,157 shown, then 96,120 on the new coordinator).
     */
    @Test
    void aReadDoesNotShowAWriteUntilItIsCommitted() throws Exception {
        // given an active group coordinator whose partition has a follower in the ISR
        MetadataImage image = offsetsLedHereWithFollower2();
        GroupCoordinatorRuntime groups = activeOn(image);
        Partition partition = partition(GroupConfig.OFFSETS_TOPIC);

        // when a commit is appended but the follower has not fetched it
        CompletableFuture<OffsetCommitResponseData> committed = appendCommit(groups, partition);
        CompletableFuture<Integer> read = groups.read(0, shard -> shard.offsets().offsetCount());

        // then neither the commit nor the read that saw it has answered
        assertThat(partition.highWatermark()).isZero();
        assertThat(committed).isNotDone();
        assertThat(read).isNotDone();

        // when the follower has it
        partition.readAsFollower(2, 1, 1 << 20, java.util.Optional.empty());

        // then both answer
        assertThat(read.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(Errors.forCode(committed.get(5, TimeUnit.SECONDS).topics().get(0).partitions().get(0).errorCode()))
                .isEqualTo(Errors.NONE);
    }

    /**
     * A coordinator write waits for the high watermark while this node leads the partition at the epoch it appended
     * at. A paused old leader that wakes up as a follower truncates its unreplicated write and then follows the new
     * leader's high watermark past that offset, over other records: a chaos campaign saw a transaction's commit
     * answered so, whose PREPARE_COMMIT the new coordinator never had; it aborted the transaction. Such a write
     * fails with NOT_COORDINATOR instead (its client retries with the new coordinator).
     */
    @Test
    void aWriteWhoseLeadershipMovesBeforeItIsReplicatedFailsEvenWhenTheHighWatermarkPassesItAsAFollower()
            throws Exception {
        // given an active group coordinator whose partition has a follower in the ISR, and a commit appended here
        // that the follower has not fetched
        MetadataImage image = offsetsLedHereWithFollower2();
        GroupCoordinatorRuntime groups = activeOn(image);
        Partition partition = partition(GroupConfig.OFFSETS_TOPIC);
        CompletableFuture<OffsetCommitResponseData> committed = appendCommit(groups, partition);

        // when broker 2 becomes the leader (epoch 1) with another record at offset 0, and this node, now its
        // follower, truncates and follows it to a high watermark past the commit's offset
        Uuid id = image.topic(GroupConfig.OFFSETS_TOPIC).orElseThrow().id();
        MetadataImage moved = image.apply(new MetadataBatch(3, 1, 1, List.of(new PartitionChangeRecord(id, 0, 0, 2, List.of(2, 1), null, null))));
        replicas.onImage(image, moved);
        await().atMost(Duration.ofSeconds(10)).until(() -> partition.leaderEpochIfLeader() == -1);
        partition.truncateAsFollower(1, 0);
        partition.appendAsFollower(1, MemoryRecords.withRecords(0L, Compression.NONE, 1, offset("other", 1),
                offset("other", 2)));
        partition.updateFollowerHighWatermark(2);
        assertThat(partition.highWatermark()).isEqualTo(2);

        // then the commit is not answered as written: the new leader's log does not hold it
        assertThat(committed).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .satisfies(e -> assertThat(Errors.forException(e.getCause())).isEqualTo(Errors.NOT_COORDINATOR));
    }

    /**
     * A read that fails while a coordinator loads (a chaos campaign saw an EOF when the node, a follower of the
     * partition in a newer image already, truncated the log under the read) must not escape the event loop's task:
     * it took the rest of that reconciliation with it, so other partitions were left unloaded. The load of a
     * partition still led here goes on after a pause from where the read failed.
     */
    @Test
    void aReadThatFailsDuringLoadingIsRetriedAndDoesNotStopTheOtherPartitionsLoading() throws Exception {
        // given __consumer_offsets with two partitions led here, and partition 0's log file cut short behind the
        // log's back, in the middle of its second batch (as a truncation under the read leaves it)
        MetadataImage image = offsetsWithTwoPartitionsLedHere();
        replicas.onImage(SERVING, image);
        Path segment = withTwoCommits(partition(GroupConfig.OFFSETS_TOPIC));
        byte[] whole = java.nio.file.Files.readAllBytes(segment);
        try (var channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(whole.length - 10);
        }
        GroupCoordinatorRuntime groups = new GroupCoordinatorRuntime(1, Time.SYSTEM, GroupConfig.defaults(), replicas,
                timers, loop, new Random(1));

        // when the coordinator takes both partitions over
        groups.onImage(MetadataImage.EMPTY, image);

        // then partition 1 loads, and partition 0's failed read is logged, its load not given up
        await().atMost(Duration.ofSeconds(10)).until(() -> groups.loadStats().containsKey(1));
        await().atMost(Duration.ofSeconds(10)).until(() -> events.list.stream().anyMatch(e ->
                e.getLevel() == Level.WARN && e.getFormattedMessage().contains("Could not read __consumer_offsets-0")));
        assertThat(groups.loadStats()).doesNotContainKey(0);

        // when the file is whole again
        try (var channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(whole, whole.length - 10, 10), whole.length - 10);
        }

        // then partition 0 loads both offsets, each once
        await().atMost(Duration.ofSeconds(10)).until(() -> groups.loadStats().containsKey(0));
        assertThat(groups.read(0, shard -> shard.offsets().offsetCount()).get(5, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(groups.loadStats().get(0).records()).isEqualTo(2);
    }

    @Test
    void aLoadWhoseReadFailsAfterThePartitionMovedOnIsGivenUp() throws Exception {
        // given partition 0 of __consumer_offsets led here with its log file cut short, its load failing
        MetadataImage image = offsetsWithTwoPartitionsLedHere();
        replicas.onImage(SERVING, image);
        Path segment = withTwoCommits(partition(GroupConfig.OFFSETS_TOPIC));
        try (var channel = java.nio.channels.FileChannel.open(segment, java.nio.file.StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 10);
        }
        GroupCoordinatorRuntime groups = new GroupCoordinatorRuntime(1, Time.SYSTEM, GroupConfig.defaults(), replicas,
                timers, loop, new Random(1));
        groups.onImage(MetadataImage.EMPTY, image);
        await().atMost(Duration.ofSeconds(10)).until(() -> events.list.stream().anyMatch(e ->
                e.getLevel() == Level.WARN && e.getFormattedMessage().contains("Could not read __consumer_offsets-0")));

        // when the replica follows broker 2 at epoch 1 before the coordinator has seen that image
        Uuid id = image.topic(GroupConfig.OFFSETS_TOPIC).orElseThrow().id();
        replicas.onImage(image, image.apply(new MetadataBatch(3, 1, 1, List.of(
                new RegisterBrokerRecord(2, "h", 9093, null, 1, false), new BrokerFencingChange(2, 1, false),
                new PartitionChangeRecord(id, 0, 0, 2, List.of(2, 1), null, null)))));

        // then the next attempt gives the load up instead of retrying
        await().atMost(Duration.ofSeconds(10)).until(() -> events.list.stream().anyMatch(e ->
                e.getLevel() == Level.INFO && e.getFormattedMessage().startsWith(
                        "[node 1] Gave up loading the coordinator of __consumer_offsets-0 at leader epoch 0")));
        assertThat(groups.loadStats()).doesNotContainKey(0);
    }

    @Test
    void aWriteWithAStringTheRecordCannotHoldIsRefusedAndNothingIsWritten() throws Exception {
        // given an active group coordinator
        MetadataImage image = withTopicLedHere(GroupConfig.OFFSETS_TOPIC);
        replicas.onImage(SERVING, image);
        GroupCoordinatorRuntime groups = new GroupCoordinatorRuntime(1, Time.SYSTEM, GroupConfig.defaults(), replicas,
                timers, loop, new Random(1));
        groups.onImage(MetadataImage.EMPTY, image);
        await().atMost(Duration.ofSeconds(10)).until(() -> groups.loadStats().containsKey(0));
        String tooLong = "\uFFFD".repeat(11_000); // what 11,000 bytes that are not UTF-8 decode to: 33,000 bytes

        // when a commit names a group whose id does not fit an int16 length
        CompletableFuture<OffsetCommitResponseData> committed =
                groups.write(0, shard -> shard.offsets().commit(commit(tooLong), (short) 9));

        // then it fails as Kafka's does (UNKNOWN_SERVER_ERROR) and nothing reaches the log
        assertThat(committed).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(ExecutionException.class)
                .satisfies(e -> assertThat(Errors.forException(e.getCause())).isEqualTo(Errors.UNKNOWN_SERVER_ERROR))
                .withCauseInstanceOf(StringTooLongException.class);
        assertThat(partition(GroupConfig.OFFSETS_TOPIC).log().logEndOffset()).isZero();
        assertThat(groups.read(0, shard -> shard.offsets().offsetCount()).get(5, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void theTransactionCoordinatorSkipsWhatItCannotReadAndLoadsTheRest() throws Exception {
        // given a __transaction_state partition led here holding bad records between good ones
        MetadataImage image = withTopicLedHere(TransactionConfig.TRANSACTION_STATE_TOPIC);
        replicas.onImage(SERVING, image);
        Partition partition = partition(TransactionConfig.TRANSACTION_STATE_TOPIC);
        TransactionRecord good = TransactionRecord.of(new TransactionMetadata("t1", 10, -1, (short) 0, (short) -1,
                60_000, TransactionState.EMPTY, java.util.Set.of(), -1, 0));
        byte[] absurd = ByteBuffer.allocate(2 + 8 + 8 + 2 + 2 + 4 + 1 + 8 + 8 + 4).putShort((short) 0).putLong(11)
                .putLong(-1).putShort((short) 0).putShort((short) -1).putInt(60_000).put((byte) 0).putLong(-1)
                .putLong(0).putInt(Integer.MAX_VALUE).array();
        partition.appendAsCoordinator(MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(0L, good.key(), good.value()),
                new SimpleRecord(0L, TransactionRecord.tombstone("bad").key(), absurd),
                new SimpleRecord(0L, new byte[] {0, 0, 0x7f, (byte) 0xff, 'x'}, null)));
        await().atMost(Duration.ofSeconds(10)).until(() -> partition.highWatermark() == 3);
        TransactionCoordinator txns = new TransactionCoordinator(1, Time.SYSTEM, TransactionConfig.defaults(), null,
                () -> image, replicas, new TxnMarkerWriter(replicas, null, 1000), timers, loop, 1);

        // when the coordinator takes the partition over
        txns.onImage(MetadataImage.EMPTY, image);

        // then the good record is loaded and the coordinator serves
        await().atMost(Duration.ofSeconds(10)).until(() -> !txns.anyLoading().get(5, TimeUnit.SECONDS)
                && txns.describe("t1").handle((s, e) -> e == null).get(5, TimeUnit.SECONDS));
        assertThat(txns.describe("t1").get(5, TimeUnit.SECONDS).producerId()).isEqualTo(10);
        assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .hasSize(2)
                .allMatch(m -> m.contains("__transaction_state-0"))
                .anyMatch(m -> m.contains("at offset 1 ")).anyMatch(m -> m.contains("at offset 2 "));
    }

    /**
     * A transaction coordinator that loads a PREPARE_COMMIT record its followers do not have yet (a node restarted
     * from a crash still leading at the old epoch, in the cluster simulation's seed 1977) must not write that
     * transaction's markers before the record is committed: if the next leader's log lacks it, the next coordinator
     * aborts the transaction, and the partitions that got COMMIT from here would disagree with the others.
     */
    @Test
    void aLoadedDecisionAboveTheHighWatermarkGetsItsMarkersOnlyOnceItIsCommitted() throws Exception {
        // given __transaction_state-0 led here with follower 2 in its ISR, holding t1's PREPARE_COMMIT (for data
        // partition d-0, also led here) that follower 2 has not fetched
        Uuid stateId = Uuid.randomUuid();
        Uuid dataId = Uuid.randomUuid();
        MetadataImage image = SERVING.apply(new MetadataBatch(2, 1, 1, List.of(
                new RegisterBrokerRecord(2, "h", 9093, null, 1, false), new BrokerFencingChange(2, 1, false),
                new TopicRecord(TransactionConfig.TRANSACTION_STATE_TOPIC, stateId),
                new PartitionRecord(stateId, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, null, null),
                new TopicRecord("d", dataId), new PartitionRecord(dataId, 0, List.of(1), List.of(1), 1, 0, 0, null,
                        null))));
        replicas.onImage(SERVING, image);
        Partition state = partition(TransactionConfig.TRANSACTION_STATE_TOPIC);
        Partition data = partition("d");
        TransactionRecord prepared = TransactionRecord.of(new TransactionMetadata("t1", 10, -1, (short) 0,
                (short) -1, 60_000, TransactionState.PREPARE_COMMIT, java.util.Set.of(new TopicPartition("d", 0)),
                0, 0));
        state.appendAsCoordinator(MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(0L, prepared.key(), prepared.value())));
        assertThat(state.highWatermark()).isZero();
        TransactionCoordinator txns = new TransactionCoordinator(1, Time.SYSTEM, TransactionConfig.defaults(), null,
                () -> image, replicas, new TxnMarkerWriter(replicas, null, 1000), timers, loop, 1);

        // when the coordinator loads it (anyLoading answers on the event loop, after the load and its onActive)
        txns.onImage(MetadataImage.EMPTY, image);
        await().atMost(Duration.ofSeconds(10)).until(() -> !txns.anyLoading().get(5, TimeUnit.SECONDS));

        // then no marker is written while the decision is above the high watermark
        assertThat(data.log().logEndOffset()).as("markers written to d-0").isZero();

        // and once follower 2 has it, the COMMIT marker is written and the transaction completes
        state.readAsFollower(2, state.log().logEndOffset(), 1 << 20, java.util.Optional.empty());
        await().atMost(Duration.ofSeconds(10)).until(() -> data.log().logEndOffset() == 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> state.log().logEndOffset() == 2); // COMPLETE_COMMIT
        state.readAsFollower(2, 2, 1 << 20, java.util.Optional.empty());
        await().atMost(Duration.ofSeconds(10)).until(() -> "CompleteCommit".equals(txns.describe("t1")
                .handle((s, e) -> e == null ? s.transactionState() : null).get(5, TimeUnit.SECONDS)));
        txns.close();
    }

    private static MetadataImage withTopicLedHere(String topic) {
        Uuid id = Uuid.randomUuid();
        return SERVING.apply(new MetadataBatch(2, 1, 1, List.of(new TopicRecord(topic, id),
                new PartitionRecord(id, 0, List.of(1), List.of(1), 1, 0, 0, null, null))));
    }

    /** __consumer_offsets with two partitions, both led here alone. */
    private static MetadataImage offsetsWithTwoPartitionsLedHere() {
        Uuid id = Uuid.randomUuid();
        return SERVING.apply(new MetadataBatch(2, 1, 1, List.of(new TopicRecord(GroupConfig.OFFSETS_TOPIC, id),
                new PartitionRecord(id, 0, List.of(1), List.of(1), 1, 0, 0, null, null),
                new PartitionRecord(id, 1, List.of(1), List.of(1), 1, 0, 0, null, null))));
    }

    /** Appends two offset commits as two batches; returns the log's segment file. */
    private static Path withTwoCommits(Partition partition) throws java.io.IOException {
        partition.appendAsCoordinator(MemoryRecords.withRecords(Compression.NONE, offset("g1", 5)));
        partition.appendAsCoordinator(MemoryRecords.withRecords(Compression.NONE, offset("g2", 7)));
        try (var files = java.nio.file.Files.list(partition.log().dir())) {
            return files.filter(f -> f.toString().endsWith(".log")).findFirst().orElseThrow();
        }
    }

    private Partition partition(String topic) {
        return replicas.partition(new TopicPartition(topic, 0)).orElseThrow();
    }

    private static SimpleRecord offset(String group, long offset) {
        CoordinatorRecord.Offset record = new CoordinatorRecord.Offset(group, "t", 0,
                new CoordinatorRecord.OffsetValue(offset, -1, "", 0L));
        return new SimpleRecord(0L, record.key(), record.value());
    }

    /** A group value with {@code members} claimed and none present. */
    private static byte[] groupValue(String protocolType, int members) {
        byte[] type = protocolType == null ? null : protocolType.getBytes(StandardCharsets.UTF_8);
        ByteBuffer v = ByteBuffer.allocate(64).putShort((short) 0);
        if (type == null) {
            v.putShort((short) -1);
        } else {
            v.putShort((short) type.length).put(type);
        }
        v.putInt(1).putShort((short) -1).putShort((short) -1).putLong(0L).putInt(members);
        byte[] out = new byte[v.position()];
        v.flip().get(out);
        return out;
    }

    /** __consumer_offsets with one partition, led here, with broker 2 a follower in its ISR. */
    private static MetadataImage offsetsLedHereWithFollower2() {
        Uuid id = Uuid.randomUuid();
        return SERVING.apply(new MetadataBatch(2, 1, 1, List.of(
                new RegisterBrokerRecord(2, "h", 9093, null, 1, false), new BrokerFencingChange(2, 1, false),
                new TopicRecord(GroupConfig.OFFSETS_TOPIC, id),
                new PartitionRecord(id, 0, List.of(1, 2), List.of(1, 2), 1, 0, 0, null, null))));
    }

    private static OffsetCommitRequestData commit(String group) {
        return new OffsetCommitRequestData().setGroupId(group).setGenerationIdOrMemberEpoch(-1).setMemberId("")
                .setTopics(List.of(new OffsetCommitRequestData.OffsetCommitRequestTopic().setName("t")
                        .setPartitions(List.of(new OffsetCommitRequestData.OffsetCommitRequestPartition()
                                .setPartitionIndex(0).setCommittedOffset(3)))));
    }
}
