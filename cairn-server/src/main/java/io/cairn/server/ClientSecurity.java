package io.cairn.server;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;

import io.cairn.broker.cluster.InterBrokerConnector;
import io.cairn.broker.cluster.SecureInterBrokerConnector;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.network.ConnectionMode;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;
import org.apache.kafka.common.security.ssl.SslFactory;

/**
 * How Cairn's tools ({@code cairn cluster-status}, which asks each node directly) connect to a secured listener:
 * from a Kafka client properties file ({@code --command-config}, as Kafka's tools), its {@code security.protocol},
 * {@code ssl.*} and {@code sasl.mechanism} with the username and password of {@code sasl.jaas.config}.
 *
 * <p>Stateless; thread-safe.
 */
final class ClientSecurity {

    private ClientSecurity() {
    }

    /** @throws ConfigException naming the property at fault */
    static InterBrokerConnector connector(Map<String, ?> client) {
        Object value = client.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG);
        SecurityProtocol protocol;
        try {
            protocol = SecurityProtocol.forName(value == null ? "PLAINTEXT"
                    : value.toString().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, value, "unknown protocol");
        }
        if (protocol == SecurityProtocol.PLAINTEXT) {
            return InterBrokerConnector.PLAINTEXT;
        }
        SecureInterBrokerConnector.Tls tls = null;
        if (protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL) {
            Map<String, Object> settings = ListenerTls.settings(client, "", "The client configuration",
                    new HashMap<>());
            SslFactory factory = new SslFactory(ConnectionMode.CLIENT);
            factory.configure(settings);
            tls = new SecureInterBrokerConnector.Tls(((DefaultSslEngineFactory) factory.sslEngineFactory())
                    .sslContext(), address -> factory.createSslEngine(address.getHostString(), address.getPort())
                    .getSSLParameters());
        }
        SecureInterBrokerConnector.Login login = null;
        if (protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL) {
            Object mechanism = client.get(SaslConfigs.SASL_MECHANISM);
            Object jaas = client.get(SaslConfigs.SASL_JAAS_CONFIG);
            if (mechanism == null || jaas == null) {
                throw new ConfigException("A " + protocol + " client needs " + SaslConfigs.SASL_MECHANISM + " and "
                        + SaslConfigs.SASL_JAAS_CONFIG);
            }
            List<AppConfigurationEntry> entries = JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG,
                    new Password(jaas.toString()))).configurationEntries();
            Map<String, ?> options = entries.get(0).getOptions();
            if (options.get("username") == null || options.get("password") == null) {
                throw new ConfigException(SaslConfigs.SASL_JAAS_CONFIG, "(hidden)", "needs username and password");
            }
            login = new SecureInterBrokerConnector.Login(mechanism.toString().trim(),
                    options.get("username").toString(), options.get("password").toString());
        }
        return new SecureInterBrokerConnector("cairn-tool", tls, login);
    }
}
