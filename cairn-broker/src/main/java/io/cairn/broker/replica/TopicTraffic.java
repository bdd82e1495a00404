package io.cairn.broker.replica;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Client traffic per topic on this node (Kafka's BytesInPerSec, MessagesInPerSec and BytesOutPerSec with a topic
 * tag): bytes and records that producers appended here as leader, and record bytes sent to consumers; and, for the
 * whole node, replication traffic (ReplicationBytesInPerSec, ReplicationBytesOutPerSec): record bytes this node
 * appended as follower and sent to followers. Only sizes are counted: nothing here reads record data, so sendfile
 * stays zero-copy.
 *
 * <p>A topic's counters are made on its first traffic and dropped when the node stops hosting the topic; a
 * {@link Listener} (the metrics) is told of both, so it can expose and remove them.
 *
 * <p>Thread-safe; {@link #bytesIn} and {@link #bytesOut} cost a map lookup and an adder increment.
 */
public final class TopicTraffic {

    /** One topic's counts since this node started counting it. */
    public static final class Counts {
        private final LongAdder bytesIn = new LongAdder();
        private final LongAdder messagesIn = new LongAdder();
        private final LongAdder bytesOut = new LongAdder();

        public long bytesIn() {
            return bytesIn.sum();
        }

        public long messagesIn() {
            return messagesIn.sum();
        }

        public long bytesOut() {
            return bytesOut.sum();
        }
    }

    /** Told when a topic's counters appear and when they are dropped; must be cheap and thread-safe. */
    public interface Listener {
        Listener NONE = new Listener() {
            @Override
            public void added(String topic, Counts counts) {
            }

            @Override
            public void removed(String topic) {
            }
        };

        void added(String topic, Counts counts);

        void removed(String topic);
    }

    private final Map<String, Counts> topics = new ConcurrentHashMap<>();
    private final LongAdder replicationBytesIn = new LongAdder();
    private final LongAdder replicationBytesOut = new LongAdder();
    private volatile Listener listener = Listener.NONE;

    /** Sets the one listener; it is told of the topics counted so far at once. */
    public synchronized void setListener(Listener newListener) {
        this.listener = newListener;
        topics.forEach(newListener::added);
    }

    /** A producer's batch of {@code records} records, {@code bytes} bytes, appended to a partition of the topic. */
    public void bytesIn(String topic, long bytes, long records) {
        Counts counts = counts(topic);
        counts.bytesIn.add(bytes);
        counts.messagesIn.add(records);
    }

    /** Record bytes of the topic answered to a consumer's fetch. */
    public void bytesOut(String topic, long bytes) {
        if (bytes > 0) {
            counts(topic).bytesOut.add(bytes);
        }
    }

    /** Record bytes fetched from a leader and appended here as follower. */
    public void replicationBytesIn(long bytes) {
        replicationBytesIn.add(bytes);
    }

    /** Record bytes answered to a follower's fetch. */
    public void replicationBytesOut(long bytes) {
        replicationBytesOut.add(bytes);
    }

    public long replicationBytesIn() {
        return replicationBytesIn.sum();
    }

    public long replicationBytesOut() {
        return replicationBytesOut.sum();
    }

    /** Drops the topic's counters (its last hosted partition is gone). */
    public synchronized void remove(String topic) {
        if (topics.remove(topic) != null) {
            listener.removed(topic);
        }
    }

    /** The counts of a topic, for tests; null when it has none. */
    public Counts get(String topic) {
        return topics.get(topic);
    }

    private Counts counts(String topic) {
        Counts counts = topics.get(topic);
        return counts != null ? counts : add(topic);
    }

    private synchronized Counts add(String topic) {
        Counts counts = topics.get(topic);
        if (counts == null) {
            counts = new Counts();
            topics.put(topic, counts);
            listener.added(topic, counts);
        }
        return counts;
    }
}
