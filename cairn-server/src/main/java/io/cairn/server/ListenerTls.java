package io.cairn.server;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.ssl.SslFactory;

/**
 * The TLS settings of an SSL listener, with Kafka's names: the {@code ssl.*} properties, each overridden for one
 * listener by {@code listener.name.<name>.ssl.*} (name in lower case, as Kafka). Engines are made by kafka-clients'
 * own {@link SslFactory} (JKS, PKCS12 and PEM keystores, KIP-651), so a keystore is read exactly as Kafka reads it.
 *
 * <p>Stateless; thread-safe.
 */
final class ListenerTls {

    /** The ssl.* properties of a listener, with Kafka's types and defaults. */
    static final ConfigDef DEFINITION = definition();

    private ListenerTls() {
    }

    private static ConfigDef definition() {
        ConfigDef def = new ConfigDef();
        SslConfigs.addClientSslSupport(def);
        def.define(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG, ConfigDef.Type.STRING,
                BrokerSecurityConfigs.SSL_CLIENT_AUTH_DEFAULT, ConfigDef.ValidString.in("required", "requested",
                        "none"), ConfigDef.Importance.MEDIUM, BrokerSecurityConfigs.SSL_CLIENT_AUTH_DOC);
        return def;
    }

    /** Kafka's per-listener prefix: {@code listener.name.ssl.} for the listener SSL. */
    static String prefix(String listenerName) {
        return "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
    }

    /**
     * Makes the engine source of one SSL listener, reading its keystore and truststore now.
     *
     * @throws ConfigException naming the property at fault: no keystore, or one that cannot be read
     */
    static SslFactory factory(Map<String, ?> properties, String listenerName) {
        return factory(properties, listenerName, ConnectionMode.SERVER);
    }

    /**
     * As above, for the listener's server side, or (CLIENT) for this node's connections to the other nodes' listener
     * of that name, which Kafka makes from the same settings: the truststore trusts their certificates, the keystore
     * answers their ssl.client.auth.
     */
    static SslFactory factory(Map<String, ?> properties, String listenerName, ConnectionMode mode) {
        String prefix = prefix(listenerName);
        Map<String, String> source = new HashMap<>();
        Map<String, Object> settings = settings(properties, prefix, "Listener " + listenerName, source);
        String location = (String) settings.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG);
        if (location == null && settings.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) == null) {
            throw new ConfigException("Listener " + listenerName + " uses SSL but has no keystore: set "
                    + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG + " (or " + prefix + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG
                    + ") and " + SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG + ", or a PEM "
                    + SslConfigs.SSL_KEYSTORE_KEY_CONFIG);
        }
        SslFactory factory = new SslFactory(mode);
        try {
            factory.configure(settings);
        } catch (RuntimeException e) {
            throw new ConfigException("Listener " + listenerName + ": " + culprit(e, settings, source) + ": "
                    + causes(e));
        }
        return factory;
    }

    /**
     * The ssl.* settings under {@code prefix} ({@code prefix + "ssl.x"} over {@code "ssl.x"}), parsed with Kafka's
     * types and defaults; {@code source} learns which property set each.
     *
     * @param label names the settings' owner in a failure, e.g. "Listener SSL"
     */
    static Map<String, Object> settings(Map<String, ?> properties, String prefix, String label,
                                        Map<String, String> source) {
        Map<String, Object> merged = new HashMap<>();
        properties.forEach((key, value) -> {
            if (key.startsWith("ssl.") && !merged.containsKey(key)) {
                merged.put(key, value);
                source.put(key, key);
            }
        });
        properties.forEach((key, value) -> {
            if (key.startsWith(prefix + "ssl.")) {
                String name = key.substring(prefix.length());
                merged.put(name, value);
                source.put(name, key);
            }
        });
        try {
            return new HashMap<>(DEFINITION.parse(merged));
        } catch (ConfigException e) {
            throw new ConfigException(label + ": " + e.getMessage());
        }
    }

    /** Which properties to check, by the store the failure names (Kafka's messages name the file). */
    static String culprit(Throwable e, Map<String, Object> settings, Map<String, String> source) {
        String text = causes(e);
        String truststore = (String) settings.get(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
        if (truststore != null && text.contains(truststore)) {
            return "the truststore of " + named(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, source) + "=" + truststore
                    + " cannot be used (check " + named(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, source) + " and "
                    + named(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, source) + ")";
        }
        return "the keystore of " + named(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, source) + "="
                + settings.get(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG) + " cannot be used (check "
                + named(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, source) + ", "
                + named(SslConfigs.SSL_KEY_PASSWORD_CONFIG, source) + " and "
                + named(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, source) + ")";
    }

    /** The property as the operator wrote it (prefixed or not). */
    private static String named(String name, Map<String, String> source) {
        return source.getOrDefault(name, name);
    }

    static String causes(Throwable e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && text.indexOf(t.getMessage()) < 0) {
                text.append(text.length() == 0 ? "" : ": ").append(t.getMessage());
            }
        }
        return text.toString();
    }
}
