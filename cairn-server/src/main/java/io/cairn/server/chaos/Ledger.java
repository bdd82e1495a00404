package io.cairn.server.chaos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the checked workload was told and what it read back, and the verdict on them: every acknowledged record
 * read back exactly once, and each producer's acknowledged records in the order it sent them.
 *
 * <p>A record is named by its producer and sequence number ({@code "p<producer>-<seq>"}); a producer sends each
 * sequence number once, so a name read twice is a duplicate whatever the broker did. Records that were sent
 * but never acknowledged may be read back or not: both are correct for a failed send.
 *
 * <p>Records of a transaction are acknowledged when its commit returns, and known aborted when its abort does;
 * an aborted record read back (by a read_committed consumer) is a violation too.
 *
 * <p>Thread-safe: producers' callbacks acknowledge concurrently.
 */
final class Ledger {

    /** A record the workload sends: producer index and its sequence number. */
    record Name(int producer, long sequence) {
        static Name parse(String value) {
            int dash = value.indexOf('-');
            if (!value.startsWith("p") || dash < 0) {
                throw new IllegalArgumentException("not a chaos workload record: " + value);
            }
            return new Name(Integer.parseInt(value.substring(1, dash)), Long.parseLong(value.substring(dash + 1)));
        }

        @Override
        public String toString() {
            return "p" + producer + "-" + sequence;
        }
    }

    /** The verdict on one partition or, summed, on the whole topic. */
    record Verdict(long acked, long read, long lost, long duplicated, long reordered, long abortedRead,
                   List<String> examples) {
        static final Verdict EMPTY = new Verdict(0, 0, 0, 0, 0, 0, List.of());

        boolean clean() {
            return lost == 0 && duplicated == 0 && reordered == 0 && abortedRead == 0;
        }

        Verdict plus(Verdict other) {
            List<String> all = new ArrayList<>(examples);
            all.addAll(other.examples);
            return new Verdict(acked + other.acked, read + other.read, lost + other.lost,
                    duplicated + other.duplicated, reordered + other.reordered, abortedRead + other.abortedRead,
                    List.copyOf(all.subList(0, Math.min(all.size(), MAX_EXAMPLES))));
        }
    }

    private static final int MAX_EXAMPLES = 10;

    private final Map<Integer, List<Name>> ackedByPartition = new HashMap<>();
    private final Map<Integer, List<Name>> abortedByPartition = new HashMap<>();
    private long ackedCount;

    synchronized void acknowledged(int partition, Name name) {
        ackedByPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(name);
        ackedCount++;
    }

    /** A record of a transaction known aborted (its abort returned): it must never be read committed. */
    synchronized void aborted(int partition, Name name) {
        abortedByPartition.computeIfAbsent(partition, p -> new ArrayList<>()).add(name);
    }

    synchronized List<Name> aborted(int partition) {
        return List.copyOf(abortedByPartition.getOrDefault(partition, List.of()));
    }

    synchronized long ackedCount() {
        return ackedCount;
    }

    /** The acknowledged records of a partition, in the order the acknowledgements came. */
    synchronized List<Name> acked(int partition) {
        return List.copyOf(ackedByPartition.getOrDefault(partition, List.of()));
    }

    /**
     * Checks what was read from one partition, in offset order, against what was acknowledged for it: lost (an
     * acknowledged record not read), duplicated (a record read more than once, each extra copy counted) and
     * reordered (a producer's acknowledged record read after one it sent later).
     */
    static Verdict check(int partition, List<Name> acked, List<Name> read) {
        return check(partition, acked, List.of(), read);
    }

    /** As {@link #check(int, List, List)}, and counts records of aborted transactions that were read. */
    static Verdict check(int partition, List<Name> acked, List<Name> aborted, List<Name> read) {
        List<String> examples = new ArrayList<>();
        Map<Name, Integer> copies = new HashMap<>();
        for (Name name : read) {
            copies.merge(name, 1, Integer::sum);
        }
        long duplicated = 0;
        for (Map.Entry<Name, Integer> entry : copies.entrySet()) {
            if (entry.getValue() > 1) {
                duplicated += entry.getValue() - 1;
                example(examples, entry.getKey() + " read " + entry.getValue() + " times from partition " + partition);
            }
        }
        long lost = 0;
        for (Name name : acked) {
            if (!copies.containsKey(name)) {
                lost++;
                example(examples, name + " acknowledged on partition " + partition + " but not read back");
            }
        }
        Map<Name, Boolean> isAcked = new HashMap<>();
        acked.forEach(n -> isAcked.put(n, true));
        Map<Integer, Long> lastSequence = new HashMap<>();
        long reordered = 0;
        for (Name name : read) {
            if (!isAcked.containsKey(name)) {
                continue;
            }
            Long last = lastSequence.get(name.producer());
            if (last != null && name.sequence() < last) {
                reordered++;
                example(examples, name + " read after p" + name.producer() + "-" + last + " on partition "
                        + partition);
            } else {
                lastSequence.put(name.producer(), name.sequence());
            }
        }
        long abortedRead = 0;
        for (Name name : aborted) {
            if (copies.containsKey(name)) {
                abortedRead++;
                example(examples, name + " of an aborted transaction read from partition " + partition);
            }
        }
        return new Verdict(acked.size(), read.size(), lost, duplicated, reordered, abortedRead, examples);
    }

    private static void example(List<String> examples, String example) {
        if (examples.size() < MAX_EXAMPLES) {
            examples.add(example);
        }
    }
}
