package io.cairn.metadata.config;

import org.apache.kafka.common.config.ConfigDef;

/**
 * One config of a resource as DescribeConfigs / CreateTopics report it. Immutable.
 *
 * @param value null when the config has no value (never for topic configs)
 */
public record DescribedConfig(String name, String value, ConfigSource source, ConfigDef.Type type, boolean readOnly,
                              boolean sensitive, String documentation) {

    /** The DescribeConfigs (v3+) wire id of {@link #type}. */
    public byte typeId() {
        return switch (type) {
            case BOOLEAN -> 1;
            case STRING -> 2;
            case INT -> 3;
            case SHORT -> 4;
            case LONG -> 5;
            case DOUBLE -> 6;
            case LIST -> 7;
            case CLASS -> 8;
            case PASSWORD -> 9;
        };
    }
}
