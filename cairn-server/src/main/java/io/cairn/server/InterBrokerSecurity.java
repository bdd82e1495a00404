package io.cairn.server;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.broker.cluster.InterBrokerConnector;
import io.cairn.broker.cluster.SecureInterBrokerConnector;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.security.ssl.SslFactory;

/**
 * How a node connects to the other nodes' inter-broker listener ({@code inter.broker.listener.name}), read as Kafka
 * reads its brokers' client side (docs/adr/0025):
 * <ul>
 *   <li>SSL and SASL_SSL: the listener's own {@code ssl.*} settings ({@code listener.name.<l>.ssl.*} over
 *       {@code ssl.*}), made into a client by kafka-clients' {@link SslFactory}: its truststore must trust the other
 *       nodes' certificates, and its keystore is this node's certificate where they ask for one;
 *   <li>SASL_PLAINTEXT and SASL_SSL: {@code sasl.mechanism.inter.broker.protocol} (PLAIN, SCRAM-SHA-256 or
 *       SCRAM-SHA-512; one the listener enables), logging in with the {@code username} and {@code password} options of
 *       the listener's JAAS entry for that mechanism: {@code listener.name.<l>.<mechanism>.sasl.jaas.config}, else
 *       the static JAAS file ({@link JaasContext}'s precedence, as Kafka).
 * </ul>
 *
 * <p>Stateless; thread-safe.
 */
final class InterBrokerSecurity {

    private InterBrokerSecurity() {
    }

    /**
     * @param enabledMechanisms the SASL mechanisms the inter-broker listener enables (empty if it is not SASL)
     * @throws ConfigException naming the property at fault
     */
    static InterBrokerConnector connector(CairnConfig config, List<String> enabledMechanisms) {
        Listeners.Endpoint listener = config.listeners().interBroker();
        SecurityProtocol protocol = listener.protocol();
        if (protocol == SecurityProtocol.PLAINTEXT) {
            return InterBrokerConnector.PLAINTEXT;
        }
        SecureInterBrokerConnector.Tls tls = null;
        if (protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL) {
            tls = tls(config.originals(), listener.name());
        }
        SecureInterBrokerConnector.Login login = null;
        if (protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL) {
            login = login(config, listener.name(), enabledMechanisms);
        }
        return new SecureInterBrokerConnector(InterBrokerChannel.CLIENT_ID_PREFIX + config.nodeId(), tls, login);
    }

    static SecureInterBrokerConnector.Tls tls(Map<String, ?> properties, String listenerName) {
        SslFactory factory = ListenerTls.factory(properties, listenerName, ConnectionMode.CLIENT);
        if (!(factory.sslEngineFactory() instanceof DefaultSslEngineFactory engines)) {
            throw new ConfigException("Listener " + listenerName + " carries inter-broker traffic, which Cairn secures "
                    + "with Kafka's default SSL engine factory only: unset ssl.engine.factory.class");
        }
        // Kafka's client engine carries the protocols, ciphers and ssl.endpoint.identification.algorithm chosen
        return new SecureInterBrokerConnector.Tls(engines.sslContext(), address -> factory.createSslEngine(
                address.getHostString(), address.getPort()).getSSLParameters());
    }

    private static SecureInterBrokerConnector.Login login(CairnConfig config, String listenerName,
                                                          List<String> enabledMechanisms) {
        String mechanism = config.getString(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL).trim();
        if (!SecureInterBrokerConnector.supports(mechanism)) {
            throw new ConfigException(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL, mechanism,
                    "the inter-broker listener " + listenerName + " uses SASL: set it to PLAIN, SCRAM-SHA-256 or "
                            + "SCRAM-SHA-512");
        }
        if (!enabledMechanisms.contains(mechanism)) {
            throw new ConfigException(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL, mechanism,
                    "the inter-broker listener " + listenerName + " does not enable it (it enables "
                            + enabledMechanisms + ")");
        }
        String key = ListenerTls.prefix(listenerName) + mechanism.toLowerCase(Locale.ROOT) + "."
                + SaslConfigs.SASL_JAAS_CONFIG;
        Map<String, Object> configs = new HashMap<>();
        Object value = config.originals().get(key);
        if (value != null) {
            configs.put(mechanism.toLowerCase(Locale.ROOT) + "." + SaslConfigs.SASL_JAAS_CONFIG,
                    value instanceof Password password ? password : new Password(value.toString()));
        }
        String advice = "set " + key + "=<login module> required username=\"<broker user>\" password=\"<its "
                + "password>\" ...;";
        List<AppConfigurationEntry> entries;
        try {
            entries = JaasContext.loadServerContext(new ListenerName(listenerName), mechanism, configs)
                    .configurationEntries();
        } catch (IllegalArgumentException | SecurityException e) {
            throw new ConfigException("The inter-broker listener " + listenerName + " logs in with " + mechanism
                    + " but has no JAAS configuration for it: " + advice + " (" + e.getMessage() + ")");
        }
        for (AppConfigurationEntry entry : entries) {
            Object username = entry.getOptions().get("username");
            Object password = entry.getOptions().get("password");
            if (username != null && password != null) {
                return new SecureInterBrokerConnector.Login(mechanism, username.toString(), password.toString());
            }
        }
        throw new ConfigException("The inter-broker listener " + listenerName + " logs in with " + mechanism
                + " but its JAAS configuration has no username and password options for this node: " + advice);
    }
}
