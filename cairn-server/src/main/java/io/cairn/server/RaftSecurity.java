package io.cairn.server;

import java.security.GeneralSecurityException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

import io.cairn.raft.RaftTls;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.ssl.DefaultSslEngineFactory;

/**
 * The security of the metadata Raft port (docs/adr/0025): {@code cairn.raft.security.protocol} PLAINTEXT (the
 * default) or SSL, mutual TLS between the voters. The stores are Kafka's {@code ssl.*} settings under the prefix
 * {@code cairn.raft.} ({@code cairn.raft.ssl.keystore.location} over {@code ssl.keystore.location}, and so on), read
 * by kafka-clients' own {@link DefaultSslEngineFactory} (JKS, PKCS12, PEM): a node that sets its keystore and
 * truststore once under {@code ssl.*} secures its listeners and its Raft port with them.
 *
 * <p>Stateless; thread-safe.
 */
final class RaftSecurity {

    static final String PREFIX = "cairn.raft.";

    private RaftSecurity() {
    }

    /**
     * @return the Raft port's TLS, or null when it is plaintext
     * @throws ConfigException naming the property at fault: no keystore or truststore, or one that cannot be read
     */
    static RaftTls tls(CairnConfig config) {
        String protocol = config.getString(CairnConfig.RAFT_SECURITY_PROTOCOL).trim().toUpperCase(Locale.ROOT);
        if (protocol.equals("PLAINTEXT")) {
            return null;
        }
        if (!protocol.equals("SSL")) {
            throw new ConfigException(CairnConfig.RAFT_SECURITY_PROTOCOL, protocol, "PLAINTEXT or SSL");
        }
        String label = "The metadata Raft port (" + CairnConfig.RAFT_SECURITY_PROTOCOL + "=SSL)";
        Map<String, String> source = new HashMap<>();
        Map<String, Object> settings = ListenerTls.settings(config.originals(), PREFIX, label, source);
        for (String store : new String[] {SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG,
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG}) {
            String pem = store.replace("location", store.startsWith("ssl.keystore") ? "key" : "certificates");
            if (settings.get(store) == null && settings.get(pem) == null) {
                throw new ConfigException(label + " needs a " + (store.contains("trust") ? "truststore, which trusts "
                        + "the other voters' certificates" : "keystore, this node's certificate for the other "
                        + "voters") + ": set " + PREFIX + store + " (or " + store + ")");
            }
        }
        DefaultSslEngineFactory stores = new DefaultSslEngineFactory();
        try {
            stores.configure(settings);
            KeyManagerFactory keys = KeyManagerFactory.getInstance(
                    (String) settings.get(SslConfigs.SSL_KEYMANAGER_ALGORITHM_CONFIG));
            keys.init(stores.keystore(), keyPassword(settings));
            TrustManagerFactory trust = TrustManagerFactory.getInstance(
                    (String) settings.get(SslConfigs.SSL_TRUSTMANAGER_ALGORITHM_CONFIG));
            trust.init(stores.truststore());
            return new RaftTls(keys.getKeyManagers()[0], trust.getTrustManagers()[0]);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new ConfigException(label + ": " + ListenerTls.culprit(e, settings, source) + ": "
                    + ListenerTls.causes(e));
        } finally {
            stores.close();
        }
    }

    /** ssl.key.password, else the keystore's (as Kafka), else none (a PEM key without one). */
    private static char[] keyPassword(Map<String, Object> settings) {
        Password key = (Password) settings.get(SslConfigs.SSL_KEY_PASSWORD_CONFIG);
        if (key == null) {
            key = (Password) settings.get(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG);
        }
        return key == null ? new char[0] : key.value().toCharArray();
    }
}
