package io.cairn.server;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.security.sasl.SaslException;

import io.cairn.broker.network.SaslListener;
import io.cairn.broker.network.ScramLoginWait;
import io.cairn.broker.security.ScramCallbackHandler;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.internals.BrokerSecurityConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.apache.kafka.common.security.plain.internals.PlainSaslServer;
import org.apache.kafka.common.security.plain.internals.PlainServerCallbackHandler;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;
import org.apache.kafka.common.security.scram.internals.ScramSaslServer;

/**
 * The SASL settings of a SASL_PLAINTEXT or SASL_SSL listener, read with Kafka's names and precedence:
 * <ul>
 *   <li>{@code sasl.enabled.mechanisms} (Kafka's default GSSAPI), overridden by
 *       {@code listener.name.<name>.sasl.enabled.mechanisms}; Cairn serves PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512;
 *   <li>PLAIN's users are the {@code user_<name>="<password>"} options of the listener's PlainLoginModule, from
 *       {@code listener.name.<name>.plain.sasl.jaas.config}, else from the JAAS file of
 *       {@code -Djava.security.auth.login.config} (section {@code <name>.KafkaServer}, else {@code KafkaServer}):
 *       kafka-clients' own {@link JaasContext} reads them, and its {@link PlainSaslServer} and
 *       {@link PlainServerCallbackHandler} check them, so the configuration means what it means to Kafka;
 *   <li>SCRAM's credentials are the ones stored in the metadata log; a SCRAM JAAS entry, which Kafka requires, is
 *       accepted and not needed; kafka-clients' {@link ScramSaslServer} runs the exchange;
 *   <li>{@code connections.max.reauth.ms}, overridden by {@code listener.name.<name>.connections.max.reauth.ms} and
 *       {@code listener.name.<name>.<mechanism>.connections.max.reauth.ms};
 *   <li>{@code sasl.server.max.receive.size}, overridden by {@code listener.name.<name>.sasl.server.max.receive.size};
 *   <li>{@code connection.failed.authentication.delay.ms} (KIP-306), likewise.
 * </ul>
 * Names are in lower case in the prefixes, as Kafka's.
 *
 * <p>Stateless; thread-safe.
 */
final class ListenerSasl {

    static final String PLAIN = "PLAIN";

    private ListenerSasl() {
    }

    /**
     * Reads one SASL listener's settings; PLAIN's JAAS configuration is read now.
     *
     * @throws ConfigException naming the property at fault: a mechanism Cairn does not serve, a PLAIN listener
     *                         without a JAAS configuration
     */
    static SaslListener of(Map<String, ?> properties, String listenerName, ScramCallbackHandler.Credentials scram) {
        return of(properties, listenerName, scram, ScramLoginWait.NEVER, ScramCallbackHandler.Tokens.NONE);
    }

    /**
     * As above, a SCRAM login of a user {@code scram} does not know waiting as {@code loginWait} says (docs/adr/0035),
     * and with the delegation tokens a SCRAM login may use ({@code tokenauth=true}, docs/adr/0034).
     */
    static SaslListener of(Map<String, ?> properties, String listenerName, ScramCallbackHandler.Credentials scram,
                           ScramLoginWait loginWait, ScramCallbackHandler.Tokens tokens) {
        String prefix = ListenerTls.prefix(listenerName);
        String mechanismsKey = setting(properties, prefix, BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG);
        String mechanismsValue = mechanismsKey == null ? "GSSAPI" : String.valueOf(properties.get(mechanismsKey));
        List<String> mechanisms = new ArrayList<>();
        for (String mechanism : mechanismsValue.split(",")) {
            if (!mechanism.isBlank()) {
                mechanisms.add(mechanism.trim());
            }
        }
        if (mechanisms.isEmpty()) {
            throw new ConfigException(mechanismsKey, mechanismsValue, "listener " + listenerName
                    + " uses SASL but enables no mechanism");
        }
        Map<String, SaslListener.ServerFactory> factories = new HashMap<>();
        Map<String, Long> maxReauthMs = new HashMap<>();
        for (String mechanism : mechanisms) {
            factories.put(mechanism, factory(properties, listenerName, mechanism, mechanismsKey, mechanismsValue,
                    scram, tokens));
            String reauth = setting(properties, prefix + mechanism.toLowerCase(Locale.ROOT) + ".",
                    CairnConfig.CONNECTIONS_MAX_REAUTH_MS);
            if (reauth == null) {
                reauth = setting(properties, prefix, CairnConfig.CONNECTIONS_MAX_REAUTH_MS);
            }
            if (reauth != null) {
                maxReauthMs.put(mechanism, parseLong(reauth, properties.get(reauth)));
            }
        }
        String receiveKey = setting(properties, prefix, BrokerSecurityConfigs.SASL_SERVER_MAX_RECEIVE_SIZE_CONFIG);
        int maxReceive = receiveKey == null ? SaslListener.DEFAULT_MAX_RECEIVE_BYTES
                : (int) parseLong(receiveKey, properties.get(receiveKey));
        String delayKey = setting(properties, prefix, CairnConfig.CONNECTION_FAILED_AUTHENTICATION_DELAY_MS);
        long failureDelayMs = delayKey == null ? SaslListener.DEFAULT_FAILURE_DELAY_MS
                : parseLong(delayKey, properties.get(delayKey));
        return new SaslListener(mechanisms, mechanism -> factories.get(mechanism).create(mechanism), maxReauthMs,
                maxReceive, failureDelayMs, loginWait);
    }

    private static SaslListener.ServerFactory factory(Map<String, ?> properties, String listenerName,
                                                      String mechanism, String mechanismsKey, String mechanismsValue,
                                                      ScramCallbackHandler.Credentials scram,
                                                      ScramCallbackHandler.Tokens tokens) {
        if (mechanism.equals(PLAIN)) {
            PlainServerCallbackHandler users = new PlainServerCallbackHandler();
            users.configure(Map.of(), PLAIN, jaas(properties, listenerName, PLAIN).configurationEntries());
            return m -> new PlainSaslServer(users);
        }
        ScramMechanism scramMechanism = ScramMechanism.forMechanismName(mechanism);
        if (scramMechanism == null) {
            throw new ConfigException(mechanismsKey == null ? BrokerSecurityConfigs.SASL_ENABLED_MECHANISMS_CONFIG
                    : mechanismsKey, mechanismsValue, "listener " + listenerName + " enables " + mechanism
                    + ", which Cairn does not serve (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 only)");
        }
        return m -> {
            try {
                return new ScramSaslServer(scramMechanism, Map.of(), new ScramCallbackHandler(scramMechanism, scram,
                        tokens));
            } catch (NoSuchAlgorithmException e) {
                throw new SaslException("No " + scramMechanism.hashAlgorithm() + " in this JVM", e);
            }
        };
    }

    /** Kafka's JAAS context of a listener's mechanism: the listener's property, else the static JAAS file. */
    private static JaasContext jaas(Map<String, ?> properties, String listenerName, String mechanism) {
        String key = ListenerTls.prefix(listenerName) + mechanism.toLowerCase(Locale.ROOT) + "."
                + SaslConfigs.SASL_JAAS_CONFIG;
        Map<String, Object> configs = new HashMap<>();
        Object value = properties.get(key);
        if (value != null) {
            configs.put(mechanism.toLowerCase(Locale.ROOT) + "." + SaslConfigs.SASL_JAAS_CONFIG,
                    value instanceof Password password ? password : new Password(value.toString()));
        }
        try {
            JaasContext context = JaasContext.loadServerContext(new ListenerName(listenerName), mechanism, configs);
            if (context.configurationEntries().stream().noneMatch(entry ->
                    entry.getLoginModuleName().equals(PlainLoginModule.class.getName()))) {
                throw new IllegalArgumentException("its login module is not " + PlainLoginModule.class.getName());
            }
            return context;
        } catch (IllegalArgumentException | SecurityException e) {
            throw new ConfigException("Listener " + listenerName + " enables " + mechanism + " but its JAAS "
                    + "configuration cannot be used: set " + key + "=" + PlainLoginModule.class.getName()
                    + " required user_<name>=\"<password>\" ...; (" + e.getMessage() + ")");
        }
    }

    /** The property that sets {@code name} for this prefix: the prefixed one, else the plain one, else null. */
    private static String setting(Map<String, ?> properties, String prefix, String name) {
        if (properties.get(prefix + name) != null) {
            return prefix + name;
        }
        return properties.get(name) != null ? name : null;
    }

    private static long parseLong(String key, Object value) {
        if (value instanceof Number number) {
            return number.longValue();
        }
        try {
            return Long.parseLong(String.valueOf(value).trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(key, value, "not a number");
        }
    }
}
