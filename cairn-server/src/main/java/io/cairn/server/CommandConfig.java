package io.cairn.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.cairn.broker.cluster.InterBrokerConnector;
import picocli.CommandLine.Option;

/**
 * The {@code --command-config FILE} option of Cairn's tools ({@code cluster-status}, {@code audit}, {@code explain},
 * {@code chaos}): Kafka client properties (security.protocol, ssl.*, sasl.*), as Kafka's tools take them, for the
 * Kafka clients a tool makes and for the connections it opens to one node itself. A picocli mixin.
 *
 * <p>Not thread-safe; read once by the command's thread.
 */
public final class CommandConfig {

    @Option(names = "--command-config", paramLabel = "FILE",
            description = "Kafka client properties for a secured listener (security.protocol, ssl.*, sasl.*), as "
                    + "Kafka's tools take them.")
    Path file;

    /** The file's properties, values trimmed; empty without the option. */
    public Map<String, Object> properties() throws IOException {
        Map<String, Object> client = new HashMap<>();
        if (file != null) {
            Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file)) {
                properties.load(in);
            }
            properties.forEach((key, value) -> client.put(key.toString(), value.toString().trim()));
        }
        return client;
    }

    /**
     * How to open one connection to a node's listener with these properties (TLS, SASL; plaintext without them).
     *
     * @throws org.apache.kafka.common.config.ConfigException naming the property at fault
     */
    public InterBrokerConnector connector() throws IOException {
        return ClientSecurity.connector(properties());
    }
}
