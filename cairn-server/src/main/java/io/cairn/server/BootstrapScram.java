package io.cairn.server;

import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.cairn.metadata.record.UserScramCredentialRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.common.security.scram.internals.ScramMechanism;

/**
 * The SCRAM credentials a new cluster starts with ({@value CairnConfig#BOOTSTRAP_SCRAM_CREDENTIALS}, or
 * {@code cairn start --add-scram}), in the syntax of Kafka's {@code kafka-storage format --add-scram}:
 * {@code SCRAM-SHA-256=[name=admin,password=admin-secret]}, optionally with {@code iterations=8192} (Kafka's
 * default 4096), several entries separated by commas; a value may be double-quoted to hold commas or brackets.
 * Each password is salted and hashed here by kafka-clients' {@link ScramFormatter}; only the derived keys go into
 * the metadata log.
 *
 * <p>Stateless; thread-safe.
 */
final class BootstrapScram {

    static final int DEFAULT_ITERATIONS = 4096;

    private BootstrapScram() {
    }

    /** @throws ConfigException naming the property, for a malformed entry, mechanism or iteration count */
    static List<UserScramCredentialRecord> parse(String value) {
        List<UserScramCredentialRecord> records = new ArrayList<>();
        if (value == null || value.isBlank()) {
            return records;
        }
        for (String entry : split(value.trim(), ',')) {
            records.add(credential(entry.trim()));
        }
        return records;
    }

    private static UserScramCredentialRecord credential(String entry) {
        int equals = entry.indexOf('=');
        if (equals < 0 || !entry.endsWith("]") || entry.indexOf('[') != equals + 1) {
            throw invalid(entry, "expected MECHANISM=[name=...,password=...]");
        }
        String mechanismName = entry.substring(0, equals).trim();
        ScramMechanism mechanism = ScramMechanism.forMechanismName(mechanismName);
        if (mechanism == null) {
            throw invalid(entry, "unknown mechanism " + mechanismName + " (SCRAM-SHA-256 or SCRAM-SHA-512)");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String field : split(entry.substring(equals + 2, entry.length() - 1), ',')) {
            int at = field.indexOf('=');
            if (at < 0) {
                throw invalid(entry, "expected key=value, found " + field);
            }
            fields.put(field.substring(0, at).trim(), unquote(field.substring(at + 1).trim()));
        }
        String name = fields.get("name");
        String password = fields.get("password");
        if (name == null || name.isEmpty() || password == null) {
            throw invalid(entry, "name and password are required");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(fields.getOrDefault("iterations", String.valueOf(DEFAULT_ITERATIONS)));
        } catch (NumberFormatException e) {
            throw invalid(entry, "iterations is not a number");
        }
        if (iterations < mechanism.minIterations() || iterations > mechanism.maxIterations()) {
            throw invalid(entry, "iterations must be between " + mechanism.minIterations() + " and "
                    + mechanism.maxIterations());
        }
        try {
            ScramCredential credential = new ScramFormatter(mechanism).generateCredential(password, iterations);
            return new UserScramCredentialRecord(name, mechanism.mechanismName(), credential.salt(),
                    credential.storedKey(), credential.serverKey(), iterations);
        } catch (NoSuchAlgorithmException e) {
            throw invalid(entry, "no " + mechanism.hashAlgorithm() + " in this JVM");
        }
    }

    /** Splits on a separator outside brackets and double quotes. */
    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        boolean quoted = false;
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (!quoted && c == '[') {
                depth++;
            } else if (!quoted && c == ']') {
                depth--;
            } else if (!quoted && depth == 0 && c == separator) {
                parts.add(text.substring(start, i));
                start = i + 1;
            }
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static String unquote(String value) {
        return value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                ? value.substring(1, value.length() - 1) : value;
    }

    /** Names the entry by its mechanism and user only: the password stays out of the message. */
    private static ConfigException invalid(String entry, String why) {
        int password = entry.indexOf("password=");
        String shown = password < 0 ? entry : entry.substring(0, password) + "password=...]";
        return new ConfigException(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS + ": " + why + " in " + shown);
    }
}
