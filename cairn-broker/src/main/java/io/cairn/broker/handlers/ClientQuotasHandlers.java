package io.cairn.broker.handlers;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.message.DescribeClientQuotasRequestData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntityData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.EntryData;
import org.apache.kafka.common.message.DescribeClientQuotasResponseData.ValueData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.AlterClientQuotasRequest;
import org.apache.kafka.common.requests.DescribeClientQuotasRequest;

/**
 * AlterClientQuotas, decided by the active controller (forwarded to it from any node, as every metadata write, and
 * answered once this node's image shows the change), and DescribeClientQuotas, answered from this node's image as
 * Kafka's brokers answer it from their metadata cache. These are what {@code kafka-configs --entity-type
 * users|clients|ips --alter --add-config producer_byte_rate=...} and {@code --describe} send.
 *
 * <p>Thread-safe (stateless).
 */
public final class ClientQuotasHandlers {

    private ClientQuotasHandlers() {
    }

    public static ApiHandler<AlterClientQuotasRequest> alter(Function<RequestContext, MetadataWriter> writer) {
        return new Alter(writer);
    }

    public static ApiHandler<DescribeClientQuotasRequest> describe(Supplier<MetadataImage> image) {
        return new Describe(image);
    }

    private record Alter(Function<RequestContext, MetadataWriter> writer) implements ApiHandler<AlterClientQuotasRequest> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.ALTER_CLIENT_QUOTAS;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, AlterClientQuotasRequest request) {
            return writer.apply(context).alterClientQuotas(request.data()).thenApply(response -> response);
        }
    }

    private record Describe(Supplier<MetadataImage> image) implements ApiHandler<DescribeClientQuotasRequest> {
        @Override
        public ApiKeys apiKey() {
            return ApiKeys.DESCRIBE_CLIENT_QUOTAS;
        }

        @Override
        public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeClientQuotasRequest request) {
            return CompletableFuture.completedFuture(describe(image.get(), request.data()));
        }
    }

    /**
     * The entities matching the request's filter, with their quotas. An entity matches when it has every exact
     * (name or default) and every specified component; with {@code strict}, when it has no other type either. A
     * malformed filter fails the whole request, as in Kafka: INVALID_REQUEST, or UNSUPPORTED_VERSION for an unknown
     * entity type.
     */
    static DescribeClientQuotasResponseData describe(MetadataImage image, DescribeClientQuotasRequestData request) {
        Map<String, String> exact = new HashMap<>();
        Set<String> specified = new HashSet<>();
        for (DescribeClientQuotasRequestData.ComponentData component : request.components()) {
            String type = component.entityType();
            if (type.isEmpty()) {
                throw new InvalidRequestException("Invalid empty entity type.");
            }
            if (exact.containsKey(type) || specified.contains(type)) {
                throw new InvalidRequestException("Entity type " + type + " cannot appear more than once in the filter.");
            }
            if (!type.equals(ClientQuotaEntity.IP) && !type.equals(ClientQuotaEntity.USER)
                    && !type.equals(ClientQuotaEntity.CLIENT_ID)) {
                throw new UnsupportedVersionException("Unsupported entity type " + type);
            }
            switch (component.matchType()) {
                case DescribeClientQuotasRequest.MATCH_TYPE_EXACT -> {
                    if (component.match() == null) {
                        throw new InvalidRequestException(
                                "Request specified MATCH_TYPE_EXACT, but set match string to null.");
                    }
                    exact.put(type, component.match());
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_DEFAULT -> {
                    if (component.match() != null) {
                        throw new InvalidRequestException(
                                "Request specified MATCH_TYPE_DEFAULT, but also specified a match string.");
                    }
                    exact.put(type, null);
                }
                case DescribeClientQuotasRequest.MATCH_TYPE_SPECIFIED -> {
                    if (component.match() != null) {
                        throw new InvalidRequestException(
                                "Request specified MATCH_TYPE_SPECIFIED, but also specified a match string.");
                    }
                    specified.add(type);
                }
                default -> throw new InvalidRequestException("Unknown match type " + component.matchType());
            }
        }
        boolean ip = exact.containsKey(ClientQuotaEntity.IP) || specified.contains(ClientQuotaEntity.IP);
        boolean userOrClient = exact.containsKey(ClientQuotaEntity.USER) || specified.contains(ClientQuotaEntity.USER)
                || exact.containsKey(ClientQuotaEntity.CLIENT_ID) || specified.contains(ClientQuotaEntity.CLIENT_ID);
        if (ip && userOrClient) {
            throw new InvalidRequestException("Invalid entity filter component combination. IP filter component "
                    + "should not be used with user or clientId filter component.");
        }
        DescribeClientQuotasResponseData response = new DescribeClientQuotasResponseData();
        image.clientQuotas().forEach((entity, quotas) -> {
            if (matches(entity.entries(), exact, specified, request.strict())) {
                EntryData entry = new EntryData();
                new TreeMap<>(entity.entries()).forEach((type, name) ->
                        entry.entity().add(new EntityData().setEntityType(type).setEntityName(name)));
                new TreeMap<>(quotas).forEach((key, value) ->
                        entry.values().add(new ValueData().setKey(key).setValue(value)));
                response.entries().add(entry);
            }
        });
        return response;
    }

    private static boolean matches(Map<String, String> entity, Map<String, String> exact, Set<String> specified,
                                   boolean strict) {
        if (strict && entity.size() != exact.size() + specified.size()) {
            return false;
        }
        for (Map.Entry<String, String> component : exact.entrySet()) {
            if (!entity.containsKey(component.getKey())
                    || !Objects.equals(entity.get(component.getKey()), component.getValue())) {
                return false;
            }
        }
        return entity.keySet().containsAll(specified);
    }
}
