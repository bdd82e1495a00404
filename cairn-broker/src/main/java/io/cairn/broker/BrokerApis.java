package io.cairn.broker;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

import io.cairn.broker.cluster.QuorumView;
import io.cairn.broker.group.GroupCoordinatorRuntime;
import io.cairn.broker.handlers.AclHandlers;
import io.cairn.broker.handlers.AlterConfigsHandlers;
import io.cairn.broker.handlers.AlterPartitionReassignmentsHandler;
import io.cairn.broker.handlers.ClientQuotasHandlers;
import io.cairn.broker.handlers.ClusterApiHandlers;
import io.cairn.broker.handlers.ConsumerGroupHandlers;
import io.cairn.broker.handlers.DelegationTokenHandlers;
import io.cairn.broker.handlers.DeleteGroupsHandler;
import io.cairn.broker.handlers.DeleteRecordsHandler;
import io.cairn.broker.handlers.DescribeClusterHandler;
import io.cairn.broker.handlers.DescribeConfigsHandler;
import io.cairn.broker.handlers.DescribeGroupsHandler;
import io.cairn.broker.handlers.DescribeLogDirsHandler;
import io.cairn.broker.handlers.DescribeProducersHandler;
import io.cairn.broker.handlers.DescribeQuorumHandler;
import io.cairn.broker.handlers.FetchHandler;
import io.cairn.broker.handlers.FindCoordinatorHandler;
import io.cairn.broker.handlers.ForwardingHandlers;
import io.cairn.broker.handlers.HeartbeatConnections;
import io.cairn.broker.handlers.HeartbeatHandler;
import io.cairn.broker.handlers.InitProducerIdHandler;
import io.cairn.broker.handlers.JoinGroupHandler;
import io.cairn.broker.handlers.LeaveGroupHandler;
import io.cairn.broker.handlers.ListGroupsHandler;
import io.cairn.broker.handlers.ListOffsetsHandler;
import io.cairn.broker.handlers.ListPartitionReassignmentsHandler;
import io.cairn.broker.handlers.MetadataHandler;
import io.cairn.broker.handlers.OffsetCommitHandler;
import io.cairn.broker.handlers.OffsetDeleteHandler;
import io.cairn.broker.handlers.OffsetFetchHandler;
import io.cairn.broker.handlers.OffsetForLeaderEpochHandler;
import io.cairn.broker.handlers.ProduceHandler;
import io.cairn.broker.handlers.SaslHandlers;
import io.cairn.broker.handlers.ScramCredentialsHandlers;
import io.cairn.broker.handlers.ServingBrokerWait;
import io.cairn.broker.handlers.SyncGroupHandler;
import io.cairn.broker.handlers.TransactionHandlers;
import io.cairn.broker.handlers.TxnOffsetCommitHandler;
import io.cairn.broker.quota.ClientQuotas;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.broker.security.Authorization;
import io.cairn.broker.security.RequestAuthorizer;
import io.cairn.broker.txn.TransactionConfig;
import io.cairn.broker.txn.TransactionCoordinator;
import io.cairn.broker.txn.TxnMarkerWriter;
import io.cairn.broker.txn.TxnVerifier;
import io.cairn.metadata.DelegationTokens;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.controller.ControllerSettings;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.protocol.ApiRegistry;
import io.cairn.protocol.RequestContext;

/**
 * The Kafka APIs a broker serves: one handler per API, collected in one registry. ApiVersions is derived
 * from it. Adding an API means adding its handler here, nothing else.
 */
public final class BrokerApis {

    private final ApiRegistry registry;

    /**
     * @param quorum the metadata quorum (controller id for Metadata/DescribeCluster, DescribeQuorum); null
     *               when there is none (unit tests over a bare controller)
     * @param brokerWait holds Metadata requests while the cluster has no broker to name
     * @param nodeDefaults the defaults of the node's own properties, which DescribeConfigs shows as DEFAULT_CONFIG
     */
    public BrokerApis(int nodeId, Supplier<MetadataImage> image, MetadataWriter writer, ReplicaManager replicas,
                      Path dataDir, boolean autoCreateTopics, Map<String, String> staticBrokerConfigs,
                      Map<String, String> nodeDefaults,
                      GroupCoordinatorRuntime groups, TransactionCoordinator txns, TxnMarkerWriter markers,
                      ProducerIdManager producerIds, TxnVerifier verifier, QuorumView quorum,
                      ServingBrokerWait brokerWait) {
        this(nodeId, image, writer, replicas, dataDir, autoCreateTopics, staticBrokerConfigs, nodeDefaults, groups,
                txns, markers, producerIds, verifier, quorum, brokerWait, AdvertisedEndpoints.REGISTERED,
                new ClientQuotas(image, org.apache.kafka.common.utils.Time.SYSTEM), RequestAuthorizer.none());
    }

    /**
     * @param endpoints the brokers' endpoints on each listener, told to clients by the listener they use
     * @param quotas     the client quotas: byte rates (Produce, Fetch), request time (every API), controller
     *                   mutations (CreateTopics, CreatePartitions, DeleteTopics)
     * @param authorizer checks every request against the ACLs of the image ({@code authorizer.class.name}); with
     *                   {@link RequestAuthorizer#none()} everything is allowed and the ACL APIs answer SECURITY_DISABLED
     */
    public BrokerApis(int nodeId, Supplier<MetadataImage> image, MetadataWriter writer, ReplicaManager replicas,
                      Path dataDir, boolean autoCreateTopics, Map<String, String> staticBrokerConfigs,
                      Map<String, String> nodeDefaults,
                      GroupCoordinatorRuntime groups, TransactionCoordinator txns, TxnMarkerWriter markers,
                      ProducerIdManager producerIds, TxnVerifier verifier, QuorumView quorum,
                      ServingBrokerWait brokerWait, AdvertisedEndpoints endpoints, ClientQuotas quotas,
                      RequestAuthorizer authorizer) {
        Function<RequestContext, MetadataWriter> routed = ClusterApiHandlers.routing(writer);
        IntSupplier controllerId = () -> {
            int leader = quorum == null ? -1 : quorum.leaderId();
            return leader >= 0 ? leader : image.get().controllerId();
        };
        ApiRegistry.Builder builder = ApiRegistry.builder()
                .add(new MetadataHandler(image, writer, autoCreateTopics, controllerId, brokerWait, endpoints))
                .add(quotas.produce(new ProduceHandler(image, replicas, verifier)))
                .add(quotas.fetch(new FetchHandler(image, replicas)))
                .add(new ListOffsetsHandler(image, replicas))
                .add(new OffsetForLeaderEpochHandler(replicas))
                .add(new InitProducerIdHandler(producerIds, txns))
                .add(new DescribeClusterHandler(image, controllerId, endpoints))
                .add(new DescribeConfigsHandler(nodeId, image, staticBrokerConfigs, nodeDefaults))
                .add(new DeleteRecordsHandler(image, replicas))
                .add(new DescribeLogDirsHandler(replicas, dataDir))
                .add(quotas.createTopics(ForwardingHandlers.createTopics(routed)))
                .add(quotas.deleteTopics(ForwardingHandlers.deleteTopics(routed)))
                .add(quotas.createPartitions(ForwardingHandlers.createPartitions(routed)))
                .add(AlterConfigsHandlers.legacy(nodeId, routed))
                .add(AlterConfigsHandlers.incremental(nodeId, routed))
                .add(ClusterApiHandlers.brokerRegistration(routed))
                .add(ClusterApiHandlers.brokerHeartbeat(routed, new HeartbeatConnections()))
                .add(ClusterApiHandlers.alterPartition(routed))
                .add(ClusterApiHandlers.updateFeatures(routed))
                .add(ClusterApiHandlers.electLeaders(routed))
                .add(ClusterApiHandlers.allocateProducerIds(routed))
                .add(new AlterPartitionReassignmentsHandler(routed))
                .add(new ListPartitionReassignmentsHandler(image))
                .add(new FindCoordinatorHandler(image, writer, groups.config(), txns.config(), endpoints))
                .add(TransactionHandlers.addPartitionsToTxn(txns, image))
                .add(TransactionHandlers.addOffsetsToTxn(txns))
                .add(TransactionHandlers.endTxn(txns))
                .add(TransactionHandlers.writeTxnMarkers(markers))
                .add(TransactionHandlers.describeTransactions(txns))
                .add(TransactionHandlers.listTransactions(txns))
                .add(new DescribeProducersHandler(image, replicas))
                .add(new JoinGroupHandler(groups))
                .add(new SyncGroupHandler(groups))
                .add(new HeartbeatHandler(groups))
                .add(new LeaveGroupHandler(groups))
                .add(new OffsetCommitHandler(groups, image))
                .add(new TxnOffsetCommitHandler(groups, verifier, image))
                .add(new OffsetFetchHandler(groups))
                .add(new OffsetDeleteHandler(groups))
                .add(new ListGroupsHandler(groups))
                .add(new DescribeGroupsHandler(groups))
                .add(new DeleteGroupsHandler(groups))
                .add(ScramCredentialsHandlers.alter(routed))
                .add(ScramCredentialsHandlers.describe(image))
                .add(DelegationTokenHandlers.create(routed))
                .add(DelegationTokenHandlers.renew(routed))
                .add(DelegationTokenHandlers.expire(routed))
                .add(DelegationTokenHandlers.describe(image, Optional.ofNullable(ControllerSettings
                        .fromBrokerConfigs(nodeId, staticBrokerConfigs).delegationTokenSecretKey())
                        .map(DelegationTokens::new)))
                .add(ClientQuotasHandlers.alter(routed))
                .add(ClientQuotasHandlers.describe(image))
                .add(AclHandlers.create(authorizer.enabled(), routed))
                .add(AclHandlers.describe(authorizer.enabled(), image))
                .add(AclHandlers.delete(authorizer.enabled(), routed))
                .add(SaslHandlers.handshake())
                .add(SaslHandlers.authenticate());
        if (groups.config().consumer().enabled()) {
            builder.add(ConsumerGroupHandlers.heartbeat(groups, context -> !authorizer.enabled() ? topic -> true
                    : topic -> authorizer.authorize(context, org.apache.kafka.common.acl.AclOperation.DESCRIBE,
                    org.apache.kafka.common.resource.ResourceType.TOPIC, topic))).add(ConsumerGroupHandlers.describe(groups));
        }
        // Kafka's group.version feature: 1 when the consumer group protocol (KIP-848) is served.
        builder.feature("group.version", new ApiRegistry.Feature((short) 0, (short) 1,
                (short) (groups.config().consumer().enabled() ? 1 : 0)));
        // Kafka's transaction.version feature (0..2 supported); at 2, Kafka 4.x clients use KIP-890 part 2.
        builder.feature(TransactionConfig.TRANSACTION_VERSION, new ApiRegistry.Feature((short) 0,
                TransactionConfig.LATEST_TRANSACTION_VERSION, txns.config().transactionVersion()));
        // Cairn's metadata format (docs/adr/0028): the levels this node reads, finalized as the image says; not
        // advertised by a node that plays the release before it (cairn.testing.metadata.format.max=1).
        ControllerSettings nodeSettings = ControllerSettings.fromBrokerConfigs(nodeId, staticBrokerConfigs);
        if (nodeSettings.registersMetadataVersions()) {
            MetadataFormat.Range supported = nodeSettings.supportedMetadataVersions();
            builder.feature(MetadataFormat.FEATURE_NAME, () -> new ApiRegistry.Feature(supported.min(),
                    supported.max(), image.get().metadataFormatFeatureLevel()));
            builder.featuresEpoch(() -> Math.max(0, image.get().offset()));
        }
        if (quorum != null) {
            builder.add(new DescribeQuorumHandler(quorum, image));
        }
        builder.decorate(Authorization.guard(authorizer, image, autoCreateTopics));
        builder.decorate(quotas.requestTime());
        this.registry = builder.build();
    }

    public ApiRegistry registry() {
        return registry;
    }
}
