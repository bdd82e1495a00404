package io.cairn.metadata;

import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.Uuid;

/**
 * The whole committed cluster metadata at one log offset: an immutable value, published through a
 * volatile reference and read by request handlers without locks.
 *
 * <p>Thread-safe (immutable).
 */
public final class MetadataImage {

    /** The image before any record: no cluster id, no brokers, no topics, offset -1. */
    public static final MetadataImage EMPTY = null; // TODO metadata helper

    /** The offset of the last record applied to build this image, -1 for EMPTY. */
    public long offset() {
        throw new UnsupportedOperationException("not yet");
    }

    public String clusterId() {
        throw new UnsupportedOperationException("not yet");
    }

    public Map<Integer, BrokerImage> brokers() {
        throw new UnsupportedOperationException("not yet");
    }

    /** The node whose controller decided the last records; -1 if none yet. */
    public int controllerId() {
        throw new UnsupportedOperationException("not yet");
    }

    public Map<String, TopicImage> topicsByName() {
        throw new UnsupportedOperationException("not yet");
    }

    public Optional<TopicImage> topic(String name) {
        throw new UnsupportedOperationException("not yet");
    }

    public Optional<TopicImage> topic(Uuid id) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Config overrides set on this broker id ("" key for cluster-wide defaults). */
    public Map<String, String> brokerConfigs(String brokerIdOrEmpty) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The first producer id not yet handed out in any block. */
    public long nextProducerId() {
        throw new UnsupportedOperationException("not yet");
    }
}
