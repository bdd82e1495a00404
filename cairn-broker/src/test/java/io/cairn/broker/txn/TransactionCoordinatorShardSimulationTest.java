package io.cairn.broker.txn;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.utils.MockTime;
import org.apache.kafka.common.utils.ProducerIdAndEpoch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A seeded simulation of one transaction shard as a runtime drives it: random InitProducerId (with and without
 * KIP-360 expected epochs), AddPartitionsToTxn (client and verification), AddOffsetsToTxn, EndTxn, markers
 * written, timeouts, expirations and clock advances over a few transactional ids and their producers, zombies
 * with old epochs included; writes that complete at once, stay pending across steps, or fail before or after
 * their append; and crashes, after which a new shard loads every record written so far. Invariants are checked
 * after every step. A failure names its seed, step and the last steps taken; the seed replays it exactly.
 */
class TransactionCoordinatorShardSimulationTest {

    private static final int STEPS = 3_000;
    private static final List<String> IDS = List.of("t0", "t1", "t2", "t3");
    private static final List<TopicPartition> PARTITIONS = List.of(new TopicPartition("a", 0),
            new TopicPartition("a", 1), new TopicPartition("b", 0), new TopicPartition("c", 2));

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 42, 1234, 99_991, 7_777_777})
    void randomHistoriesKeepTheInvariants(long seed) {
        Simulation sim = new Simulation(seed);
        for (int step = 0; step < STEPS; step++) {
            try {
                sim.step();
                sim.checkInvariants();
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("Simulation seed " + seed + " failed at step " + step + "; last steps:\n"
                        + String.join("\n", sim.trace), e);
            }
        }
        assertThat(sim.crashes).as("crashes exercised").isPositive();
        assertThat(sim.completedTransactions).as("transactions completed").isPositive();
        assertThat(sim.fences).as("producers fenced").isPositive();
        assertThat(sim.log).as("ids expired").anyMatch(TransactionRecord::isTombstone);
        assertThat(sim.log).as("producer ids rotated")
                .anyMatch(rec -> !rec.isTombstone() && rec.metadata().previousProducerId() >= 0);
        assertThat(sim.log).as("commits and aborts completed")
                .anyMatch(rec -> !rec.isTombstone() && rec.metadata().state() == TransactionState.COMPLETE_COMMIT)
                .anyMatch(rec -> !rec.isTombstone() && rec.metadata().state() == TransactionState.COMPLETE_ABORT);
    }

    /** A write whose records are appended and replayed but whose onWritten has not run yet. */
    private record InFlight(String label, TxnResult<?> result, Set<String> ids) {
    }

    private static final class Simulation {
        final Random random;
        final MockTime time = new MockTime(0, 1_000_000L, 1_000_000_000_000L);
        final TransactionConfig config = new TransactionConfig(120_000, 600_000, 50, (short) 3, 2, 1 << 20, 10_000,
                60_000);
        final List<TransactionRecord> log = new ArrayList<>();
        final List<InFlight> inFlight = new ArrayList<>();
        final List<TxnMarkerJob> markerJobs = new ArrayList<>();
        /** Every producer id and epoch handed out per id, oldest first: all but the last are zombies. */
        final Map<String, List<ProducerIdAndEpoch>> handles = new HashMap<>();
        /** Per id, the last record written, and the highest producer id and epoch ever written. */
        final Map<String, TransactionRecord> lastRecord = new HashMap<>();
        final Map<String, ProducerIdAndEpoch> highest = new HashMap<>();
        /** Producer ids and epochs fenced by a record in the log: a newer InitProducerId, a fence or a timeout. */
        final Set<String> zombies = new HashSet<>();
        final Deque<String> trace = new ArrayDeque<>();
        TransactionCoordinatorShard shard;
        int coordinatorEpoch = 1;
        long nextProducerId = 5_000;
        int crashes;
        int completedTransactions;
        int fences;

        Simulation(long seed) {
            random = new Random(seed);
            // existing ids whose epochs are exhausted, so that their next InitProducerId rotates the producer id,
            // or their next end of transaction version 2 hands over to a fresh one
            for (String exhausted : List.of("t2", "t3")) {
                long pid = nextProducerId++;
                append(TransactionRecord.of(new TransactionMetadata(exhausted, pid, -1,
                        (short) (Short.MAX_VALUE - 1), (short) -1, 30_000, TransactionState.COMPLETE_COMMIT,
                        Set.of(), time.milliseconds(), time.milliseconds())));
                handles.computeIfAbsent(exhausted, k -> new ArrayList<>())
                        .add(new ProducerIdAndEpoch(pid, (short) (Short.MAX_VALUE - 1)));
            }
            load();
        }

        void note(String line) {
            trace.addLast("[t=" + time.milliseconds() + "] " + line);
            if (trace.size() > 40) {
                trace.removeFirst();
            }
        }

        void step() {
            int dice = random.nextInt(100);
            String id = IDS.get(random.nextInt(IDS.size()));
            if (dice < 14) {
                init(id);
            } else if (dice < 30) {
                addPartitions(id);
            } else if (dice < 35) {
                addOffsets(id);
            } else if (dice < 47) {
                endTxn(id);
            } else if (dice < 60) {
                markersWritten();
            } else if (dice < 70) {
                finishInFlight();
            } else if (dice < 74) {
                TxnResult<List<String>> r = shard.abortTimedOutTransactions();
                if (decide("abortTimedOut", null, r)) {
                    r.response().forEach(t -> handles.getOrDefault(t, List.of())
                            .forEach(h -> zombies.add(t + "/" + h)));
                }
            } else if (dice < 77) {
                decide("expire", null, shard.expireTransactionalIds());
            } else if (dice < 95) {
                long ms = random.nextInt(10) == 0 ? random.nextInt(700_000) : random.nextInt(5_000);
                time.sleep(ms);
                note("advance " + ms);
            } else {
                crash();
            }
        }

        ProducerIdAndEpoch pickHandle(String id) {
            List<ProducerIdAndEpoch> hs = handles.get(id);
            if (hs == null || hs.isEmpty()) {
                return new ProducerIdAndEpoch(nextProducerId - 1, (short) 0);
            }
            // mostly the newest producer, sometimes a zombie
            return random.nextInt(4) == 0 ? hs.get(random.nextInt(hs.size())) : hs.get(hs.size() - 1);
        }

        void init(String id) {
            Optional<ProducerIdAndEpoch> expected = random.nextInt(3) == 0 ? Optional.of(pickHandle(id))
                    : Optional.empty();
            int timeoutMs = 10_000 + random.nextInt(50_000);
            ProducerIdDecision<InitProducerIdResponse> d = shard.initProducerId(id, timeoutMs, expected, OptionalLong.empty());
            if (d instanceof ProducerIdDecision.NeedsFreshProducerId) {
                d = shard.initProducerId(id, timeoutMs, expected, OptionalLong.of(nextProducerId++));
            }
            TxnResult<InitProducerIdResponse> result = ((ProducerIdDecision.Decided<InitProducerIdResponse>) d).result();
            if (result.response().error() == Errors.CONCURRENT_TRANSACTIONS && !result.records().isEmpty()) {
                fences++;
            }
            boolean appended = decide("init " + id + " expected=" + expected.map(Object::toString).orElse("-"), id,
                    result);
            if (appended && !result.records().isEmpty()) {
                InitProducerIdResponse r = result.response();
                // everyone but the answer is fenced: every older producer, and on a fence every producer so far
                handles.getOrDefault(id, List.of()).stream()
                        .filter(h -> r.error() != Errors.NONE || h.producerId != r.producerId()
                                || h.epoch != r.producerEpoch())
                        .forEach(h -> zombies.add(id + "/" + h));
            }
        }

        void addPartitions(String id) {
            ProducerIdAndEpoch h = pickHandle(id);
            List<TopicPartition> tps = new ArrayList<>();
            for (TopicPartition tp : PARTITIONS) {
                if (random.nextInt(3) == 0) {
                    tps.add(tp);
                }
            }
            boolean verify = random.nextInt(4) == 0;
            Optional<TransactionMetadata> before = shard.metadata(id);
            TxnResult<Map<TopicPartition, Errors>> r = shard.addPartitionsToTxn(id, h.producerId, h.epoch, tps,
                    verify);
            checkFenced(id, h, before, r, r.response().values().stream().allMatch(e -> e == Errors.NONE)
                    && !tps.isEmpty());
            if (!verify) {
                r.response().values().forEach(e -> checkMapped(id, h, before, e));
            }
            if (verify) {
                assertThat(r.records()).isEmpty();
                for (Map.Entry<TopicPartition, Errors> e : r.response().entrySet()) {
                    if (e.getValue() == Errors.NONE) {
                        assertThat(before.orElseThrow().topicPartitions()).contains(e.getKey());
                    }
                }
            }
            decide((verify ? "verify " : "add ") + id + " " + h + " " + tps + " -> " + r.response(), id, r);
        }

        void addOffsets(String id) {
            ProducerIdAndEpoch h = pickHandle(id);
            Optional<TransactionMetadata> before = shard.metadata(id);
            TxnResult<Errors> r = shard.addOffsetsToTxn(id, h.producerId, h.epoch, "group-" + random.nextInt(3), 50);
            checkFenced(id, h, before, r, r.response() == Errors.NONE);
            checkMapped(id, h, before, r.response());
            decide("addOffsets " + id + " " + h + " -> " + r.response(), id, r);
        }

        /** EndTxn of transaction version 1 or, half the time, 2 (KIP-890 part 2: the epoch bumped per end). */
        void endTxn(String id) {
            ProducerIdAndEpoch h = pickHandle(id);
            TransactionResult outcome = random.nextBoolean() ? TransactionResult.COMMIT : TransactionResult.ABORT;
            Optional<TransactionMetadata> before = shard.metadata(id);
            boolean v2 = random.nextBoolean();
            ProducerIdDecision<EndTxnResponse> d = shard.endTxn(id, h.producerId, h.epoch, outcome, v2,
                    OptionalLong.empty());
            if (d instanceof ProducerIdDecision.NeedsFreshProducerId) {
                assertThat(v2).as("only version 2 needs a fresh producer id to end").isTrue();
                d = shard.endTxn(id, h.producerId, h.epoch, outcome, true, OptionalLong.of(nextProducerId++));
            }
            TxnResult<EndTxnResponse> r = ((ProducerIdDecision.Decided<EndTxnResponse>) d).result();
            EndTxnResponse answer = r.response();
            if (v2 && answer.error() == Errors.NONE && r.records().isEmpty()) {
                // a retry of a completed end, recognised by its epoch: it changes nothing and names the current state
                TransactionMetadata m = before.orElseThrow();
                assertThat(m.state()).isIn(TransactionState.COMPLETE_COMMIT, TransactionState.COMPLETE_ABORT);
                assertThat(new ProducerIdAndEpoch(answer.producerId(), answer.producerEpoch()))
                        .isEqualTo(new ProducerIdAndEpoch(m.producerId(), m.producerEpoch()));
            } else {
                checkFenced(id, h, before, r, answer.error() == Errors.NONE);
            }
            if (v2) {
                checkMapped(id, h, before, answer.error());
            }
            boolean appended = decide("end" + (v2 ? "(v2) " : " ") + id + " " + h + " " + outcome + " -> " + answer,
                    id, r);
            if (v2 && appended && answer.error() == Errors.NONE && !r.records().isEmpty()) {
                // the producer continues at the bumped epoch (or the fresh producer id) it was answered
                TransactionMetadata prepared = r.records().get(0).metadata();
                assertThat(prepared.producerEpoch()).isGreaterThan(h.epoch);
                handles.computeIfAbsent(id, k -> new ArrayList<>())
                        .add(new ProducerIdAndEpoch(answer.producerId(), answer.producerEpoch()));
            }
        }

        /** An operation of a producer id and epoch that is not the id's current one must be refused. */
        void checkFenced(String id, ProducerIdAndEpoch h, Optional<TransactionMetadata> before, TxnResult<?> r,
                         boolean succeeded) {
            boolean current = before.isPresent() && before.get().producerId() == h.producerId
                    && before.get().producerEpoch() == h.epoch && !zombies.contains(id + "/" + h);
            if (!current) {
                assertThat(succeeded).as("%s with stale %s (now %s) must be refused", id, h, before).isFalse();
                assertThat(r.records()).as("stale %s of %s writes nothing", h, id).isEmpty();
            }
        }

        /**
         * The producer last answered for an id, and not fenced since, is never told that its producer id is not the
         * id's (kafka-clients takes INVALID_PRODUCER_ID_MAPPING as fatal): not while the transaction that handed it
         * a fresh producer id is completing, nor after a crash. (Version 1's EndTxn checks the producer id first.)
         */
        void checkMapped(String id, ProducerIdAndEpoch h, Optional<TransactionMetadata> before, Errors answer) {
            List<ProducerIdAndEpoch> hs = handles.getOrDefault(id, List.of());
            boolean newest = !hs.isEmpty() && hs.get(hs.size() - 1).equals(h) && !zombies.contains(id + "/" + h);
            if (newest && before.isPresent()) {
                assertThat(answer).as("%s's producer %s (now %s)", id, h, before.get())
                        .isNotEqualTo(Errors.INVALID_PRODUCER_ID_MAPPING);
            }
        }

        void markersWritten() {
            if (markerJobs.isEmpty()) {
                return;
            }
            TxnMarkerJob job = markerJobs.get(random.nextInt(markerJobs.size()));
            TxnResult<Errors> r = shard.onMarkersWritten(job.transactionalId(), job.producerId(),
                    job.producerEpoch());
            if (r.response() != Errors.CONCURRENT_TRANSACTIONS) {
                markerJobs.remove(job);
            }
            boolean appended = decide("markersWritten " + job + " -> " + r.response(), job.transactionalId(), r);
            if (r.response() == Errors.NONE) {
                if (appended) {
                    completedTransactions++;
                } else {
                    markerJobs.add(job); // the COMPLETE record was not written: a runtime tries again
                }
            }
        }

        /**
         * Applies a decision like a runtime: most writes complete at once, some stay in flight, a few fail
         * before the append (nothing replayed) or after it (replayed, never acknowledged). Returns whether the
         * records (if any) reached the log.
         */
        boolean decide(String label, String id, TxnResult<?> result) {
            Set<String> ids = new HashSet<>();
            result.records().forEach(rec -> ids.add(rec.transactionalId()));
            for (InFlight f : inFlight) {
                for (String written : ids) {
                    assertThat(f.ids()).as("%s wrote for an id with a pending write (%s)", label, f.label())
                            .doesNotContain(written);
                }
            }
            note(label + (result.records().isEmpty() ? "" : " records=" + result.records()));
            if (result.records().isEmpty()) {
                result.written(null);
                return true;
            }
            int dice = random.nextInt(100);
            if (dice < 5) {
                note("  append failed");
                result.written(new RuntimeException("append refused"));
                return false;
            }
            result.records().forEach(this::append);
            result.records().forEach(rec -> shard.replay(TxnShardContext.roundTrip(rec)));
            if (dice < 75) {
                result.written(null);
                markerJobs.addAll(result.markers());
            } else {
                inFlight.add(new InFlight(label, result, ids));
            }
            return true;
        }

        void finishInFlight() {
            if (inFlight.isEmpty()) {
                return;
            }
            InFlight f = inFlight.remove(random.nextInt(inFlight.size()));
            if (random.nextInt(5) == 0) {
                note("write failed after append: " + f.label());
                f.result().written(new RuntimeException("not replicated in time"));
                // the record stays in the log: a runtime asks the shard again which transactions await markers
                for (TxnMarkerJob job : shard.preparedMarkerJobs()) {
                    if (markerJobs.stream().noneMatch(j -> sameTxn(j, job))) {
                        markerJobs.add(job);
                    }
                }
            } else {
                note("written: " + f.label());
                f.result().written(null);
                markerJobs.addAll(f.result().markers());
            }
        }

        static boolean sameTxn(TxnMarkerJob a, TxnMarkerJob b) {
            return a.transactionalId().equals(b.transactionalId()) && a.producerId() == b.producerId()
                    && a.producerEpoch() == b.producerEpoch();
        }

        /** A write reaches the log: the record-stream invariants. */
        void append(TransactionRecord record) {
            String id = record.transactionalId();
            TransactionRecord previous = lastRecord.get(id);
            if (previous != null && !previous.isTombstone() && previous.metadata().state().isPrepare()) {
                TransactionState prepared = previous.metadata().state();
                TransactionState expected = prepared == TransactionState.PREPARE_COMMIT
                        ? TransactionState.COMPLETE_COMMIT : TransactionState.COMPLETE_ABORT;
                assertThat(record.isTombstone()).as("%s in %s expired", id, prepared).isFalse();
                assertThat(record.metadata().state()).as("%s after %s", id, prepared).isEqualTo(expected);
                long handedOver = previous.metadata().nextProducerId();
                if (handedOver == TransactionMetadata.NO_PRODUCER_ID) {
                    assertThat(record.metadata().producerEpoch()).isEqualTo(previous.metadata().producerEpoch());
                } else {
                    // transaction version 2 at an exhausted epoch: the next producer id takes over at epoch 0
                    assertThat(record.metadata().producerId()).isEqualTo(handedOver);
                    assertThat(record.metadata().producerEpoch()).isZero();
                }
            }
            if (!record.isTombstone()) {
                TransactionMetadata m = record.metadata();
                ProducerIdAndEpoch top = highest.get(id);
                if (top != null) {
                    boolean notOlder = m.producerId() > top.producerId
                            || (m.producerId() == top.producerId && m.producerEpoch() >= top.epoch);
                    assertThat(notOlder).as("%s went from %s back to %d/%d", id, top, m.producerId(),
                            m.producerEpoch()).isTrue();
                }
                highest.put(id, new ProducerIdAndEpoch(m.producerId(), m.producerEpoch()));
                if (m.state() == TransactionState.EMPTY) {
                    ProducerIdAndEpoch handed = new ProducerIdAndEpoch(m.producerId(), m.producerEpoch());
                    List<ProducerIdAndEpoch> hs = handles.computeIfAbsent(id, k -> new ArrayList<>());
                    if (!hs.contains(handed)) {
                        hs.add(handed);
                    }
                }
            }
            lastRecord.put(id, record);
            log.add(record);
        }

        void crash() {
            Map<String, TransactionMetadata> before = shard.snapshot();
            note("crash with " + inFlight.size() + " writes in flight and " + markerJobs.size() + " marker jobs");
            crashes++;
            // writes in flight were appended: the new leader has them; their callbacks die with the old shard
            inFlight.clear();
            markerJobs.clear();
            List<TxnMarkerJob> resumed = load();
            assertThat(shard.snapshot()).as("state after replay").isEqualTo(before);
            markerJobs.addAll(resumed);
        }

        List<TxnMarkerJob> load() {
            shard = new TransactionCoordinatorShard(0, 1, ++coordinatorEpoch, time, config);
            log.forEach(rec -> shard.replay(TxnShardContext.roundTrip(rec)));
            List<TxnMarkerJob> resumed = shard.onLoaded();
            Set<String> prepared = new HashSet<>();
            shard.snapshot().forEach((id, m) -> {
                if (m.state().isPrepare()) {
                    prepared.add(id);
                    TransactionResult result = m.state() == TransactionState.PREPARE_COMMIT ? TransactionResult.COMMIT
                            : TransactionResult.ABORT;
                    assertThat(resumed).as("markers resumed for %s", id).contains(new TxnMarkerJob(id,
                            m.producerId(), m.producerEpoch(), result, coordinatorEpoch, m.topicPartitions(),
                            m.transactionVersion()));
                }
            });
            assertThat(resumed).hasSize(prepared.size());
            return resumed;
        }

        void checkInvariants() {
            Map<String, TransactionMetadata> state = shard.snapshot();
            for (TxnMarkerJob job : markerJobs) {
                TransactionMetadata m = state.get(job.transactionalId());
                if (m != null && m.producerId() == job.producerId() && m.producerEpoch() == job.producerEpoch()) {
                    // a live job's transaction is still waiting for its markers, with the outcome the job writes
                    assertThat(m.state()).as("job %s", job).isEqualTo(job.commit() ? TransactionState.PREPARE_COMMIT
                            : TransactionState.PREPARE_ABORT);
                    assertThat(m.topicPartitions()).isEqualTo(job.partitions());
                }
            }
            for (TransactionMetadata m : state.values()) {
                if (m.state().isPrepare() && inFlight.stream().noneMatch(f -> f.ids().contains(m.transactionalId()))) {
                    assertThat(markerJobs).as("%s in %s has a marker job", m.transactionalId(), m.state())
                            .anyMatch(j -> j.transactionalId().equals(m.transactionalId())
                                    && j.producerEpoch() == m.producerEpoch());
                }
            }
        }
    }
}
