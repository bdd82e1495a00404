package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.ProducerIdsRecord;
import org.apache.kafka.common.errors.NotControllerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalMetadataLogTest {

    @TempDir
    Path dir;

    /** Records what the log tells it, with the thread it ran on. */
    static final class RecordingListener implements MetadataLog.Listener {
        final List<MetadataBatch> batches = new CopyOnWriteArrayList<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();

        @Override
        public void handleCommit(MetadataBatch batch) {
            batches.add(batch);
            events.add("commit " + batch.offset());
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void onBecomeLeader(int term, java.util.OptionalInt previousLeader) {
            events.add("leader " + term);
            threads.add(Thread.currentThread().getName());
        }

        @Override
        public void onResign(int term) {
            events.add("resign " + term);
        }
    }

    private static List<MetadataRecord> records(long next) {
        return List.of(new ProducerIdsRecord(1, next));
    }

    private static RecordingListener started(LocalMetadataLog log) {
        RecordingListener listener = new RecordingListener();
        log.register(listener);
        log.start();
        await().atMost(5, TimeUnit.SECONDS).until(() -> listener.events.contains("leader 1"));
        return listener;
    }

    @Test
    void appendsAreCommittedInOrderOnTheApplyThread() throws Exception {
        // given
        try (LocalMetadataLog log = LocalMetadataLog.open(dir, 1)) {
            RecordingListener listener = started(log);
            // when
            CompletableFuture<Long> a = log.append(1, records(1000));
            CompletableFuture<Long> b = log.append(1, records(2000));
            // then
            assertThat(a.get(5, TimeUnit.SECONDS)).isZero();
            assertThat(b.get(5, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(listener.events).containsExactly("leader 1", "commit 0", "commit 1");
            assertThat(listener.threads).allMatch(t -> t.equals("cairn-metadata-log-1"));
            assertThat(listener.batches.get(1).records()).isEqualTo(records(2000));
            assertThat(listener.batches.get(1).term()).isEqualTo(1);
            assertThat(listener.batches.get(1).leaderId()).isEqualTo(1);
        }
    }

    @Test
    void appendAtAnotherTermOrBeforeStartFails() throws Exception {
        try (LocalMetadataLog log = LocalMetadataLog.open(dir, 1)) {
            // when
            CompletableFuture<Long> beforeStart = log.append(1, records(1));
            started(log);
            CompletableFuture<Long> wrongTerm = log.append(2, records(1));
            // then
            assertThat(beforeStart).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(NotControllerException.class);
            assertThat(wrongTerm).failsWithin(5, TimeUnit.SECONDS).withThrowableOfType(ExecutionException.class)
                    .withCauseInstanceOf(NotControllerException.class);
        }
    }

    @Test
    void reopenReplaysEverythingInOrderBeforeLeadership() throws Exception {
        // given
        try (LocalMetadataLog log = LocalMetadataLog.open(dir, 1)) {
            started(log);
            for (int i = 1; i <= 5; i++) {
                log.append(1, records(i * 1000L)).get(5, TimeUnit.SECONDS);
            }
        }
        // when
        try (LocalMetadataLog reopened = LocalMetadataLog.open(dir, 1)) {
            RecordingListener listener = started(reopened);
            long next = reopened.append(1, records(9000)).get(5, TimeUnit.SECONDS);
            // then
            assertThat(listener.events.subList(0, 6)).containsExactly("commit 0", "commit 1", "commit 2",
                    "commit 3", "commit 4", "leader 1");
            assertThat(listener.batches.get(4).records()).isEqualTo(records(5000));
            assertThat(next).isEqualTo(5);
        }
    }

    @Test
    void tornTailIsTruncatedAtOpen() throws Exception {
        // given
        try (LocalMetadataLog log = LocalMetadataLog.open(dir, 1)) {
            started(log);
            log.append(1, records(1000)).get(5, TimeUnit.SECONDS);
            log.append(1, records(2000)).get(5, TimeUnit.SECONDS);
        }
        Path file = dir.resolve(LocalMetadataLog.FILE_NAME);
        long goodSize = Files.size(file);
        Files.write(file, new byte[] {0, 0, 1, 0, 7, 7}, StandardOpenOption.APPEND); // half an entry
        // when
        try (LocalMetadataLog reopened = LocalMetadataLog.open(dir, 1)) {
            RecordingListener listener = started(reopened);
            // then
            assertThat(listener.batches).hasSize(2);
            assertThat(Files.size(file)).isEqualTo(goodSize);
            assertThat(reopened.append(1, records(3000)).get(5, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Test
    void corruptEntryIsTruncatedWithWhatFollows() throws Exception {
        // given
        try (LocalMetadataLog log = LocalMetadataLog.open(dir, 1)) {
            started(log);
            log.append(1, records(1000)).get(5, TimeUnit.SECONDS);
            log.append(1, records(2000)).get(5, TimeUnit.SECONDS);
        }
        Path file = dir.resolve(LocalMetadataLog.FILE_NAME);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length - 3] ^= 0x5a; // flip bits inside the last entry's payload
        Files.write(file, bytes);
        // when
        try (LocalMetadataLog reopened = LocalMetadataLog.open(dir, 1)) {
            RecordingListener listener = started(reopened);
            // then
            assertThat(listener.batches).hasSize(1);
            assertThat(listener.batches.get(0).records()).isEqualTo(records(1000));
        }
    }

    @Test
    void closeAnnouncesResignation() throws IOException {
        // given
        LocalMetadataLog log = LocalMetadataLog.open(dir, 1);
        RecordingListener listener = started(log);
        // when
        log.close();
        // then
        assertThat(listener.events).endsWith("resign 1");
        assertThat(log.append(1, records(1))).isCompletedExceptionally();
    }
}
