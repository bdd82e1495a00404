package io.cairn.metadata.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * DescribeConfigs of a BROKER resource, as Kafka's {@code ConfigHelper} answers it. For a broker id: every
 * config the node knows (Kafka's dynamic configs, the properties the node defines or was given, the stored dynamic
 * ones) with its value
 * and source, the first of: DYNAMIC_BROKER_CONFIG (set on this broker), DYNAMIC_DEFAULT_BROKER_CONFIG (the
 * cluster-wide default), STATIC_BROKER_CONFIG (the node's properties), DEFAULT_CONFIG. For "": only the stored
 * cluster-wide defaults. Synonyms follow Kafka's order: by source in that order, within a source by Kafka's synonym
 * order ({@link KafkaBrokerConfigs#synonyms}), starting at the config's own name. A config Kafka types PASSWORD, or
 * whose type is unknown (a custom config), is sensitive: its values are null.
 *
 * <p>Thread-safe (stateless, pure).
 */
public final class BrokerConfigDescriptions {

    /** Cairn's own node properties (cairn.*): Kafka does not know them, but they are not secrets. */
    private static final String CAIRN_PREFIX = "cairn.";

    private BrokerConfigDescriptions() {
    }

    /**
     * @param resourceName     a broker id (the describing broker's) or "" for the cluster-wide defaults
     * @param staticConfigs    the node's properties
     * @param nodeDefaults     the defaults of the properties the node defines (they beat Kafka's defaults)
     * @param dynamicDefault   the stored cluster-wide dynamic configs (image broker configs for "")
     * @param dynamicPerBroker the stored dynamic configs of this broker
     */
    public static List<DescribedConfig> describe(String resourceName, Map<String, String> staticConfigs,
                                                 Map<String, String> nodeDefaults,
                                                 Map<String, String> dynamicDefault,
                                                 Map<String, String> dynamicPerBroker) {
        boolean perBroker = !resourceName.isEmpty();
        Map<String, String> clusterWide = DynamicBrokerConfigs.effectiveStored(dynamicDefault, false);
        Map<String, String> thisBroker = perBroker ? DynamicBrokerConfigs.effectiveStored(dynamicPerBroker, true)
                : Map.of();
        Set<String> names = new TreeSet<>(clusterWide.keySet());
        if (perBroker) {
            names.addAll(KafkaBrokerConfigs.dynamicDef().names());
            names.addAll(staticConfigs.keySet());
            names.addAll(nodeDefaults.keySet());
            names.addAll(thisBroker.keySet());
        }
        List<Level> levels = List.of(new Level(thisBroker::get, ConfigSource.DYNAMIC_BROKER_CONFIG),
                new Level(clusterWide::get, ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG),
                new Level(staticConfigs::get, ConfigSource.STATIC_BROKER_CONFIG),
                new Level(n -> nodeDefaults.containsKey(n) ? nodeDefaults.get(n)
                        : KafkaBrokerConfigs.dynamicDefault(n).orElse(null), ConfigSource.DEFAULT_CONFIG));
        List<DescribedConfig> result = new ArrayList<>();
        for (String name : names) {
            Optional<Type> type = name.startsWith(CAIRN_PREFIX) ? Optional.of(Type.STRING)
                    : KafkaBrokerConfigs.type(name);
            boolean sensitive = type.isEmpty() || type.get() == Type.PASSWORD;
            List<DescribedConfig.Synonym> synonyms = synonyms(name, levels, sensitive);
            if (!perBroker) {
                synonyms.removeIf(s -> s.source() != ConfigSource.DYNAMIC_DEFAULT_BROKER_CONFIG);
            }
            ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
            String value = synonyms.isEmpty() || sensitive ? null : synonyms.get(0).value();
            result.add(new DescribedConfig(name, value, source, type.orElse(null),
                    !KafkaBrokerConfigs.isDynamic(name), sensitive, null, List.copyOf(synonyms)));
        }
        return result;
    }

    /** One source of values: a name's value there, or null. */
    private record Level(Function<String, String> values, ConfigSource source) {
    }

    private static List<DescribedConfig.Synonym> synonyms(String name, List<Level> levels, boolean sensitive) {
        List<DescribedConfig.Synonym> all = new ArrayList<>();
        for (Level level : levels) {
            for (String synonym : KafkaBrokerConfigs.synonyms(name)) {
                String value = level.values().apply(synonym);
                if (value != null) {
                    all.add(new DescribedConfig.Synonym(synonym, sensitive ? null : value, level.source()));
                }
            }
        }
        // Kafka drops what precedes the config's own name: a listener override when describing its base config.
        int own = 0;
        while (own < all.size() && !all.get(own).name().equals(name)) {
            own++;
        }
        return new ArrayList<>(all.subList(own, all.size()));
    }
}
