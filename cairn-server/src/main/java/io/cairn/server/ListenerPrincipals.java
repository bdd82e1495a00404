package io.cairn.server;

import java.util.HashMap;
import java.util.Map;

import io.cairn.broker.network.ConnectionPrincipals;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.network.ChannelBuilders;
import org.apache.kafka.common.security.auth.KafkaPrincipalBuilder;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

/**
 * Who a listener's connections are, read as Kafka's brokers read it: {@code principal.builder.class} and
 * {@code ssl.principal.mapping.rules}, each overridden for one listener by {@code listener.name.<name>.<property>}.
 * kafka-clients makes the builder ({@link ChannelBuilders#createPrincipalBuilder}: the default one with the
 * listener's mapping rules, else the named class, configured with the listener's properties when it is
 * Configurable), so the rules mean exactly what they mean to Kafka.
 *
 * <p>Stateless; thread-safe.
 */
final class ListenerPrincipals {

    private static final ConfigDef DEFINITION = new ConfigDef()
            .define(CairnConfig.DEFINITION.configKeys().get(CairnConfig.PRINCIPAL_BUILDER_CLASS))
            .define(CairnConfig.DEFINITION.configKeys().get(CairnConfig.SSL_PRINCIPAL_MAPPING_RULES));

    private ListenerPrincipals() {
    }

    /**
     * Makes the principal builder of one listener.
     *
     * @throws ConfigException naming the property at fault: mapping rules Kafka cannot parse, a builder class that
     *                         cannot be loaded or made
     */
    static ConnectionPrincipals of(Map<String, ?> properties, String listenerName) {
        // the listener's view of the properties: its own prefixed ones over the unprefixed (Kafka's
        // valuesWithPrefixOverride), which a Configurable builder is given
        String prefix = ListenerTls.prefix(listenerName);
        Map<String, Object> settings = new HashMap<>(properties);
        Map<String, String> source = new HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith(prefix)) {
                settings.put(key.substring(prefix.length()), value);
                source.put(key.substring(prefix.length()), key);
            }
        });
        Map<String, Object> parsed;
        try {
            parsed = DEFINITION.parse(settings);
        } catch (ConfigException e) {
            throw new ConfigException("Listener " + listenerName + ": " + e.getMessage());
        }
        settings.putAll(parsed);
        String rulesKey = source.getOrDefault(CairnConfig.SSL_PRINCIPAL_MAPPING_RULES,
                CairnConfig.SSL_PRINCIPAL_MAPPING_RULES);
        String rules = (String) parsed.get(CairnConfig.SSL_PRINCIPAL_MAPPING_RULES);
        SslPrincipalMapper mapper;
        try {
            mapper = SslPrincipalMapper.fromRules(rules);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(rulesKey, rules, e.getMessage());
        }
        try {
            KafkaPrincipalBuilder builder = ChannelBuilders.createPrincipalBuilder(settings, null, mapper);
            return new ConnectionPrincipals(builder, listenerName);
        } catch (KafkaException e) {
            String key = source.getOrDefault(CairnConfig.PRINCIPAL_BUILDER_CLASS, CairnConfig.PRINCIPAL_BUILDER_CLASS);
            throw new ConfigException(key, parsed.get(CairnConfig.PRINCIPAL_BUILDER_CLASS),
                    "the principal builder cannot be made: " + ListenerTls.causes(e));
        }
    }
}
