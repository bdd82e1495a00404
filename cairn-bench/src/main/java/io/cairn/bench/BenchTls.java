package io.cairn.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code --tls}: the brokers' SSL listener and the clients' trust, one self-signed RSA 2048 key and certificate for
 * 127.0.0.1 made by the JDK's keytool in the work directory (never kept), in PKCS12 stores.
 *
 * @param keystore   the brokers' key and certificate
 * @param truststore the certificate, which the clients trust
 */
record BenchTls(Path keystore, Path truststore, String password) {

    /** Makes the stores in {@code dir}. */
    static BenchTls create(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        String password = "cairn-bench";
        Path keystore = dir.resolve("broker.p12");
        Path certificate = dir.resolve("broker.pem");
        Path truststore = dir.resolve("client-trust.p12");
        keytool("-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "7",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", password);
        keytool("-exportcert", "-rfc", "-alias", "broker", "-keystore", keystore.toString(), "-storepass", password,
                "-file", certificate.toString());
        keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-keystore", truststore.toString(), "-storetype", "PKCS12", "-storepass", password);
        return new BenchTls(keystore.toAbsolutePath(), truststore.toAbsolutePath(), password);
    }

    /** The brokers' ssl.* properties, Kafka's names, which both read. */
    Map<String, String> brokerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ssl.keystore.location", keystore.toString());
        p.put("ssl.keystore.password", password);
        p.put("ssl.keystore.type", "PKCS12");
        return p;
    }

    /** The clients' security.protocol and ssl.* properties. */
    Map<String, String> clientProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", "SSL");
        p.put("ssl.truststore.location", truststore.toString());
        p.put("ssl.truststore.password", password);
        p.put("ssl.truststore.type", "PKCS12");
        return p;
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
