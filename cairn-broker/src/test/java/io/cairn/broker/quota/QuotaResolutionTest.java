package io.cairn.broker.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.junit.jupiter.api.Test;

class QuotaResolutionTest {

    private static final String KEY = "producer_byte_rate";

    /** Every level of Kafka's precedence, each with its own value: 1 (user and client id) .. 8 (default client). */
    private static Map<ClientQuotaEntity, Map<String, Double>> allLevels() {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = new HashMap<>();
        quotas.put(entity("alice", "app"), Map.of(KEY, 1.0));
        quotas.put(entity("alice", null), Map.of(KEY, 2.0));
        quotas.put(user("alice"), Map.of(KEY, 3.0));
        quotas.put(entity(null, "app"), Map.of(KEY, 4.0));
        quotas.put(entity(null, null), Map.of(KEY, 5.0));
        quotas.put(user(null), Map.of(KEY, 6.0));
        quotas.put(client("app"), Map.of(KEY, 7.0));
        quotas.put(client(null), Map.of(KEY, 8.0));
        return quotas;
    }

    @Test
    void theMostSpecificEntityWinsInKafkasOrder() {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = allLevels();
        double[] expected = {1, 2, 3, 4, 5, 6, 7, 8};
        ClientQuotaEntity[] levels = {entity("alice", "app"), entity("alice", null), user("alice"),
            entity(null, "app"), entity(null, null), user(null), client("app"), client(null)};
        for (int level = 0; level < levels.length; level++) {
            assertThat(QuotaResolution.resolve(quotas, KEY, "alice", "app")).map(QuotaResolution.Resolved::bound)
                    .contains(expected[level]);
            quotas.remove(levels[level]);
        }
        assertThat(QuotaResolution.resolve(quotas, KEY, "alice", "app")).isEmpty();
    }

    @Test
    void theLevelDecidesWhoSharesTheRate() {
        assertThat(QuotaResolution.resolve(Map.of(user("alice"), Map.of(KEY, 3.0)), KEY, "alice", "app"))
                .contains(new QuotaResolution.Resolved(3.0, "alice", ""));
        assertThat(QuotaResolution.resolve(Map.of(client(null), Map.of(KEY, 8.0)), KEY, "alice", "app"))
                .contains(new QuotaResolution.Resolved(8.0, "", "app"));
        assertThat(QuotaResolution.resolve(Map.of(entity(null, null), Map.of(KEY, 5.0)), KEY, "alice", "app"))
                .contains(new QuotaResolution.Resolved(5.0, "alice", "app"));
    }

    @Test
    void anotherKeyOrAnotherUserDoesNotApply() {
        Map<ClientQuotaEntity, Map<String, Double>> quotas = Map.of(user("bob"), Map.of(KEY, 1.0),
                user("alice"), Map.of("consumer_byte_rate", 1.0));
        assertThat(QuotaResolution.resolve(quotas, KEY, "alice", "app")).isEqualTo(Optional.empty());
    }

    private static ClientQuotaEntity entity(String user, String clientId) {
        Map<String, String> entries = new HashMap<>();
        entries.put(ClientQuotaEntity.USER, user);
        entries.put(ClientQuotaEntity.CLIENT_ID, clientId);
        return new ClientQuotaEntity(entries);
    }

    private static ClientQuotaEntity user(String user) {
        Map<String, String> entries = new HashMap<>();
        entries.put(ClientQuotaEntity.USER, user);
        return new ClientQuotaEntity(entries);
    }

    private static ClientQuotaEntity client(String clientId) {
        Map<String, String> entries = new HashMap<>();
        entries.put(ClientQuotaEntity.CLIENT_ID, clientId);
        return new ClientQuotaEntity(entries);
    }
}
