package io.cairn.metadata;

import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.errors.UnsupportedVersionException;
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
import org.apache.kafka.common.security.auth.KafkaPrincipal;

/**
 * The single write path for metadata, as request handlers see it: every change is submitted here once
 * and is decided by the active controller (locally, or forwarded to it in a cluster). A future completes
 * after the records it wrote are committed and applied to the local image, so that a handler reading the
 * image right after sees its own change. Callers never check who leads.
 *
 * <p>Thread-safe. Futures complete on the metadata thread: callers must not block in their callbacks.
 */
public interface MetadataWriter {

    /** Creates topics atomically per topic (topic + partitions + leaders + ISR in one batch). */
    CompletableFuture<CreateTopicsResponseData> createTopics(CreateTopicsRequestData request);

    CompletableFuture<DeleteTopicsResponseData> deleteTopics(DeleteTopicsRequestData request);

    CompletableFuture<CreatePartitionsResponseData> createPartitions(CreatePartitionsRequestData request);

    CompletableFuture<IncrementalAlterConfigsResponseData> incrementalAlterConfigs(
            IncrementalAlterConfigsRequestData request);

    CompletableFuture<AlterConfigsResponseData> alterConfigs(AlterConfigsRequestData request);

    /**
     * Sets and deletes users' SCRAM credentials (AlterUserScramCredentials): per user, the result of its change.
     */
    CompletableFuture<AlterUserScramCredentialsResponseData> alterUserScramCredentials(
            AlterUserScramCredentialsRequestData request);

    /**
     * Sets and removes client quotas (AlterClientQuotas): per entity, the result of its change; nothing is written
     * when the request only validates.
     */
    CompletableFuture<AlterClientQuotasResponseData> alterClientQuotas(AlterClientQuotasRequestData request);

    /** Adds ACLs (CreateAcls): per creation, in request order, its result. */
    CompletableFuture<CreateAclsResponseData> createAcls(CreateAclsRequestData request);

    /** Deletes the ACLs each filter matches (DeleteAcls): per filter, the ACLs deleted. */
    CompletableFuture<DeleteAclsResponseData> deleteAcls(DeleteAclsRequestData request);

    /** Hands the broker a new block of producer ids. */
    CompletableFuture<ProducerIdBlock> allocateProducerIds(int brokerId);

    // Cluster operations, with Kafka's own broker-to-controller messages so that forwarding them between
    // nodes needs no new wire format. A single-node controller may leave them unimplemented.

    /** Registers a broker (BrokerRegistration): a new broker epoch; the broker starts fenced. */
    default CompletableFuture<BrokerRegistrationResponseData> registerBroker(BrokerRegistrationRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("BrokerRegistration"));
    }

    /**
     * Renews a broker's lease (BrokerHeartbeat); unfences it once caught up; moves its leadership away
     * when it wants to shut down.
     */
    default CompletableFuture<BrokerHeartbeatResponseData> brokerHeartbeat(BrokerHeartbeatRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("BrokerHeartbeat"));
    }

    /**
     * The network layer's report that the connection on which broker {@code brokerId} (of {@code brokerEpoch}) sent
     * its heartbeats here has closed: evidence for the controller that the broker may be gone (docs/adr/0020).
     * Nothing by default: a writer that holds no leases has no use for it.
     */
    default void heartbeatConnectionClosed(int brokerId, long brokerEpoch) {
    }

    /** A partition leader's ISR change (AlterPartition), checked against the partition epoch. */
    default CompletableFuture<AlterPartitionResponseData> alterPartition(AlterPartitionRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("AlterPartition"));
    }

    /**
     * Creates a delegation token (CreateDelegationToken, docs/adr/0034) for {@code requester}, the principal of the
     * client connection the request came in on; the answer carries the token's id and HMAC.
     */
    default CompletableFuture<CreateDelegationTokenResponseData> createDelegationToken(
            KafkaPrincipal requester, CreateDelegationTokenRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("CreateDelegationToken"));
    }

    /** Renews the delegation token of the request's HMAC, if {@code requester} owns it or may renew it. */
    default CompletableFuture<RenewDelegationTokenResponseData> renewDelegationToken(
            KafkaPrincipal requester, RenewDelegationTokenRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("RenewDelegationToken"));
    }

    /** Expires the delegation token of the request's HMAC (at once for a negative period), as renewal allows. */
    default CompletableFuture<ExpireDelegationTokenResponseData> expireDelegationToken(
            KafkaPrincipal requester, ExpireDelegationTokenRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("ExpireDelegationToken"));
    }

    /** Preferred (or unclean) leader election (ElectLeaders). */
    default CompletableFuture<ElectLeadersResponseData> electLeaders(ElectLeadersRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("ElectLeaders"));
    }

    /**
     * Raises finalized feature levels (UpdateFeatures, {@code kafka-features.sh upgrade}); Cairn's controller
     * finalizes {@code cairn.metadata.version} (docs/adr/0028).
     */
    default CompletableFuture<UpdateFeaturesResponseData> updateFeatures(UpdateFeaturesRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("UpdateFeatures"));
    }

    /**
     * Starts or cancels partition reassignments (AlterPartitionReassignments, KIP-455); they complete on their
     * own once the new replicas are in sync.
     */
    default CompletableFuture<AlterPartitionReassignmentsResponseData> alterPartitionReassignments(
            AlterPartitionReassignmentsRequestData request) {
        return CompletableFuture.failedFuture(new UnsupportedVersionException("AlterPartitionReassignments"));
    }
}
