package io.cairn.metadata.config;

import java.util.List;

import org.apache.kafka.common.config.ConfigDef;

/**
 * One config of a resource as DescribeConfigs / CreateTopics report it. Immutable.
 *
 * @param value    null when the config has no value (never for topic configs) or is sensitive
 * @param type     null when the type is unknown (a custom broker config)
 * @param synonyms the settings that give this config its value, highest precedence first (Kafka's synonyms)
 */
public record DescribedConfig(String name, String value, ConfigSource source, ConfigDef.Type type, boolean readOnly,
                              boolean sensitive, String documentation, List<Synonym> synonyms) {

    /** A setting that gives the config its value: its name, value (null when sensitive) and where it is set. */
    public record Synonym(String name, String value, ConfigSource source) {
    }

    /** A config whose only synonym is itself. */
    public DescribedConfig(String name, String value, ConfigSource source, ConfigDef.Type type, boolean readOnly,
                           boolean sensitive, String documentation) {
        this(name, value, source, type, readOnly, sensitive, documentation,
                List.of(new Synonym(name, value, source)));
    }

    /** The DescribeConfigs (v3+) wire id of {@link #type}; 0 (UNKNOWN) when the type is unknown. */
    public byte typeId() {
        if (type == null) {
            return 0;
        }
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
