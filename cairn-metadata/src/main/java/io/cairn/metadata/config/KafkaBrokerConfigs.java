package io.cairn.metadata.config;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidList;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.apache.kafka.common.config.ConfigException;

/**
 * Apache Kafka 4.3.1's broker config names as its dynamic-config model sees them: the configs it lets
 * AlterConfigs / IncrementalAlterConfigs change on a BROKER resource (Kafka's {@code DynamicBrokerConfig
 * .ALL_DYNAMIC_CONFIGS}) with their ConfigDef type, default and validator; which of them only a single broker may
 * set (per-broker: listeners, SSL and SASL settings); the security configs that only a listener prefix may set; and
 * the names Kafka knows but never changes dynamically (a resource file). This is data, declared here so that Cairn
 * validates as Kafka does without Kafka's server jars; it covers every config whether Cairn honours it or not.
 *
 * <p>Thread-safe (immutable after class initialisation).
 */
public final class KafkaBrokerConfigs {

    private static final boolean PER_BROKER = true;
    private static final boolean CLUSTER = false;

    /** compression.gzip.level: 1 to 9, or -1 for the codec's default. */
    private static final ConfigDef.Validator GZIP_LEVEL = (name, value) -> {
        int level = (Integer) value;
        if (level != -1 && (level < 1 || level > 9)) {
            throw new ConfigException(name, value, "Value must be between 1 and 9, or -1");
        }
    };

    private static final ConfigDef DYNAMIC = new ConfigDef();
    private static final Set<String> PER_BROKER_ONLY = new HashSet<>();

    /** Kafka's SslConfigs.RECONFIGURABLE_CONFIGS: dynamic only as listener.name.X.&lt;name&gt;. */
    private static final Set<String> LISTENER_ONLY_SECURITY = Set.of("ssl.key.password",
            "ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.keystore.location", "ssl.keystore.password",
            "ssl.keystore.type", "ssl.truststore.certificates", "ssl.truststore.location", "ssl.truststore.password",
            "ssl.truststore.type");

    /** Listener configs a cluster-wide default may still set with a listener prefix. */
    private static final Set<String> CLUSTER_LEVEL_LISTENER_CONFIGS = Set.of("max.connections",
            "max.connection.creation.rate", "num.network.threads");

    /** Listener configs given as listener.name.X.mechanism.&lt;name&gt;: their synonym is &lt;name&gt;. */
    private static final List<String> LISTENER_MECHANISM_CONFIGS = List.of("sasl.jaas.config",
            "sasl.login.callback.handler.class", "sasl.login.class", "sasl.server.callback.handler.class",
            "connections.max.reauth.ms");

    private static final Pattern LISTENER_CONFIG = Pattern.compile("listener\\.name\\.[^.]*\\.(.*)");

    /** Kafka's non-dynamic broker configs, name -> type. */
    private static final Map<String, Type> STATIC = readStatic();

    static {
        d("background.threads", Type.INT, "10", Range.atLeast(1), CLUSTER);
        d("compression.gzip.level", Type.INT, "-1", GZIP_LEVEL, CLUSTER);
        d("compression.lz4.level", Type.INT, "9", Range.between(1, 17), CLUSTER);
        d("compression.type", Type.STRING, "producer", ValidString.in("uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"), CLUSTER);
        d("compression.zstd.level", Type.INT, "3", Range.between(-131072, 22), CLUSTER);
        d("config.providers", Type.LIST, "", null, CLUSTER);
        d("cordoned.log.dirs", Type.LIST, "", null, PER_BROKER);
        d("follower.fetch.last.tiered.offset.enable", Type.BOOLEAN, "false", null, CLUSTER);
        d("follower.replication.throttled.rate", Type.LONG, "9223372036854775807", Range.atLeast(0), CLUSTER);
        d("group.consumer.assignment.interval.ms", Type.INT, "1000", Range.atLeast(0), CLUSTER);
        d("group.coordinator.cached.buffer.max.bytes", Type.INT, "1048588", Range.atLeast(524288), CLUSTER);
        d("group.share.assignment.interval.ms", Type.INT, "1000", Range.atLeast(0), CLUSTER);
        d("group.streams.assignment.interval.ms", Type.INT, "1000", Range.atLeast(0), CLUSTER);
        d("leader.replication.throttled.rate", Type.LONG, "9223372036854775807", Range.atLeast(0), CLUSTER);
        d("listener.security.protocol.map", Type.STRING, "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT", null, PER_BROKER);
        d("listeners", Type.LIST, "PLAINTEXT://:9092", null, PER_BROKER);
        d("log.cleaner.backoff.ms", Type.LONG, "15000", Range.atLeast(0), CLUSTER);
        d("log.cleaner.dedupe.buffer.size", Type.LONG, "134217728", null, CLUSTER);
        d("log.cleaner.delete.retention.ms", Type.LONG, "86400000", Range.atLeast(0), CLUSTER);
        d("log.cleaner.io.buffer.load.factor", Type.DOUBLE, "0.9", null, CLUSTER);
        d("log.cleaner.io.buffer.size", Type.INT, "524288", Range.atLeast(0), CLUSTER);
        d("log.cleaner.io.max.bytes.per.second", Type.DOUBLE, "1.7976931348623157E308", null, CLUSTER);
        d("log.cleaner.max.compaction.lag.ms", Type.LONG, "9223372036854775807", Range.atLeast(1), CLUSTER);
        d("log.cleaner.min.cleanable.ratio", Type.DOUBLE, "0.5", Range.between(0, 1), CLUSTER);
        d("log.cleaner.min.compaction.lag.ms", Type.LONG, "0", Range.atLeast(0), CLUSTER);
        d("log.cleaner.threads", Type.INT, "1", Range.atLeast(0), CLUSTER);
        d("log.cleanup.policy", Type.LIST, "delete", ValidList.in(false, "compact", "delete"), CLUSTER);
        d("log.flush.interval.messages", Type.LONG, "9223372036854775807", Range.atLeast(1), CLUSTER);
        d("log.flush.interval.ms", Type.LONG, null, null, CLUSTER);
        d("log.index.interval.bytes", Type.INT, "4096", Range.atLeast(0), CLUSTER);
        d("log.index.size.max.bytes", Type.INT, "10485760", Range.atLeast(4), CLUSTER);
        d("log.local.retention.bytes", Type.LONG, "-2", Range.atLeast(-2), CLUSTER);
        d("log.local.retention.ms", Type.LONG, "-2", Range.atLeast(-2), CLUSTER);
        d("log.message.timestamp.after.max.ms", Type.LONG, "3600000", Range.atLeast(0), CLUSTER);
        d("log.message.timestamp.before.max.ms", Type.LONG, "9223372036854775807", Range.atLeast(0), CLUSTER);
        d("log.message.timestamp.type", Type.STRING, "CreateTime", ValidString.in("CreateTime", "LogAppendTime"), CLUSTER);
        d("log.preallocate", Type.BOOLEAN, "false", null, CLUSTER);
        d("log.retention.bytes", Type.LONG, "-1", null, CLUSTER);
        d("log.retention.ms", Type.LONG, null, null, CLUSTER);
        d("log.roll.jitter.ms", Type.LONG, null, null, CLUSTER);
        d("log.roll.ms", Type.LONG, null, null, CLUSTER);
        d("log.segment.bytes", Type.INT, "1073741824", Range.atLeast(1048576), CLUSTER);
        d("log.segment.delete.delay.ms", Type.LONG, "60000", Range.atLeast(0), CLUSTER);
        d("max.connection.creation.rate", Type.INT, "2147483647", Range.atLeast(0), CLUSTER);
        d("max.connections", Type.INT, "2147483647", Range.atLeast(0), CLUSTER);
        d("max.connections.per.ip", Type.INT, "2147483647", Range.atLeast(0), CLUSTER);
        d("max.connections.per.ip.overrides", Type.STRING, "", null, CLUSTER);
        d("message.max.bytes", Type.INT, "1048588", Range.atLeast(0), CLUSTER);
        d("metric.reporters", Type.LIST, "org.apache.kafka.common.metrics.JmxReporter", null, CLUSTER);
        d("min.insync.replicas", Type.INT, "1", Range.atLeast(1), CLUSTER);
        d("num.io.threads", Type.INT, "8", Range.atLeast(1), CLUSTER);
        d("num.network.threads", Type.INT, "3", Range.atLeast(1), CLUSTER);
        d("num.recovery.threads.per.data.dir", Type.INT, "2", Range.atLeast(1), CLUSTER);
        d("num.replica.fetchers", Type.INT, "1", Range.atLeast(1), CLUSTER);
        d("principal.builder.class", Type.CLASS, "org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder", null, PER_BROKER);
        d("producer.id.expiration.ms", Type.INT, "86400000", Range.atLeast(1), CLUSTER);
        d("remote.fetch.max.wait.ms", Type.INT, "500", Range.atLeast(1), CLUSTER);
        d("remote.list.offsets.request.timeout.ms", Type.LONG, "30000", Range.atLeast(1), CLUSTER);
        d("remote.log.index.file.cache.total.size.bytes", Type.LONG, "1073741824", Range.atLeast(1), CLUSTER);
        d("remote.log.manager.copier.thread.pool.size", Type.INT, "10", Range.atLeast(1), CLUSTER);
        d("remote.log.manager.copy.max.bytes.per.second", Type.LONG, "9223372036854775807", Range.atLeast(1), CLUSTER);
        d("remote.log.manager.expiration.thread.pool.size", Type.INT, "10", Range.atLeast(1), CLUSTER);
        d("remote.log.manager.fetch.max.bytes.per.second", Type.LONG, "9223372036854775807", Range.atLeast(1), CLUSTER);
        d("remote.log.manager.follower.thread.pool.size", Type.INT, "2", Range.atLeast(1), CLUSTER);
        d("remote.log.reader.threads", Type.INT, "10", Range.atLeast(1), CLUSTER);
        d("replica.alter.log.dirs.io.max.bytes.per.second", Type.LONG, "9223372036854775807", Range.atLeast(0), CLUSTER);
        d("sasl.enabled.mechanisms", Type.LIST, "GSSAPI", null, PER_BROKER);
        d("sasl.jaas.config", Type.PASSWORD, null, null, PER_BROKER);
        d("sasl.kerberos.kinit.cmd", Type.STRING, "/usr/bin/kinit", null, PER_BROKER);
        d("sasl.kerberos.min.time.before.relogin", Type.LONG, "60000", null, PER_BROKER);
        d("sasl.kerberos.principal.to.local.rules", Type.LIST, "DEFAULT", null, PER_BROKER);
        d("sasl.kerberos.service.name", Type.STRING, null, null, PER_BROKER);
        d("sasl.kerberos.ticket.renew.jitter", Type.DOUBLE, "0.05", null, PER_BROKER);
        d("sasl.kerberos.ticket.renew.window.factor", Type.DOUBLE, "0.8", null, PER_BROKER);
        d("sasl.login.refresh.buffer.seconds", Type.SHORT, "300", null, PER_BROKER);
        d("sasl.login.refresh.min.period.seconds", Type.SHORT, "60", null, PER_BROKER);
        d("sasl.login.refresh.window.factor", Type.DOUBLE, "0.8", null, PER_BROKER);
        d("sasl.login.refresh.window.jitter", Type.DOUBLE, "0.05", null, PER_BROKER);
        d("sasl.mechanism.inter.broker.protocol", Type.STRING, "GSSAPI", null, PER_BROKER);
        d("share.coordinator.cached.buffer.max.bytes", Type.INT, "1048588", Range.atLeast(524288), CLUSTER);
        d("ssl.cipher.suites", Type.LIST, "", null, PER_BROKER);
        d("ssl.client.auth", Type.STRING, "none", ValidString.in("required", "requested", "none"), PER_BROKER);
        d("ssl.enabled.protocols", Type.LIST, "TLSv1.2,TLSv1.3", null, PER_BROKER);
        d("ssl.endpoint.identification.algorithm", Type.STRING, "https", null, PER_BROKER);
        d("ssl.engine.factory.class", Type.CLASS, null, null, PER_BROKER);
        d("ssl.key.password", Type.PASSWORD, null, null, PER_BROKER);
        d("ssl.keymanager.algorithm", Type.STRING, "SunX509", null, PER_BROKER);
        d("ssl.keystore.certificate.chain", Type.PASSWORD, null, null, PER_BROKER);
        d("ssl.keystore.key", Type.PASSWORD, null, null, PER_BROKER);
        d("ssl.keystore.location", Type.STRING, null, null, PER_BROKER);
        d("ssl.keystore.password", Type.PASSWORD, null, null, PER_BROKER);
        d("ssl.keystore.type", Type.STRING, "JKS", null, PER_BROKER);
        d("ssl.protocol", Type.STRING, "TLSv1.3", null, PER_BROKER);
        d("ssl.provider", Type.STRING, null, null, PER_BROKER);
        d("ssl.secure.random.implementation", Type.STRING, null, null, PER_BROKER);
        d("ssl.trustmanager.algorithm", Type.STRING, "PKIX", null, PER_BROKER);
        d("ssl.truststore.certificates", Type.PASSWORD, null, null, PER_BROKER);
        d("ssl.truststore.location", Type.STRING, null, null, PER_BROKER);
        d("ssl.truststore.password", Type.PASSWORD, null, null, PER_BROKER);
        d("ssl.truststore.type", Type.STRING, "JKS", null, PER_BROKER);
        d("transaction.partition.verification.enable", Type.BOOLEAN, "true", null, CLUSTER);
        d("unclean.leader.election.enable", Type.BOOLEAN, "false", null, CLUSTER);
    }

    private KafkaBrokerConfigs() {
    }

    private static void d(String name, Type type, String defaultValue, ConfigDef.Validator validator,
                          boolean perBrokerOnly) {
        DYNAMIC.define(name, type, defaultValue, validator, Importance.LOW, null);
        if (perBrokerOnly) {
            PER_BROKER_ONLY.add(name);
        }
    }

    private static Map<String, Type> readStatic() {
        Map<String, Type> names = new HashMap<>();
        try (InputStream in = KafkaBrokerConfigs.class.getResourceAsStream("kafka-static-broker-configs.txt");
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    String[] parts = line.trim().split(" ");
                    names.put(parts[0], Type.valueOf(parts[1]));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(names);
    }

    /** Kafka's dynamic broker configs, with their types, defaults and validators. */
    public static ConfigDef dynamicDef() {
        return DYNAMIC;
    }

    /** Whether Kafka lets {@code name} (an exact name, no listener prefix) change without a restart. */
    public static boolean isDynamic(String name) {
        return DYNAMIC.configKeys().containsKey(name);
    }

    /** Whether {@code name} is a broker config Kafka knows and never changes dynamically (broker.id, log.dirs...). */
    public static boolean isStatic(String name) {
        return STATIC.containsKey(name);
    }

    /** Whether Kafka accepts {@code name} only on a broker id, not as the cluster-wide default. */
    public static boolean isPerBrokerOnly(String name) {
        if (PER_BROKER_ONLY.contains(name) && !CLUSTER_LEVEL_LISTENER_CONFIGS.contains(name)) {
            return true;
        }
        return listenerBase(name).map(base -> !CLUSTER_LEVEL_LISTENER_CONFIGS.contains(base)).orElse(false);
    }

    /** Whether {@code name} is a security config Kafka changes dynamically only with a listener prefix. */
    public static boolean isListenerOnlySecurity(String name) {
        return LISTENER_ONLY_SECURITY.contains(name);
    }

    /** The config a listener.name.X.&lt;config&gt; name sets, or empty when the name has no listener prefix. */
    public static Optional<String> listenerBase(String name) {
        Matcher m = LISTENER_CONFIG.matcher(name);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The ConfigDef type Kafka gives {@code name}: its own, or its listener base config's; empty when unknown. */
    public static Optional<Type> type(String name) {
        Optional<Type> exact = exactType(name);
        if (exact.isPresent()) {
            return exact;
        }
        for (String synonym : synonyms(name)) {
            Optional<Type> t = exactType(synonym);
            if (t.isPresent()) {
                return t;
            }
        }
        return Optional.empty();
    }

    private static Optional<Type> exactType(String name) {
        ConfigDef.ConfigKey key = DYNAMIC.configKeys().get(name);
        return key != null ? Optional.of(key.type) : Optional.ofNullable(STATIC.get(name));
    }

    /** Whether Kafka knows {@code name} as a broker config (dynamic or not). */
    public static boolean isKnown(String name) {
        return exactType(name).isPresent();
    }

    /** The default Kafka gives a dynamic config, as a string (null when it has none); empty for other names. */
    public static Optional<String> dynamicDefault(String name) {
        ConfigDef.ConfigKey key = DYNAMIC.configKeys().get(name);
        if (key == null || !key.hasDefault()) {
            return Optional.empty();
        }
        return Optional.ofNullable(ConfigDef.convertToString(key.defaultValue, key.type));
    }

    /**
     * Kafka's synonyms of a broker config, highest precedence first ({@code DynamicBrokerConfig
     * .brokerConfigSynonyms} with listener overrides): log.roll.ms/hours, log.roll.jitter.ms/hours,
     * log.retention.ms/minutes/hours, log.flush.interval.ms then log.flush.scheduler.interval.ms, and
     * listener.name.X.&lt;config&gt; then &lt;config&gt;.
     */
    public static List<String> synonyms(String name) {
        for (List<String> group : List.of(List.of("log.roll.ms", "log.roll.hours"),
                List.of("log.roll.jitter.ms", "log.roll.jitter.hours"),
                List.of("log.retention.ms", "log.retention.minutes", "log.retention.hours"))) {
            if (group.contains(name)) {
                return group;
            }
        }
        if (name.equals("log.flush.interval.ms")) {
            return List.of("log.flush.interval.ms", "log.flush.scheduler.interval.ms");
        }
        Optional<String> base = listenerBase(name);
        if (base.isPresent()) {
            String synonym = LISTENER_MECHANISM_CONFIGS.stream().filter(base.get()::endsWith).findFirst()
                    .orElse(base.get());
            return List.of(name, synonym);
        }
        return List.of(name);
    }

    /**
     * max.connections.per.ip.overrides as host -> limit (comma-separated host:count entries).
     *
     * @throws ConfigException an entry that is not host:count with count >= 0
     */
    public static Map<String, Integer> parsePerIpOverrides(String value) {
        Map<String, Integer> overrides = new HashMap<>();
        for (String entry : value == null ? new String[0] : value.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.lastIndexOf(':');
            try {
                int limit = Integer.parseInt(entry.substring(colon + 1).trim());
                if (colon <= 0 || limit < 0) {
                    throw new NumberFormatException();
                }
                overrides.put(entry.substring(0, colon).trim(), limit);
            } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
                throw new ConfigException("max.connections.per.ip.overrides", value,
                        "each entry must be host:count with a count of at least 0, not '" + entry.trim() + "'");
            }
        }
        return overrides;
    }
}
