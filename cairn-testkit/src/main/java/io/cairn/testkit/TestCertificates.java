package io.cairn.testkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.config.SslConfigs;

/**
 * Keystores made by the JDK's keytool for tests, never committed: {@link #node} is a key and self-signed certificate
 * valid for 127.0.0.1 and localhost, which every node of a test cluster shares, and {@link #trust} a truststore
 * holding it. {@link #stranger} is another key, trusted by nobody.
 *
 * <p>Immutable once made.
 */
public final class TestCertificates {

    public static final String PASSWORD = "test-secret";

    private final Path dir;

    private TestCertificates(Path dir) {
        this.dir = dir;
    }

    /** Makes the node keystore, its truststore and a stranger's keystore in {@code dir}. */
    public static TestCertificates create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        TestCertificates certs = new TestCertificates(dir);
        certs.keyPair("node", "CN=cairn-node");
        keytool("-exportcert", "-rfc", "-alias", "node", "-keystore", certs.node().toString(), "-storepass", PASSWORD,
                "-file", dir.resolve("node.pem").toString());
        keytool("-importcert", "-noprompt", "-alias", "node", "-file", dir.resolve("node.pem").toString(),
                "-keystore", certs.trust().toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
        certs.keyPair("stranger", "CN=stranger");
        return certs;
    }

    private void keyPair(String name, String dname) throws IOException, InterruptedException {
        keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", dname, "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore", dir.resolve(name + ".p12").toString(), "-storetype", "PKCS12", "-storepass", PASSWORD);
    }

    /** The nodes' keystore (PKCS12). */
    public Path node() {
        return dir.resolve("node.p12");
    }

    /** A truststore holding the nodes' certificate (PKCS12). */
    public Path trust() {
        return dir.resolve("trust.p12");
    }

    /** A keystore whose certificate no truststore here holds (PKCS12). */
    public Path stranger() {
        return dir.resolve("stranger.p12");
    }

    /** Kafka's ssl.* properties for the node keystore and the truststore, under {@code prefix} (may be ""). */
    public Map<String, Object> sslProperties(String prefix) {
        Map<String, Object> properties = new HashMap<>();
        properties.put(prefix + SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, node().toString());
        properties.put(prefix + SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(prefix + SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        properties.put(prefix + SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trust().toString());
        properties.put(prefix + SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(prefix + SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        return properties;
    }

    /** A client's ssl.* properties: the truststore only. */
    public Map<String, Object> clientTrust() {
        Map<String, Object> properties = new HashMap<>();
        properties.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, trust().toString());
        properties.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, PASSWORD);
        properties.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PKCS12");
        return properties;
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
