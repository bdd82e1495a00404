package io.cairn.metadata.record;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import org.apache.kafka.common.quota.ClientQuotaEntity;

/**
 * Sets or removes one quota of one client quota entity, as Kafka's record of the same name: the entity is a map of
 * entity type ({@code user}, {@code client-id}, {@code ip}) to name, a null name being that type's default
 * ({@code --entity-default}); the key is a quota ({@code producer_byte_rate}, {@code consumer_byte_rate}, ...).
 * Removing a quota the entity does not have is a no-op.
 *
 * @param value  the quota; ignored when {@code remove}
 * @param remove whether the quota is removed rather than set
 */
public record ClientQuotaRecord(ClientQuotaEntity entity, String key, double value, boolean remove)
        implements MetadataRecord {

    public ClientQuotaRecord {
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(key, "key");
        // a record is immutable: its entity keeps a copy of the map it was given (names may be null)
        entity = new ClientQuotaEntity(Collections.unmodifiableMap(new HashMap<>(entity.entries())));
    }

    /** A record setting {@code key} to {@code value} for the entity of {@code entries}. */
    public static ClientQuotaRecord set(Map<String, String> entries, String key, double value) {
        return new ClientQuotaRecord(new ClientQuotaEntity(entries), key, value, false);
    }

    /** A record removing {@code key} from the entity of {@code entries}. */
    public static ClientQuotaRecord remove(Map<String, String> entries, String key) {
        return new ClientQuotaRecord(new ClientQuotaEntity(entries), key, 0, true);
    }
}
