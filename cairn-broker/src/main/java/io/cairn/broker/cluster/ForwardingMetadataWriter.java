package io.cairn.broker.cluster;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.cairn.broker.Schedulers;
import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.ProducerIdBlock;
import io.cairn.metadata.acl.Acl;
import io.cairn.metadata.record.MetadataFormat;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.message.AllocateProducerIdsRequestData;
import org.apache.kafka.common.message.AllocateProducerIdsResponseData;
import org.apache.kafka.common.message.AlterClientQuotasRequestData;
import org.apache.kafka.common.message.AlterClientQuotasResponseData;
import org.apache.kafka.common.message.AlterConfigsRequestData;
import org.apache.kafka.common.message.AlterConfigsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionRequestData;
import org.apache.kafka.common.message.AlterPartitionResponseData;
import org.apache.kafka.common.message.AlterUserScramCredentialsRequestData;
import org.apache.kafka.common.message.AlterUserScramCredentialsResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.message.CreateAclsRequestData;
import org.apache.kafka.common.message.CreateAclsResponseData;
import org.apache.kafka.common.message.CreateDelegationTokenRequestData;
import org.apache.kafka.common.message.CreateDelegationTokenResponseData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.DeleteAclsRequestData;
import org.apache.kafka.common.message.DeleteAclsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ExpireDelegationTokenRequestData;
import org.apache.kafka.common.message.ExpireDelegationTokenResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.RenewDelegationTokenRequestData;
import org.apache.kafka.common.message.RenewDelegationTokenResponseData;
import org.apache.kafka.common.message.UpdateFeaturesRequestData;
import org.apache.kafka.common.message.UpdateFeaturesResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.AllocateProducerIdsRequest;
import org.apache.kafka.common.requests.AlterPartitionRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.BrokerRegistrationRequest;
import org.apache.kafka.common.requests.CreateAclsRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.DeleteAclsResponse;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.server.util.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link MetadataWriter} every handler of a node uses: each operation goes to the active controller —
 * this node's own controller when this node leads the metadata Raft group, otherwise the leader's Kafka
 * listener (found through the leader's broker registration in the image), as Kafka's own request message —
 * and its answer comes back. While there is no reachable active controller (an election, a restart, a
 * broken connection, NOT_CONTROLLER from a controller that just lost leadership) it retries with backoff
 * until the operation's timeout, then fails with the retriable REQUEST_TIMED_OUT. Callers never see
 * NOT_CONTROLLER.
 *
 * <p>Thread-safe. Futures complete on the metadata apply thread, a channel reader thread or the scheduler.
 */
public final class ForwardingMetadataWriter implements MetadataWriter {

    private static final Logger LOG = LoggerFactory.getLogger(ForwardingMetadataWriter.class);
    private static final long MIN_BACKOFF_MS = 25;
    private static final long MAX_BACKOFF_MS = 500;
    private static final long CATCH_UP_MS = 3000;
    /** How often an outstanding attempt looks whether the metadata quorum has elected another leader. */
    private static final long CONTROLLER_CHECK_MS = 50;
    private static final long DEFAULT_ATTEMPT_TIMEOUT_MS = 5000;

    private final int nodeId;
    private final String logPrefix;
    private final MetadataWriter local;
    private final IntSupplier controllerId;
    private final Supplier<MetadataImage> image;
    private final NodeChannel channel;
    private final Scheduler scheduler;
    private final Time time;
    private final long defaultTimeoutMs;
    private final long attemptTimeoutMs;
    private volatile CompletableFuture<?> ready = CompletableFuture.completedFuture(null);

    /**
     * @param local        this node's controller (decides only while active; NOT_CONTROLLER otherwise)
     * @param controllerId the current metadata Raft leader's node id, -1 when unknown
     */
    public ForwardingMetadataWriter(int nodeId, MetadataWriter local, IntSupplier controllerId,
                                    Supplier<MetadataImage> image, NodeChannel channel,
                                    Scheduler scheduler, Time time, long defaultTimeoutMs) {
        this(nodeId, local, controllerId, image, channel, scheduler, time, defaultTimeoutMs,
                DEFAULT_ATTEMPT_TIMEOUT_MS);
    }

    /** @param attemptTimeoutMs the longest one attempt at one controller may take before it is tried again */
    ForwardingMetadataWriter(int nodeId, MetadataWriter local, IntSupplier controllerId,
                             Supplier<MetadataImage> image, NodeChannel channel,
                             Scheduler scheduler, Time time, long defaultTimeoutMs,
                             long attemptTimeoutMs) {
        this.attemptTimeoutMs = attemptTimeoutMs;
        this.nodeId = nodeId;
        this.logPrefix = "[node " + nodeId + "] ";
        this.local = local;
        this.controllerId = controllerId;
        this.image = image;
        this.channel = channel;
        this.scheduler = scheduler;
        this.time = time;
        this.defaultTimeoutMs = defaultTimeoutMs;
    }

    /** The local controller, for requests another node already forwarded here. */
    public MetadataWriter local() {
        return local;
    }

    @Override
    public CompletableFuture<CreateTopicsResponseData> createTopics(CreateTopicsRequestData request) {
        return gated("CreateTopics", timeout(request.timeoutMs()), w -> w.createTopics(request),
                () -> new CreateTopicsRequest.Builder(request), r -> (CreateTopicsResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> response.topics().stream()
                        .filter(t -> t.errorCode() == Errors.NONE.code())
                        .allMatch(t -> img.topic(t.name()).isPresent())));
    }

    @Override
    public CompletableFuture<DeleteTopicsResponseData> deleteTopics(DeleteTopicsRequestData request) {
        return gated("DeleteTopics", timeout(request.timeoutMs()), w -> w.deleteTopics(request),
                () -> new DeleteTopicsRequest.Builder(request), r -> (DeleteTopicsResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> response.responses().stream()
                        .filter(t -> t.errorCode() == Errors.NONE.code() && t.name() != null)
                        .noneMatch(t -> img.topic(t.name()).isPresent())));
    }

    @Override
    public CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request) {
        return gated("CreatePartitions", timeout(request.timeoutMs()), w -> w.createPartitions(request),
                () -> new CreatePartitionsRequest.Builder(request), r -> (CreatePartitionsResponseData) r.data());
    }

    @Override
    public CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            IncrementalAlterConfigsRequestData request) {
        return gated("IncrementalAlterConfigs", defaultTimeoutMs, w -> w.incrementalAlterConfigs(request),
                () -> new IncrementalAlterConfigsRequest.Builder(request),
                r -> (IncrementalAlterConfigsResponseData) r.data());
    }

    @Override
    public CompletableFuture<AlterUserScramCredentialsResponseData> alterUserScramCredentials(
            AlterUserScramCredentialsRequestData request) {
        return gated("AlterUserScramCredentials", defaultTimeoutMs, w -> w.alterUserScramCredentials(request),
                () -> new DataRequestBuilder(ApiKeys.ALTER_USER_SCRAM_CREDENTIALS, request),
                r -> (AlterUserScramCredentialsResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> scramVisible(img, request, response)));
    }

    /**
     * CreateDelegationToken, forwarded with the requester in {@link ForwardedPrincipal}; answered once this node's
     * image holds the token, so that the client can log in with it here at once.
     */
    @Override
    public CompletableFuture<CreateDelegationTokenResponseData> createDelegationToken(
            KafkaPrincipal requester, CreateDelegationTokenRequestData request) {
        return gated("CreateDelegationToken", defaultTimeoutMs, w -> w.createDelegationToken(requester, request),
                () -> new DataRequestBuilder(ApiKeys.CREATE_DELEGATION_TOKEN,
                        ForwardedPrincipal.write(request.duplicate(), requester)),
                r -> (CreateDelegationTokenResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> response.errorCode() != Errors.NONE.code()
                        || img.delegationTokens().containsKey(response.tokenId())));
    }

    @Override
    public CompletableFuture<RenewDelegationTokenResponseData> renewDelegationToken(
            KafkaPrincipal requester, RenewDelegationTokenRequestData request) {
        return gated("RenewDelegationToken", defaultTimeoutMs, w -> w.renewDelegationToken(requester, request),
                () -> new DataRequestBuilder(ApiKeys.RENEW_DELEGATION_TOKEN,
                        ForwardedPrincipal.write(request.duplicate(), requester)),
                r -> (RenewDelegationTokenResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> tokenExpiryVisible(img, response.errorCode(),
                        response.expiryTimestampMs())));
    }

    @Override
    public CompletableFuture<ExpireDelegationTokenResponseData> expireDelegationToken(
            KafkaPrincipal requester, ExpireDelegationTokenRequestData request) {
        return gated("ExpireDelegationToken", defaultTimeoutMs, w -> w.expireDelegationToken(requester, request),
                () -> new DataRequestBuilder(ApiKeys.EXPIRE_DELEGATION_TOKEN,
                        ForwardedPrincipal.write(request.duplicate(), requester)),
                r -> (ExpireDelegationTokenResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> tokenExpiryVisible(img, response.errorCode(),
                        response.expiryTimestampMs())));
    }

    /**
     * Whether {@code img} shows a renewal or expiry the controller accepted: some token has that expiry. An expiry
     * at once (negative) is not waited for: the answer names no token.
     */
    private static boolean tokenExpiryVisible(MetadataImage img, short errorCode, long expiryTimestampMs) {
        return errorCode != Errors.NONE.code() || expiryTimestampMs < 0 || img.delegationTokens().values().stream()
                .anyMatch(t -> t.expiryTimestamp() == expiryTimestampMs);
    }

    @Override
    public CompletableFuture<AlterClientQuotasResponseData> alterClientQuotas(AlterClientQuotasRequestData request) {
        return gated("AlterClientQuotas", defaultTimeoutMs, w -> w.alterClientQuotas(request),
                () -> new DataRequestBuilder(ApiKeys.ALTER_CLIENT_QUOTAS, request),
                r -> (AlterClientQuotasResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> quotasVisible(img, request, response)));
    }

    /** The quotas of the entities this request changed successfully are as it asked in the image. */
    private static boolean quotasVisible(MetadataImage img, AlterClientQuotasRequestData request,
                                         AlterClientQuotasResponseData response) {
        if (request.validateOnly()) {
            return true;
        }
        java.util.Set<ClientQuotaEntity> changed = new java.util.HashSet<>();
        response.entries().stream().filter(e -> e.errorCode() == Errors.NONE.code()).forEach(e -> {
            Map<String, String> entity = new java.util.HashMap<>();
            e.entity().forEach(d -> entity.put(d.entityType(), d.entityName()));
            changed.add(new ClientQuotaEntity(entity));
        });
        return request.entries().stream().allMatch(entry -> {
            Map<String, String> entries = new java.util.HashMap<>();
            entry.entity().forEach(d -> entries.put(d.entityType(), d.entityName()));
            ClientQuotaEntity entity = new ClientQuotaEntity(entries);
            Map<String, Double> quotas = img.clientQuotas().getOrDefault(entity, Map.of());
            return !changed.contains(entity) || entry.ops().stream().allMatch(op -> op.remove()
                    ? !quotas.containsKey(op.key()) : Double.valueOf(op.value()).equals(quotas.get(op.key())));
        });
    }

    /** The credentials this request set or deleted successfully are so in the image. */
    private static boolean scramVisible(MetadataImage img, AlterUserScramCredentialsRequestData request,
                                        AlterUserScramCredentialsResponseData response) {
        java.util.Set<String> changed = new java.util.HashSet<>();
        response.results().stream().filter(r -> r.errorCode() == Errors.NONE.code())
                .forEach(r -> changed.add(r.user()));
        return request.upsertions().stream().filter(u -> changed.contains(u.name())).allMatch(u ->
                        img.scramCredential(u.name(), org.apache.kafka.clients.admin.ScramMechanism
                                .fromType(u.mechanism()).mechanismName()).isPresent())
                && request.deletions().stream().filter(d -> changed.contains(d.name())).allMatch(d ->
                        img.scramCredential(d.name(), org.apache.kafka.clients.admin.ScramMechanism
                                .fromType(d.mechanism()).mechanismName()).isEmpty());
    }

    @Override
    public CompletableFuture<CreateAclsResponseData> createAcls(CreateAclsRequestData request) {
        return gated("CreateAcls", defaultTimeoutMs, w -> w.createAcls(request),
                () -> new DataRequestBuilder(ApiKeys.CREATE_ACLS, request), r -> (CreateAclsResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> {
                    for (int i = 0; i < response.results().size(); i++) {
                        if (response.results().get(i).errorCode() == Errors.NONE.code() && !img.acls().contains(
                                Acl.fromBinding(CreateAclsRequest.aclBinding(request.creations().get(i))))) {
                            return false;
                        }
                    }
                    return true;
                }));
    }

    @Override
    public CompletableFuture<DeleteAclsResponseData> deleteAcls(DeleteAclsRequestData request) {
        return gated("DeleteAcls", defaultTimeoutMs, w -> w.deleteAcls(request),
                () -> new DataRequestBuilder(ApiKeys.DELETE_ACLS, request), r -> (DeleteAclsResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> response.filterResults().stream()
                        .flatMap(f -> f.matchingAcls().stream())
                        .noneMatch(m -> img.acls().contains(Acl.fromBinding(DeleteAclsResponse.aclBinding(m))))));
    }

    @Override
    public CompletableFuture<AlterConfigsResponseData> alterConfigs(AlterConfigsRequestData request) {
        return gated("AlterConfigs", defaultTimeoutMs, w -> w.alterConfigs(request),
                () -> new DataRequestBuilder(ApiKeys.ALTER_CONFIGS, request), r -> (AlterConfigsResponseData) r.data());
    }

    @Override
    public CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId) {
        BrokerImage broker = image.get().brokers().get(brokerId);
        AllocateProducerIdsRequestData request = new AllocateProducerIdsRequestData()
                .setBrokerId(brokerId).setBrokerEpoch(broker == null ? -1 : broker.epoch());
        return gated("AllocateProducerIds", defaultTimeoutMs, w -> w.allocateProducerIds(brokerId),
                () -> new AllocateProducerIdsRequest.Builder(request), r -> {
                    AllocateProducerIdsResponseData data = (AllocateProducerIdsResponseData) r.data();
                    if (data.errorCode() != Errors.NONE.code()) {
                        throw Errors.forCode(data.errorCode()).exception();
                    }
                    return new ProducerIdBlock(brokerId, data.producerIdStart(), data.producerIdLen());
                });
    }

    @Override
    public CompletableFuture<BrokerRegistrationResponseData> registerBroker(BrokerRegistrationRequestData request) {
        return route("BrokerRegistration", defaultTimeoutMs, w -> w.registerBroker(request),
                () -> new BrokerRegistrationRequest.Builder(request), r -> (BrokerRegistrationResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> response.errorCode() != Errors.NONE.code()
                        || (img.brokers().get(request.brokerId()) != null
                        && img.brokers().get(request.brokerId()).epoch() >= response.brokerEpoch())));
    }

    @Override
    public CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(BrokerHeartbeatRequestData request) {
        return route("BrokerHeartbeat", defaultTimeoutMs, w -> w.brokerHeartbeat(request),
                () -> new BrokerHeartbeatRequest.Builder(request), r -> (BrokerHeartbeatResponseData) r.data());
    }

    @Override
    public CompletableFuture<AlterPartitionResponseData> alterPartition(AlterPartitionRequestData request) {
        return route("AlterPartition", defaultTimeoutMs, w -> w.alterPartition(request),
                () -> new AlterPartitionRequest.Builder(request), r -> (AlterPartitionResponseData) r.data());
    }

    @Override
    public CompletableFuture<ElectLeadersResponseData> electLeaders(ElectLeadersRequestData request) {
        return gated("ElectLeaders", timeout(request.timeoutMs()), w -> w.electLeaders(request),
                () -> new DataRequestBuilder(ApiKeys.ELECT_LEADERS, request), r -> (ElectLeadersResponseData) r.data());
    }

    @Override
    public CompletableFuture<UpdateFeaturesResponseData> updateFeatures(UpdateFeaturesRequestData request) {
        return gated("UpdateFeatures", timeout(request.timeoutMs()), w -> w.updateFeatures(request),
                () -> new DataRequestBuilder(ApiKeys.UPDATE_FEATURES, request), r -> (UpdateFeaturesResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> response.errorCode() != Errors.NONE.code()
                        || request.validateOnly() || request.featureUpdates().stream()
                        .filter(u -> MetadataFormat.FEATURE_NAME.equals(u.feature()))
                        .allMatch(u -> img.metadataFormatFeatureLevel() >= u.maxVersionLevel())));
    }

    @Override
    public CompletableFuture<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            AlterPartitionReassignmentsRequestData request) {
        return gated("AlterPartitionReassignments", timeout(request.timeoutMs()),
                w -> w.alterPartitionReassignments(request),
                () -> new DataRequestBuilder(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, request),
                r -> (AlterPartitionReassignmentsResponseData) r.data())
                .thenCompose(response -> caughtUp(response, img -> reassignmentsVisible(img, request, response)));
    }

    /** Whether {@code img} shows every reassignment the controller accepted (started, completed or cancelled). */
    private static boolean reassignmentsVisible(MetadataImage img, AlterPartitionReassignmentsRequestData request,
                                                AlterPartitionReassignmentsResponseData response) {
        for (AlterPartitionReassignmentsResponseData.ReassignableTopicResponse t : response.responses()) {
            for (AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse p : t.partitions()) {
                if (p.errorCode() != Errors.NONE.code()) {
                    continue;
                }
                java.util.List<Integer> target = request.topics().stream()
                        .filter(rt -> rt.name().equals(t.name())).flatMap(rt -> rt.partitions().stream())
                        .filter(rp -> rp.partitionIndex() == p.partitionIndex()).findFirst()
                        .map(AlterPartitionReassignmentsRequestData.ReassignablePartition::replicas).orElse(null);
                io.cairn.metadata.PartitionImage partition = img.topic(t.name())
                        .map(topic -> topic.partitions().get(p.partitionIndex())).orElse(null);
                if (partition == null) {
                    continue;
                }
                if (target == null ? partition.isReassigning() : !partition.replicas().containsAll(target)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * A forwarded write completes when the controller applied it; this node's image may trail by a few
     * milliseconds. Wait (bounded) until it shows the change, so the caller reads its own write here too.
     */
    private <T> CompletableFuture<T> caughtUp(T response, java.util.function.Predicate<MetadataImage> visible) {
        if (visible.test(image.get())) {
            return CompletableFuture.completedFuture(response);
        }
        CompletableFuture<T> done = new CompletableFuture<>();
        long deadline = time.milliseconds() + CATCH_UP_MS;
        Runnable[] poll = new Runnable[1];
        poll[0] = () -> {
            if (visible.test(image.get()) || time.milliseconds() >= deadline
                    || stopped(scheduler.scheduleOnce("metadata-catch-up", poll[0], 5))) {
                done.complete(response);
            }
        };
        poll[0].run();
        return done;
    }

    private long timeout(int requestTimeoutMs) {
        return requestTimeoutMs <= 0 ? defaultTimeoutMs : Math.max(1000, Math.min(requestTimeoutMs, defaultTimeoutMs));
    }

    /**
     * Client-facing changes wait until this broker is registered (bounded by their timeout): a node that is
     * not yet part of the cluster would otherwise have a controller decide against an empty broker list.
     */
    public void gateClientWritesOn(CompletableFuture<?> registered) {
        this.ready = registered;
    }

    private <T> CompletableFuture<T> gated(String name, long timeoutMs,
                                           Function<MetadataWriter, CompletableFuture<T>> localCall,
                                           Supplier<AbstractRequest.Builder<?>> remoteRequest,
                                           Function<AbstractResponse, T> remoteResponse) {
        CompletableFuture<?> gate = ready;
        if (gate.isDone()) {
            return route(name, timeoutMs, localCall, remoteRequest, remoteResponse);
        }
        long start = time.milliseconds();
        return Schedulers.orTimeout(scheduler, "registration-gate", gate, timeoutMs)
                .handle((v, e) -> e)
                .thenCompose(e -> e != null
                        ? CompletableFuture.<T>failedFuture(new TimeoutException(name
                                + " timed out: this node has not joined the cluster yet"))
                        : route(name, Math.max(1, timeoutMs - (time.milliseconds() - start)), localCall,
                                remoteRequest, remoteResponse));
    }

    private <T> CompletableFuture<T> route(String name, long timeoutMs,
                                           Function<MetadataWriter, CompletableFuture<T>> localCall,
                                           Supplier<AbstractRequest.Builder<?>> remoteRequest,
                                           Function<AbstractResponse, T> remoteResponse) {
        CompletableFuture<T> result = new CompletableFuture<>();
        new Attempt<>(name, time.milliseconds() + timeoutMs, localCall, remoteRequest, remoteResponse, result)
                .run();
        return result;
    }

    /** One operation's attempts until it is answered or its deadline passes. */
    private final class Attempt<T> implements Runnable {
        private final String name;
        private final long deadlineMs;
        private final Function<MetadataWriter, CompletableFuture<T>> localCall;
        private final Supplier<AbstractRequest.Builder<?>> remoteRequest;
        private final Function<AbstractResponse, T> remoteResponse;
        private final CompletableFuture<T> result;
        private long backoffMs = MIN_BACKOFF_MS;
        private int attempts;
        private String lastProblem = "no controller known yet";

        Attempt(String name, long deadlineMs, Function<MetadataWriter, CompletableFuture<T>> localCall,
                Supplier<AbstractRequest.Builder<?>> remoteRequest, Function<AbstractResponse, T> remoteResponse,
                CompletableFuture<T> result) {
            this.name = name;
            this.deadlineMs = deadlineMs;
            this.localCall = localCall;
            this.remoteRequest = remoteRequest;
            this.remoteResponse = remoteResponse;
            this.result = result;
        }

        @Override
        public void run() {
            try {
                attempt();
            } catch (RuntimeException e) {
                LOG.warn("{}{} could not be sent to the controller", logPrefix, name, e);
                result.completeExceptionally(e);
            }
        }

        private void attempt() {
            attempts++;
            int controller = controllerId.getAsInt();
            long remainingMs = deadlineMs - time.milliseconds();
            if (controller < 0) {
                retry("no metadata Raft leader", true);
                return;
            }
            CompletableFuture<T> attempt;
            InetSocketAddress remote = null;
            if (controller == nodeId) {
                attempt = localCall.apply(local);
            } else {
                BrokerImage broker = image.get().brokers().get(controller);
                if (broker == null) {
                    retry("controller " + controller + " has no registered listener yet", true);
                    return;
                }
                remote = new InetSocketAddress(broker.host(), broker.port());
                attempt = channel.send(remote, remoteRequest.get())
                        .thenApply(response -> {
                            if (response.errorCounts().containsKey(Errors.NOT_CONTROLLER)) {
                                throw new NotControllerException("node " + controller + " is no longer controller");
                            }
                            return remoteResponse.apply(response);
                        });
            }
            // A controller that lost leadership may park the call (broker registrations), and a controller that
            // hangs with its connections open (paused, partitioned) never answers: bound each attempt, and give
            // it up as soon as the metadata quorum has another leader (as Kafka's brokers drop their connection
            // to a controller that is no longer active).
            CompletableFuture<T> bounded = attempt.copy(); // fail this attempt only, not the call it made
            abandonOnControllerChange(bounded, controller, remote);
            long attemptMs = Math.max(1, Math.min(remainingMs, attemptTimeoutMs));
            Schedulers.orTimeout(scheduler, "controller-attempt", bounded, attemptMs)
                    .whenComplete((value, error) -> {
                        Throwable cause = unwrap(error);
                        if (cause == null) {
                            result.complete(value);
                        } else if (cause instanceof NotControllerException || cause instanceof NetworkException
                                || cause instanceof java.util.concurrent.TimeoutException) {
                            // Cheap to retry at once when the problem is here or the quorum has a new leader.
                            retry("controller " + controller + ": " + cause,
                                    controller == nodeId || leaderMovedFrom(controller));
                        } else {
                            result.completeExceptionally(cause);
                        }
                    });
        }

        /**
         * Fails {@code attempt} with the retriable NOT_CONTROLLER once the metadata Raft leader is known to be
         * another node than {@code controller}: the retry goes to the new one. An operation the old controller
         * committed just before may then be answered by the new one as a duplicate (TOPIC_ALREADY_EXISTS), as
         * with Kafka when a controller fails over. The connections to a remote {@code controller} are dropped
         * then, as Kafka's brokers drop theirs to a controller that is no longer active: whatever else waits
         * there is answered (and retried) too, instead of waiting at, or being kept for, a node that may never
         * answer.
         */
        private void abandonOnControllerChange(CompletableFuture<T> attempt, int controller,
                                               InetSocketAddress remote) {
            Runnable check = () -> {
                if (!attempt.isDone() && leaderMovedFrom(controller)) {
                    attempt.completeExceptionally(new NotControllerException("the active controller moved from "
                            + controller + " to " + controllerId.getAsInt()));
                    if (remote != null) {
                        channel.disconnect(remote);
                    }
                }
            };
            // A stopped scheduler ignores it: shutting down, the attempt's own bound still applies.
            ScheduledFuture<?> watch = scheduler.schedule("controller-watch", check, CONTROLLER_CHECK_MS,
                    CONTROLLER_CHECK_MS);
            attempt.whenComplete((v, e) -> watch.cancel(false));
        }

        /** Whether the metadata quorum is known to be led by another node than {@code controller} now. */
        private boolean leaderMovedFrom(int controller) {
            int current = controllerId.getAsInt();
            return current >= 0 && current != controller;
        }

        /**
         * Tries again after the backoff. {@code local}: the problem is this node's own state (no leader known
         * yet, the leader's listener not in the image yet, this node's controller not active yet), which
         * costs nothing to look at again: then the shortest backoff, so that an operation goes out as soon
         * as the controller is ready (a node's registration right after its own election). Problems of a
         * remote controller back off exponentially.
         */
        private void retry(String problem, boolean local) {
            lastProblem = problem;
            long now = time.milliseconds();
            long delayMs = local ? MIN_BACKOFF_MS : backoffMs;
            if (now + delayMs >= deadlineMs) {
                LOG.info("{}{} found no active controller after {} attempts: {}", logPrefix, name, attempts,
                        lastProblem);
                result.completeExceptionally(new TimeoutException(name + " timed out waiting for the active "
                        + "controller (" + lastProblem + ")"));
                return;
            }
            LOG.debug("{}{}: retrying in {} ms ({})", logPrefix, name, delayMs, problem);
            if (stopped(scheduler.scheduleOnce("controller-retry", this, delayMs))) {
                result.completeExceptionally(new NotControllerException("node " + nodeId + " is shutting down"));
                return;
            }
            if (!local) {
                backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
            }
        }
    }

    /**
     * Whether the scheduler was stopped when {@code scheduled} was handed to it: Kafka's scheduler then ignores
     * the task and returns a future that is cancelled already (a task it accepted is not, until cancelled).
     */
    private static boolean stopped(ScheduledFuture<?> scheduled) {
        return scheduled.isCancelled();
    }

    private static Throwable unwrap(Throwable error) {
        while (error instanceof CompletionException && error.getCause() != null) {
            error = error.getCause();
        }
        return error;
    }
}
