package io.cairn.metadata.config;

/**
 * Where a described config value comes from, with the ids DescribeConfigs (v1+) puts on the wire.
 *
 * <p>Thread-safe (enum).
 */
public enum ConfigSource {
    DYNAMIC_TOPIC_CONFIG((byte) 1),
    DYNAMIC_BROKER_CONFIG((byte) 2),
    DYNAMIC_DEFAULT_BROKER_CONFIG((byte) 3),
    STATIC_BROKER_CONFIG((byte) 4),
    DEFAULT_CONFIG((byte) 5),
    DYNAMIC_GROUP_CONFIG((byte) 8);

    private final byte id;

    ConfigSource(byte id) {
        this.id = id;
    }

    public byte id() {
        return id;
    }
}
