package io.cairn.broker.quota;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * Which quota applies to a client, and which clients share it, by Kafka's precedence (its default quota callback),
 * for one quota key:
 * <ol>
 *   <li>/config/users/&lt;user&gt;/clients/&lt;client-id&gt;</li>
 *   <li>/config/users/&lt;user&gt;/clients/&lt;default&gt;</li>
 *   <li>/config/users/&lt;user&gt;</li>
 *   <li>/config/users/&lt;default&gt;/clients/&lt;client-id&gt;</li>
 *   <li>/config/users/&lt;default&gt;/clients/&lt;default&gt;</li>
 *   <li>/config/users/&lt;default&gt;</li>
 *   <li>/config/clients/&lt;client-id&gt;</li>
 *   <li>/config/clients/&lt;default&gt;</li>
 * </ol>
 * The first entity holding the key gives the bound. Its level gives the share, as Kafka's metric tags: a user and
 * client-id level is measured per (user, client id), a user level per user (all its client ids together), a
 * client-id level per client id (all users together).
 *
 * <p>Thread-safe (stateless).
 */
public final class QuotaResolution {

    /**
     * The quota of a client.
     *
     * @param bound    the quota, per second
     * @param user     the user the rate is measured for, "" when it is shared by every user
     * @param clientId the client id the rate is measured for, "" when it is shared by every client id
     */
    public record Resolved(double bound, String user, String clientId) {
    }

    private QuotaResolution() {
    }

    /**
     * The quota {@code key} of the client ({@code user} being the principal's name, ANONYMOUS on an unauthenticated
     * listener), empty when no entity has it for this client.
     */
    public static Optional<Resolved> resolve(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key,
                                             String user, String clientId) {
        Double bound;
        if ((bound = find(quotas, key, user, clientId)) != null
                || (bound = find(quotas, key, user, null)) != null) {
            return Optional.of(new Resolved(bound, user, clientId));
        }
        if ((bound = find(quotas, key, user)) != null) {
            return Optional.of(new Resolved(bound, user, ""));
        }
        if ((bound = find(quotas, key, null, clientId)) != null
                || (bound = find(quotas, key, null, null)) != null) {
            return Optional.of(new Resolved(bound, user, clientId));
        }
        if ((bound = find(quotas, key, null)) != null) {
            return Optional.of(new Resolved(bound, user, ""));
        }
        if ((bound = findClient(quotas, key, clientId)) != null || (bound = findClient(quotas, key, null)) != null) {
            return Optional.of(new Resolved(bound, "", clientId));
        }
        return Optional.empty();
    }

    /** The key of the (user, client-id) entity; a null name is the type's default. */
    private static Double find(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key, String user,
                               String clientId) {
        Map<String, String> entity = new HashMap<>(2);
        entity.put(ClientQuotaEntity.USER, user);
        entity.put(ClientQuotaEntity.CLIENT_ID, clientId);
        return valueOf(quotas, key, entity);
    }

    private static Double find(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key, String user) {
        Map<String, String> entity = new HashMap<>(1);
        entity.put(ClientQuotaEntity.USER, user);
        return valueOf(quotas, key, entity);
    }

    private static Double findClient(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key,
                                     String clientId) {
        Map<String, String> entity = new HashMap<>(1);
        entity.put(ClientQuotaEntity.CLIENT_ID, clientId);
        return valueOf(quotas, key, entity);
    }

    private static Double valueOf(Map<ClientQuotaEntity, Map<String, Double>> quotas, String key,
                                  Map<String, String> entity) {
        Map<String, Double> values = quotas.get(new ClientQuotaEntity(entity));
        return values == null ? null : values.get(key);
    }
}
