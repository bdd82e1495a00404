package io.cairn.server;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

import io.cairn.broker.network.ServedListener;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.ssl.SslFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS settings of an SSL listener, with Kafka's names: the {@code ssl.*} properties, each overridden for one
 * listener by {@code listener.name.<name>.ssl.*} (name in lower case, as Kafka). Engines are made by kafka-clients'
 * own {@link SslFactory} (JKS, PKCS12 and PEM keystores, KIP-651), so a keystore is read exactly as Kafka reads it;
 * with {@value #ENGINE}{@code =openssl}, OpenSSL's engines (netty-tcnative) are made from the stores it read.
 *
 * <p>Stateless; thread-safe.
 */
final class ListenerTls {

    private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);

    /** Which TLS engine an SSL listener uses: {@value #ENGINE_JDK} or {@value #ENGINE_OPENSSL} (docs/adr/0026). */
    static final String ENGINE = "cairn.ssl.engine";
    static final String ENGINE_JDK = "jdk";
    static final String ENGINE_OPENSSL = "openssl";
    /**
     * The JDK's: in cairn-bench --tls neither engine was faster overall (OpenSSL read faster, the JDK's took produce
     * faster and with lower latency), and the tie goes to the one without native code, which Kafka's brokers use
     * too (docs/benchmarks.md, "TLS"; docs/adr/0026).
     */
    static final String DEFAULT_ENGINE = ENGINE_JDK;

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
        // Cairn's own, read by engine() (listed here for the configuration reference)
        def.define(ENGINE, ConfigDef.Type.STRING, DEFAULT_ENGINE, ConfigDef.ValidString.in(ENGINE_JDK, ENGINE_OPENSSL),
                ConfigDef.Importance.LOW, "Cairn's: the TLS engine of SSL and SASL_SSL listeners. jdk: the JDK's, made "
                        + "by kafka-clients' SslFactory as Kafka's brokers do. openssl: OpenSSL's (BoringSSL through "
                        + "netty-tcnative, shipped for Linux, macOS and Windows on x86_64 and aarch64) from the same "
                        + "stores and settings; JKS and PKCS12 stores only (with PEM stores or "
                        + SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG + " the listener uses the JDK's, logged at INFO), "
                        + "and the JDK's, with a WARN, where OpenSSL cannot be loaded. Per listener as "
                        + "listener.name.<name>.cairn.ssl.engine. Neither was faster overall in docs/benchmarks.md, "
                        + "\"TLS\" (OpenSSL read faster, the JDK's took produce faster), so the default is the JDK's "
                        + "(docs/adr/0026).");
        return def;
    }

    /** Kafka's per-listener prefix: {@code listener.name.ssl.} for the listener SSL. */
    static String prefix(String listenerName) {
        return "listener.name." + listenerName.toLowerCase(Locale.ROOT) + ".";
    }

    /**
     * Makes the engine source of one SSL listener, reading its keystore and truststore now: kafka-clients' JDK
     * engines, or OpenSSL's (BoringSSL, through netty-tcnative) when {@value #ENGINE} (or its per-listener override)
     * says {@code openssl} and the platform has it (docs/adr/0026).
     *
     * @param logPrefix put before the log lines ({@code [node 1] })
     * @throws ConfigException naming the property at fault: no keystore, one that cannot be read, an unknown engine
     */
    static Engines engines(Map<String, ?> properties, String listenerName, String logPrefix) {
        Map<String, String> source = new HashMap<>();
        Map<String, Object> settings = settings(properties, listenerName, source);
        String engine = engine(properties, listenerName);
        SslFactory factory = factory(settings, source, listenerName);
        if (engine.equals(ENGINE_OPENSSL)) {
            String unsupported = openSslUnsupported(settings);
            if (unsupported != null) {
                log.info("{}Listener {}: {}; it uses the JDK's TLS engine", logPrefix, listenerName, unsupported);
            } else if (!OpenSsl.isAvailable()) {
                log.warn("{}Listener {}: {}={} but OpenSSL is not available on this platform ({}); it uses the "
                                + "JDK's TLS engine", logPrefix, listenerName, ENGINE, ENGINE_OPENSSL,
                        OpenSsl.unavailabilityCause().toString());
            } else {
                SslContext context = openSslContext(factory, settings, source, listenerName);
                return new Engines(ENGINE_OPENSSL, factory,
                        (alloc, peer) -> context.newEngine(alloc, peer.getHostString(), peer.getPort()));
            }
        }
        return new Engines(ENGINE_JDK, factory,
                (alloc, peer) -> factory.createSslEngine(peer.getHostString(), peer.getPort()));
    }

    /**
     * Where an SSL listener's engines come from: {@code engine} says which ({@value #ENGINE_JDK} or
     * {@value #ENGINE_OPENSSL}); closing releases kafka-clients' factory. Thread-safe.
     */
    record Engines(String engine, SslFactory factory, ServedListener.Tls tls) implements ServedListener.Tls,
            AutoCloseable {

        @Override
        public SSLEngine newEngine(ByteBufAllocator alloc, InetSocketAddress peer) {
            return tls.newEngine(alloc, peer);
        }

        @Override
        public void close() {
            factory.close();
        }
    }

    /**
     * The engine of a listener: {@code listener.name.<name>.cairn.ssl.engine}, else {@value #ENGINE}, else
     * {@value #DEFAULT_ENGINE}.
     *
     * @throws ConfigException for a value other than jdk or openssl, naming the property
     */
    static String engine(Map<String, ?> properties, String listenerName) {
        String key = prefix(listenerName) + ENGINE;
        if (!properties.containsKey(key)) {
            key = ENGINE;
        }
        Object value = properties.get(key);
        if (value == null) {
            return DEFAULT_ENGINE;
        }
        String engine = value.toString().trim().toLowerCase(Locale.ROOT);
        if (!engine.equals(ENGINE_JDK) && !engine.equals(ENGINE_OPENSSL)) {
            throw new ConfigException(key, value, "the TLS engine must be " + ENGINE_JDK + " or " + ENGINE_OPENSSL);
        }
        return engine;
    }

    /** Why OpenSSL cannot serve these settings (Cairn reads only JKS and PKCS12 stores for it), or null. */
    private static String openSslUnsupported(Map<String, Object> settings) {
        if (settings.get(SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG) != null) {
            return SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG + " is set";
        }
        for (String type : List.of(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG)) {
            if (!List.of("JKS", "PKCS12").contains(String.valueOf(settings.get(type)).toUpperCase(Locale.ROOT))) {
                return ENGINE + "=" + ENGINE_OPENSSL + " reads JKS and PKCS12 stores only, and " + type + "="
                        + settings.get(type);
            }
        }
        if (settings.get(SslConfigs.SSL_KEYSTORE_KEY_CONFIG) != null
                || settings.get(SslConfigs.SSL_TRUSTSTORE_CERTIFICATES_CONFIG) != null) {
            return ENGINE + "=" + ENGINE_OPENSSL + " reads JKS and PKCS12 stores only, and the listener has PEM "
                    + "keys or certificates in its properties";
        }
        return null;
    }

    /**
     * OpenSSL's server context from the stores kafka-clients read (so the same files, passwords and errors) and
     * the listener's client authentication, protocols, cipher suites and key and trust manager algorithms.
     */
    private static SslContext openSslContext(SslFactory factory, Map<String, Object> settings,
                                             Map<String, String> source, String listenerName) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(
                    (String) settings.get(SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG));
            Password keyPassword = (Password) settings.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG);
            if (keyPassword == null) {
                keyPassword = (Password) settings.get(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
            }
            keys.init(factory.sslEngineFactory().keystore(),
                    keyPassword == null ? null : keyPassword.value().toCharArray());
            SslContextBuilder builder = SslContextBuilder.forServer(keys).sslProvider(SslProvider.OPENSSL);
            KeyStore truststore = factory.sslEngineFactory().truststore();
            if (truststore != null) {
                TrustManagerFactory trust = TrustManagerFactory.getInstance(
                        (String) settings.get(SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG));
                trust.init(truststore);
                builder.trustManager(trust);
            }
            builder.clientAuth(switch (String.valueOf(settings.get(BrokerSecurityConfigs.SSL_CLIENT_AUTH_CONFIG))) {
                case "required" -> ClientAuth.REQUIRE;
                case "requested" -> ClientAuth.OPTIONAL;
                default -> ClientAuth.NONE;
            });
            @SuppressWarnings("unchecked")
            List<String> protocols = (List<String>) settings.get(SslConfigs.SSL_ENABLED_PROTOCOLS_CONFIG);
            if (protocols != null && !protocols.isEmpty()) {
                builder.protocols(protocols);
            }
            @SuppressWarnings("unchecked")
            List<String> ciphers = (List<String>) settings.get(SslConfigs.SSL_CIPHER_SUITES_CONFIG);
            if (ciphers != null && !ciphers.isEmpty()) {
                builder.ciphers(ciphers);
            }
            return builder.build();
        } catch (GeneralSecurityException | SSLException | RuntimeException e) {
            throw new ConfigException("Listener " + listenerName + " (" + ENGINE + "=" + ENGINE_OPENSSL + "): "
                    + culprit(e, settings, source) + ": " + causes(e));
        }
    }

    /**
     * Makes kafka-clients' engine source of one SSL listener, reading its keystore and truststore now.
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
        Map<String, String> source = new HashMap<>();
        return factory(settings(properties, listenerName, source), source, listenerName, mode);
    }

    /**
     * The listener's ssl.* settings, parsed with Kafka's types and defaults: the unprefixed ones overridden by the
     * listener's own; {@code source} gets the property each came from.
     */
    private static Map<String, Object> settings(Map<String, ?> properties, String listenerName,
                                                Map<String, String> source) {
        return settings(properties, prefix(listenerName), "Listener " + listenerName, source);
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

    private static SslFactory factory(Map<String, Object> settings, Map<String, String> source, String listenerName) {
        return factory(settings, source, listenerName, ConnectionMode.SERVER);
    }

    private static SslFactory factory(Map<String, Object> settings, Map<String, String> source, String listenerName,
                                      ConnectionMode mode) {
        String prefix = prefix(listenerName);
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
