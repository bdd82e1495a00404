package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.util.ReferenceCountUtil;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which engine an SSL listener gets from cairn.ssl.engine, and what it takes from the listener's ssl.* settings. */
class ListenerTlsTest {

    private static final String PASSWORD = "test-secret";
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.1", 50000);

    @TempDir
    static Path dir;

    @BeforeAll
    static void keystore() throws Exception {
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-keystore", store("node.p12"), "-storetype", "PKCS12",
                "-storepass", PASSWORD);
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-keystore", store("node.jks"), "-storetype", "JKS",
                "-storepass", PASSWORD, "-keypass", "key-secret");
    }

    @Test
    void theJdkEngineIsKafkasAndTheDefaultIsDocumented() {
        try (ListenerTls.Engines engines = ListenerTls.engines(pkcs12(Map.of(ListenerTls.ENGINE, "jdk")), "SSL", "")) {
            assertThat(engines.engine()).isEqualTo("jdk");
            SSLEngine engine = engines.newEngine(ByteBufAllocator.DEFAULT, PEER);
            assertThat(engine.getUseClientMode()).isFalse();
            assertThat(engine.getClass().getName()).doesNotContain("OpenSsl");
        }
        try (ListenerTls.Engines engines = ListenerTls.engines(pkcs12(Map.of()), "SSL", "")) {
            assertThat(engines.engine()).isEqualTo("jdk");
        }
        assertThat(ConfigDocs.render()).contains(ListenerTls.ENGINE);
    }

    @Test
    void theOpenSslEngineTakesTheListenersClientAuthAndProtocols() {
        assumeTrue(OpenSsl.isAvailable(), "OpenSSL is not available here");
        Map<String, Object> properties = pkcs12(Map.of(ListenerTls.ENGINE, "OpenSSL",
                "listener.name.mtls.ssl.client.auth", "required",
                "listener.name.mtls.ssl.enabled.protocols", "TLSv1.3"));
        try (ListenerTls.Engines engines = ListenerTls.engines(properties, "MTLS", "")) {
            assertThat(engines.engine()).isEqualTo("openssl");
            SSLEngine engine = engines.newEngine(ByteBufAllocator.DEFAULT, PEER);
            try {
                assertThat(engine.getClass().getName()).contains("OpenSsl");
                assertThat(engine.getUseClientMode()).isFalse();
                assertThat(engine.getNeedClientAuth()).isTrue();
                // (Netty's OpenSSL engine lists the pseudo-protocol SSLv2Hello too)
                assertThat(engine.getEnabledProtocols()).contains("TLSv1.3").doesNotContain("TLSv1.2");
            } finally {
                ReferenceCountUtil.release(engine);
            }
        }
    }

    @Test
    void theOpenSslEngineReadsAJksKeystoreWithItsKeyPassword() {
        assumeTrue(OpenSsl.isAvailable(), "OpenSSL is not available here");
        Map<String, Object> properties = new HashMap<>(Map.of(ListenerTls.ENGINE, "openssl",
                SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store("node.jks"),
                SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD,
                SslConfigs.SSL_KEY_PASSWORD_CONFIG, "key-secret",
                SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "JKS"));
        try (ListenerTls.Engines engines = ListenerTls.engines(properties, "SSL", "")) {
            assertThat(engines.engine()).isEqualTo("openssl");
            SSLEngine engine = engines.newEngine(ByteBufAllocator.DEFAULT, PEER);
            assertThat(engine.getNeedClientAuth()).isFalse();
            ReferenceCountUtil.release(engine);
        }
    }

    @Test
    void anEngineFactoryClassKeepsTheJdkEngine() {
        Map<String, Object> properties = pkcs12(Map.of(ListenerTls.ENGINE, "openssl",
                SslConfigs.SSL_ENGINE_FACTORY_CLASS_CONFIG,
                "org.apache.kafka.common.security.ssl.DefaultSslEngineFactory"));
        try (ListenerTls.Engines engines = ListenerTls.engines(properties, "SSL", "")) {
            assertThat(engines.engine()).isEqualTo("jdk");
        }
    }

    @Test
    void aPemKeystoreKeepsTheJdkEngine() throws Exception {
        // the PKCS12 store's key and certificate as PEM text, in the properties (KIP-651)
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve("node.p12"))) {
            store.load(in, PASSWORD.toCharArray());
        }
        Base64.Encoder base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII));
        String key = "-----BEGIN PRIVATE KEY-----\n"
                + base64.encodeToString(store.getKey("node", PASSWORD.toCharArray()).getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        String certificate = "-----BEGIN CERTIFICATE-----\n"
                + base64.encodeToString(store.getCertificate("node").getEncoded()) + "\n-----END CERTIFICATE-----\n";
        Map<String, Object> properties = Map.of(ListenerTls.ENGINE, "openssl",
                SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PEM",
                SslConfigs.SSL_KEYSTORE_KEY_CONFIG, key,
                SslConfigs.SSL_KEYSTORE_CERTIFICATE_CHAIN_CONFIG, certificate);
        try (ListenerTls.Engines engines = ListenerTls.engines(properties, "SSL", "")) {
            assertThat(engines.engine()).isEqualTo("jdk");
            assertThat(engines.newEngine(ByteBufAllocator.DEFAULT, PEER).getUseClientMode()).isFalse();
        }
    }

    @Test
    void anUnknownEngineIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> ListenerTls.engines(pkcs12(Map.of("listener.name.ssl.cairn.ssl.engine", "boring")),
                "SSL", ""))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("listener.name.ssl.cairn.ssl.engine")
                .hasMessageContaining("boring")
                .hasMessageContaining("jdk or openssl");
    }

    @Test
    void theListenersOwnEngineOverridesTheNodes() {
        Map<String, Object> properties = pkcs12(Map.of(ListenerTls.ENGINE, "openssl",
                "listener.name.internal.cairn.ssl.engine", "jdk"));
        assertThat(ListenerTls.engine(properties, "INTERNAL")).isEqualTo("jdk");
        assertThat(ListenerTls.engine(properties, "SSL")).isEqualTo("openssl");
    }

    private static Map<String, Object> pkcs12(Map<String, Object> more) {
        Map<String, Object> properties = new HashMap<>(more);
        properties.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, store("node.p12"));
        properties.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        return properties;
    }

    private static String store(String name) {
        return dir.resolve(name).toString();
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + output);
        }
    }
}
