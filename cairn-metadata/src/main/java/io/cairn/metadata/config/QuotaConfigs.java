package io.cairn.metadata.config;

import java.util.Map;

/**
 * The client quota keys Kafka accepts, by entity type, with the type of their values: what AlterClientQuotas
 * validates against and what the brokers enforce. Users and client ids take {@value #PRODUCER_BYTE_RATE},
 * {@value #CONSUMER_BYTE_RATE} (whole bytes per second), {@value #REQUEST_PERCENTAGE} and
 * {@value #CONTROLLER_MUTATION_RATE}; ips take {@value #CONNECTION_CREATION_RATE} (whole connections per second).
 *
 * <p>Thread-safe (constants).
 */
public final class QuotaConfigs {

    public static final String PRODUCER_BYTE_RATE = "producer_byte_rate";
    public static final String CONSUMER_BYTE_RATE = "consumer_byte_rate";
    public static final String REQUEST_PERCENTAGE = "request_percentage";
    public static final String CONTROLLER_MUTATION_RATE = "controller_mutation_rate";
    public static final String CONNECTION_CREATION_RATE = "connection_creation_rate";

    /** Kafka's quota.window.num: the samples a rate is measured over. */
    public static final int QUOTA_WINDOW_NUM = 11;
    /** Kafka's quota.window.size.seconds: the length of each sample. */
    public static final int QUOTA_WINDOW_SIZE_SECONDS = 1;

    /** How a quota's value is checked: a whole number within a bound, or any positive double. */
    public enum ValueType {
        LONG(Long.MAX_VALUE, "a LONG"),
        INT(Integer.MAX_VALUE, "an INT"),
        DOUBLE(Double.MAX_VALUE, "a DOUBLE");

        private final double max;
        private final String article;

        ValueType(double max, String article) {
            this.max = max;
            this.article = article;
        }

        public double max() {
            return max;
        }

        /** "a LONG", "an INT": as Kafka's "too large for ..." message says it. */
        public String withArticle() {
            return article;
        }

        public boolean integral() {
            return this != DOUBLE;
        }
    }

    private static final Map<String, ValueType> USER_AND_CLIENT_ID = Map.of(
            PRODUCER_BYTE_RATE, ValueType.LONG,
            CONSUMER_BYTE_RATE, ValueType.LONG,
            REQUEST_PERCENTAGE, ValueType.DOUBLE,
            CONTROLLER_MUTATION_RATE, ValueType.DOUBLE);

    private static final Map<String, ValueType> IP = Map.of(CONNECTION_CREATION_RATE, ValueType.INT);

    private QuotaConfigs() {
    }

    /** The keys a user, client-id or user and client-id entity may have. */
    public static Map<String, ValueType> userAndClientIdKeys() {
        return USER_AND_CLIENT_ID;
    }

    /** The keys an ip entity may have. */
    public static Map<String, ValueType> ipKeys() {
        return IP;
    }
}
