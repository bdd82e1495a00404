package io.cairn.metadata.controller;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.config.QuotaConfigs;
import io.cairn.metadata.config.QuotaConfigs.ValueType;
import io.cairn.metadata.record.ClientQuotaRecord;
import io.cairn.metadata.record.MetadataRecord;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.EntryData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData.OpData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.ApiError;

/**
 * Decides AlterClientQuotas as Kafka's controller (ClientQuotaControlManager) does. Per entity: not empty, each
 * type once and one of {@code user}, {@code client-id}, {@code ip}, no empty name (a null name is the type's
 * default); an ip entity alone and naming a valid address or resolvable host; each key once, known for the entity's
 * types ({@link QuotaConfigs}) and its value positive, whole for the integral keys and within their type. An entity
 * named twice in one request is refused the second time ("Ignoring duplicate entity"). Setting a quota to the value
 * it has and removing one the entity does not have write nothing. Every error is INVALID_REQUEST with Kafka's
 * message; valid entities are written in one batch, unless the request only validates.
 *
 * <p>Stateless; a pure function of the image and the request.
 */
final class ClientQuotaControl {

    private ClientQuotaControl() {
    }

    static ControllerResult<AlterClientQuotasResponseData> alterClientQuotas(MetadataImage image,
                                                                             AlterClientQuotasRequestData request) {
        List<MetadataRecord> records = new ArrayList<>();
        Map<ClientQuotaEntity, ApiError> results = new LinkedHashMap<>();
        for (EntryData entry : request.entries()) {
            Map<String, String> entityMap = new HashMap<>();
            entry.entity().forEach(e -> entityMap.put(e.entityType(), e.entityName()));
            ClientQuotaEntity entity = new ClientQuotaEntity(entityMap);
            // a value of null removes the key
            Map<String, Double> alterations = new HashMap<>();
            for (OpData op : entry.ops()) {
                if (alterations.containsKey(op.key())) {
                    results.put(entity, invalid("Duplicate quota key " + op.key()
                            + " not updating quota for this entity " + entity));
                } else {
                    alterations.put(op.key(), op.remove() ? null : op.value());
                }
            }
            if (results.containsKey(entity)) {
                results.put(entity, invalid("Ignoring duplicate entity " + entity));
                continue;
            }
            List<MetadataRecord> entityRecords = new ArrayList<>();
            ApiError error = alterEntity(image, entry, entity, alterations, entityRecords);
            results.put(entity, error);
            if (error.isSuccess()) {
                records.addAll(entityRecords);
            }
        }
        AlterClientQuotasResponseData response = new AlterClientQuotasResponseData();
        results.forEach((entity, error) -> {
            AlterClientQuotasResponseData.EntryData result = new AlterClientQuotasResponseData.EntryData()
                    .setErrorCode(error.error().code()).setErrorMessage(error.isFailure() ? error.message() : null);
            entity.entries().forEach((type, name) -> result.entity().add(
                    new AlterClientQuotasResponseData.EntityData().setEntityType(type).setEntityName(name)));
            response.entries().add(result);
        });
        return ControllerResult.of(request.validateOnly() ? List.of() : records, response);
    }

    private static ApiError alterEntity(MetadataImage image, EntryData entry, ClientQuotaEntity entity,
                                        Map<String, Double> alterations, List<MetadataRecord> records) {
        Map<String, String> validated = new HashMap<>();
        ApiError error = validateEntity(entry, validated);
        if (error.isFailure()) {
            return error;
        }
        Map<String, ValueType> keys = new HashMap<>();
        error = keysOf(validated, keys);
        if (error.isFailure()) {
            return error;
        }
        Map<String, Double> current = image.clientQuotas().getOrDefault(entity, Map.of());
        for (Map.Entry<String, Double> alteration : alterations.entrySet()) {
            String key = alteration.getKey();
            Double value = alteration.getValue();
            if (value == null) {
                if (current.containsKey(key)) {
                    records.add(ClientQuotaRecord.remove(validated, key));
                }
                continue;
            }
            error = validateValue(keys, key, value);
            if (error.isFailure()) {
                return error;
            }
            if (!Objects.equals(current.get(key), value)) {
                records.add(ClientQuotaRecord.set(validated, key, value));
            }
        }
        return ApiError.NONE;
    }

    private static ApiError validateEntity(EntryData entry, Map<String, String> validated) {
        if (entry.entity().isEmpty()) {
            return invalid("Invalid empty client quota entity");
        }
        for (AlterClientQuotasRequestData.EntityData data : entry.entity()) {
            String type = data.entityType();
            if (validated.containsKey(type)) {
                return invalid("Invalid client quota entity, duplicate entity entry " + type);
            }
            if (!ClientQuotaEntity.USER.equals(type) && !ClientQuotaEntity.CLIENT_ID.equals(type)
                    && !ClientQuotaEntity.IP.equals(type)) {
                return invalid("Unhandled client quota entity type: " + type);
            }
            validated.put(type, data.entityName());
            if (data.entityName() != null && data.entityName().isEmpty()) {
                return invalid("Empty " + type + " not supported");
            }
        }
        return ApiError.NONE;
    }

    /** The keys the entity's combination of types allows. */
    private static ApiError keysOf(Map<String, String> entity, Map<String, ValueType> keys) {
        boolean user = entity.containsKey(ClientQuotaEntity.USER);
        boolean clientId = entity.containsKey(ClientQuotaEntity.CLIENT_ID);
        if (entity.containsKey(ClientQuotaEntity.IP)) {
            if (user || clientId) {
                // sic: Kafka's message lacks the space
                return invalid("Invalid quota entity combination, IP entity should"
                        + "not be combined with User or ClientId");
            }
            String ip = entity.get(ClientQuotaEntity.IP);
            if (!validIp(ip)) {
                return invalid(ip + " is not a valid IP or resolvable host.");
            }
            keys.putAll(QuotaConfigs.ipKeys());
        } else if (user || clientId) {
            keys.putAll(QuotaConfigs.userAndClientIdKeys());
        } else {
            return invalid("Invalid empty client quota entity");
        }
        return ApiError.NONE;
    }

    private static boolean validIp(String ip) {
        if (ip == null) {
            return true;
        }
        try {
            InetAddress.getByName(ip);
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static ApiError validateValue(Map<String, ValueType> keys, String key, double value) {
        ValueType type = keys.get(key);
        if (type == null) {
            return invalid("Invalid configuration key " + key);
        }
        if (value <= 0.0) {
            return invalid("Quota " + key + " must be greater than 0");
        }
        if (!type.integral()) {
            return ApiError.NONE;
        }
        if (value > type.max()) {
            return invalid("Proposed value for " + key + " is too large for " + type.withArticle() + ".");
        }
        if (Math.abs(value % 1.0) > 1e-6) {
            return invalid(key + " cannot be a fractional value.");
        }
        return ApiError.NONE;
    }

    private static ApiError invalid(String message) {
        return new ApiError(Errors.INVALID_REQUEST, message);
    }
}
