package io.cairn.broker.quota;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.TopicImage;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.utils.Time;

/**
 * CreateTopics, CreatePartitions and DeleteTopics under {@code controller_mutation_rate} (KIP-599), as Kafka's
 * ControllerApis and ReplicationControlManager: each topic's partitions (created, added or deleted) are taken from
 * the client's bucket in request order. With a strict quota (CreateTopics v6+, CreatePartitions v3+, DeleteTopics
 * v5+) a topic met while the bucket is below zero is not mutated and is answered THROTTLING_QUOTA_EXCEEDED, the others
 * go through; the response carries the throttle time. Older versions are mutated whole and throttled. Either way
 * the connection stops reading for the throttle time (KIP-219).
 *
 * <p>Kafka takes the tokens on the controller, after a topic's own checks. Cairn's controller is reached through
 * forwarding that does not carry the client's principal, so the node the client is connected to takes them, before
 * forwarding: a topic the image shows cannot be mutated (it exists, for a create; it does not, for a delete or a
 * partition increase; a name twice) is not counted, and the partitions of a topic the controller then refuses are given
 * back. A validate-only request counts nothing. A request forwarded by another node was counted there.
 *
 * <p>Thread-safe (each request has its own {@link ControllerMutationQuotaManager.Mutations}).
 */
final class ControllerMutationQuotaHandler<R extends AbstractRequest> extends QuotaDecorator<R> {

    private static final String THROTTLED_MESSAGE = Errors.THROTTLING_QUOTA_EXCEEDED.message();

    /** How one API's topics are counted, refused and answered. */
    private interface Api<R extends AbstractRequest> {
        /** The first version with a strict quota. */
        short strictSince();

        /**
         * Takes each topic's partitions from {@code mutations}, removes the refused topics from the request, and
         * returns the topics taken with their partitions, and the answers of those refused.
         */
        Charged charge(R request, MetadataImage image, ControllerMutationQuotaManager.Mutations mutations,
                       long nowMs);

        /** The names of the topics of the response whose mutation failed. */
        Set<String> failed(ApiMessage response);

        /** Adds the answers of the refused topics to the response. */
        void addRefused(ApiMessage response, List<Object> refused);

        /** The response to a request all of whose topics were refused. */
        ApiMessage allRefused(List<Object> refused);
    }

    /**
     * @param taken   the partitions taken, by topic
     * @param refused the answers of the topics refused (and removed from the request)
     * @param left    topics are left in the request for the controller to decide
     */
    private record Charged(Map<String, Integer> taken, List<Object> refused, boolean left) {
    }

    private final Api<R> api;
    private final ControllerMutationQuotaManager quota;
    private final Supplier<MetadataImage> image;
    private final Time time;
    private final LongConsumer throttled;
    private final Predicate<RequestContext> forwarded;

    private ControllerMutationQuotaHandler(ApiHandler<R> handler, Api<R> api, ControllerMutationQuotaManager quota,
                                           Supplier<MetadataImage> image, Time time, LongConsumer throttled,
                                           Predicate<RequestContext> forwarded) {
        super(handler);
        this.api = api;
        this.quota = quota;
        this.image = image;
        this.time = time;
        this.throttled = throttled;
        this.forwarded = forwarded;
    }




    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, R request) {
        if (forwarded.test(context)) {
            return handler.handle(context, request);
        }
        ControllerMutationQuotaManager.Mutations mutations = quota.mutations(context.principal(), context.clientId(),
                request.version() >= api.strictSince());
        if (!mutations.bounded()) {
            return handler.handle(context, request);
        }
        long nowMs = time.milliseconds();
        Charged charged = api.charge(request, image.get(), mutations, nowMs);
        CompletableFuture<ApiMessage> answer = charged.left() ? handler.handle(context, request)
                : CompletableFuture.completedFuture(api.allRefused(charged.refused()));
        return answer.thenApply(response -> {
            long doneMs = time.milliseconds();
            for (String name : api.failed(response)) {
                Integer partitions = charged.taken().get(name);
                if (partitions != null) {
                    mutations.unrecord(partitions, doneMs);
                }
            }
            if (!charged.refused().isEmpty() && charged.left()) {
                api.addRefused(response, charged.refused());
            }
            long throttleTimeMs = mutations.throttleTimeMs(doneMs);
            if (throttleTimeMs > 0 && throttleTimeMs > ThrottleTimes.get(response)) {
                throttled.accept(throttleTimeMs);
                context.connection().throttle(throttleTimeMs);
                ThrottleTimes.set(response, throttleTimeMs);
            }
            return response;
        });
    }

    static ApiHandler<CreateTopicsRequest> createTopics(ApiHandler<CreateTopicsRequest> handler,
                                                        ControllerMutationQuotaManager quota,
                                                        Supplier<MetadataImage> image, IntSupplier defaultPartitions,
                                                        Time time, LongConsumer throttled,
                                                        Predicate<RequestContext> forwarded) {
        return new ControllerMutationQuotaHandler<>(handler, new CreateTopics(defaultPartitions), quota, image, time,
                throttled, forwarded);
    }

    static ApiHandler<DeleteTopicsRequest> deleteTopics(ApiHandler<DeleteTopicsRequest> handler,
                                                        ControllerMutationQuotaManager quota,
                                                        Supplier<MetadataImage> image, Time time,
                                                        LongConsumer throttled, Predicate<RequestContext> forwarded) {
        return new ControllerMutationQuotaHandler<>(handler, new DeleteTopics(), quota, image, time, throttled,
                forwarded);
    }

    static ApiHandler<CreatePartitionsRequest> createPartitions(ApiHandler<CreatePartitionsRequest> handler,
                                                                ControllerMutationQuotaManager quota,
                                                                Supplier<MetadataImage> image, Time time,
                                                                LongConsumer throttled,
                                                                Predicate<RequestContext> forwarded) {
        return new ControllerMutationQuotaHandler<>(handler, new CreatePartitions(), quota, image, time, throttled,
                forwarded);
    }

    /** CreateTopics: a topic's partitions, as given, from its assignments, or num.partitions (-1). */
    private record CreateTopics(IntSupplier defaultPartitions) implements Api<CreateTopicsRequest> {

        @Override
        public short strictSince() {
            return 6;
        }

        @Override
        public Charged charge(CreateTopicsRequest request, MetadataImage image,
                              ControllerMutationQuotaManager.Mutations mutations, long nowMs) {
            Map<String, Integer> taken = new HashMap<>();
            List<Object> refused = new ArrayList<>();
            if (request.data().validateOnly()) {
                return new Charged(taken, refused, true);
            }
            Set<String> seen = new HashSet<>();
            List<CreatableTopic> removed = new ArrayList<>();
            for (CreatableTopic topic : request.data().topics()) {
                int partitions = !topic.assignments().isEmpty() ? topic.assignments().size()
                        : topic.numPartitions() == -1 ? defaultPartitions.getAsInt() : topic.numPartitions();
                if (!seen.add(topic.name()) || image.topic(topic.name()).isPresent() || partitions <= 0) {
                    continue; // the controller refuses it
                }
                if (mutations.tryRecord(partitions, nowMs)) {
                    taken.put(topic.name(), partitions);
                } else {
                    removed.add(topic);
                    refused.add(new CreatableTopicResult().setName(topic.name())
                            .setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code()).setErrorMessage(THROTTLED_MESSAGE));
                }
            }
            removed.forEach(request.data().topics()::remove);
            return new Charged(taken, refused, !request.data().topics().isEmpty() || refused.isEmpty());
        }

        @Override
        public Set<String> failed(ApiMessage response) {
            Set<String> failed = new HashSet<>();
            ((CreateTopicsResponseData) response).topics().forEach(t -> {
                if (t.errorCode() != Errors.NONE.code()) {
                    failed.add(t.name());
                }
            });
            return failed;
        }

        @Override
        public void addRefused(ApiMessage response, List<Object> refused) {
            refused.forEach(r -> ((CreateTopicsResponseData) response).topics().add((CreatableTopicResult) r));
        }

        @Override
        public ApiMessage allRefused(List<Object> refused) {
            CreateTopicsResponseData response = new CreateTopicsResponseData();
            addRefused(response, refused);
            return response;
        }
    }

    /** DeleteTopics: every partition of a topic the image has, by name (and, from v6, by id). */
    private record DeleteTopics() implements Api<DeleteTopicsRequest> {

        @Override
        public short strictSince() {
            return 5;
        }

        @Override
        public Charged charge(DeleteTopicsRequest request, MetadataImage image,
                              ControllerMutationQuotaManager.Mutations mutations, long nowMs) {
            Map<String, Integer> taken = new HashMap<>();
            List<Object> refused = new ArrayList<>();
            if (request.version() < 6) {
                List<String> removed = new ArrayList<>();
                for (String name : request.data().topicNames()) {
                    Optional<TopicImage> topic = image.topic(name);
                    if (topic.isPresent() && !taken.containsKey(name)) {
                        if (mutations.tryRecord(topic.get().partitions().size(), nowMs)) {
                            taken.put(name, topic.get().partitions().size());
                        } else {
                            removed.add(name);
                            refused.add(refusal(name, topic.get().id()));
                        }
                    }
                }
                request.data().topicNames().removeAll(removed);
                return new Charged(taken, refused, !request.data().topicNames().isEmpty() || refused.isEmpty());
            } else {
                List<DeleteTopicState> removed = new ArrayList<>();
                for (DeleteTopicState state : request.data().topics()) {
                    Optional<TopicImage> topic = state.name() != null ? image.topic(state.name())
                            : image.topic(state.topicId());
                    if (topic.isPresent() && !taken.containsKey(topic.get().name())) {
                        if (mutations.tryRecord(topic.get().partitions().size(), nowMs)) {
                            taken.put(topic.get().name(), topic.get().partitions().size());
                        } else {
                            removed.add(state);
                            refused.add(refusal(topic.get().name(), topic.get().id()));
                        }
                    }
                }
                request.data().topics().removeAll(removed);
                return new Charged(taken, refused, !request.data().topics().isEmpty() || refused.isEmpty());
            }
        }

        private static DeletableTopicResult refusal(String name, Uuid id) {
            return new DeletableTopicResult().setName(name).setTopicId(id)
                    .setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code()).setErrorMessage(THROTTLED_MESSAGE);
        }

        @Override
        public Set<String> failed(ApiMessage response) {
            Set<String> failed = new HashSet<>();
            ((DeleteTopicsResponseData) response).responses().forEach(t -> {
                if (t.errorCode() != Errors.NONE.code() && t.name() != null) {
                    failed.add(t.name());
                }
            });
            return failed;
        }

        @Override
        public void addRefused(ApiMessage response, List<Object> refused) {
            refused.forEach(r -> ((DeleteTopicsResponseData) response).responses().add((DeletableTopicResult) r));
        }

        @Override
        public ApiMessage allRefused(List<Object> refused) {
            DeleteTopicsResponseData response = new DeleteTopicsResponseData();
            addRefused(response, refused);
            return response;
        }
    }

    /** CreatePartitions: the partitions a topic the image has gains. */
    private record CreatePartitions() implements Api<CreatePartitionsRequest> {

        @Override
        public short strictSince() {
            return 3;
        }

        @Override
        public Charged charge(CreatePartitionsRequest request, MetadataImage image,
                              ControllerMutationQuotaManager.Mutations mutations, long nowMs) {
            Map<String, Integer> taken = new HashMap<>();
            List<Object> refused = new ArrayList<>();
            if (request.data().validateOnly()) {
                return new Charged(taken, refused, true);
            }
            List<CreatePartitionsTopic> removed = new ArrayList<>();
            for (CreatePartitionsTopic topic : request.data().topics()) {
                Optional<TopicImage> current = image.topic(topic.name());
                int added = current.map(t -> topic.count() - t.partitions().size()).orElse(0);
                if (added <= 0 || taken.containsKey(topic.name())) {
                    continue; // the controller refuses it
                }
                if (mutations.tryRecord(added, nowMs)) {
                    taken.put(topic.name(), added);
                } else {
                    removed.add(topic);
                    refused.add(new CreatePartitionsTopicResult().setName(topic.name())
                            .setErrorCode(Errors.THROTTLING_QUOTA_EXCEEDED.code()).setErrorMessage(THROTTLED_MESSAGE));
                }
            }
            removed.forEach(request.data().topics()::remove);
            return new Charged(taken, refused, !request.data().topics().isEmpty() || refused.isEmpty());
        }

        @Override
        public Set<String> failed(ApiMessage response) {
            Set<String> failed = new HashSet<>();
            ((CreatePartitionsResponseData) response).results().forEach(t -> {
                if (t.errorCode() != Errors.NONE.code()) {
                    failed.add(t.name());
                }
            });
            return failed;
        }

        @Override
        public void addRefused(ApiMessage response, List<Object> refused) {
            refused.forEach(r -> ((CreatePartitionsResponseData) response).results()
                    .add((CreatePartitionsTopicResult) r));
        }

        @Override
        public ApiMessage allRefused(List<Object> refused) {
            CreatePartitionsResponseData response = new CreatePartitionsResponseData();
            addRefused(response, refused);
            return response;
        }
    }
}
