package io.cairn.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code meta.properties} in a node's data directory, as in Apache Kafka: the node id and the cluster id the
 * data belongs to. Written once the node learns its cluster's id (no manual format step); checked at every
 * start, so a data directory of another cluster or another node is refused instead of silently mixed in.
 *
 * <p>Immutable value; the static methods do file I/O.
 */
public record MetaProperties(int nodeId, Optional<String> clusterId) {

    public static final String FILE_NAME = "meta.properties";

    public static Optional<MetaProperties> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        }
        String nodeId = p.getProperty("node.id");
        if (nodeId == null) {
            throw new IOException(file + " has no node.id");
        }
        try {
            return Optional.of(new MetaProperties(Integer.parseInt(nodeId.trim()),
                    Optional.ofNullable(p.getProperty("cluster.id")).map(String::trim)));
        } catch (NumberFormatException e) {
            throw new IOException(file + " has an invalid node.id '" + nodeId + "'");
        }
    }

    public void write(Path dataDir) throws IOException {
        Properties p = new Properties();
        p.setProperty("version", "1");
        p.setProperty("node.id", String.valueOf(nodeId));
        clusterId.ifPresent(id -> p.setProperty("cluster.id", id));
        Path file = dataDir.resolve(FILE_NAME);
        Path tmp = dataDir.resolve(FILE_NAME + ".tmp");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            p.store(out, "Written by Cairn; identifies the cluster and node this data belongs to");
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
