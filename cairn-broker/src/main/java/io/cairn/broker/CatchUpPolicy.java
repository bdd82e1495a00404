package io.cairn.broker;

import java.util.EnumSet;
import java.util.Set;

import io.cairn.broker.cluster.InterBrokerChannel;
import io.cairn.protocol.KafkaRequest;
import io.cairn.protocol.ServingGate;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Which requests a node serves before it has caught up with the cluster metadata (its registration of this
 * incarnation applied to its image), and what the others are answered if it has not caught up within the
 * {@link ServingGate}'s bound. Served at once: ApiVersions, DescribeQuorum (this node's Raft member, not its
 * image), and what the controller must decide whatever this node's image (registrations, heartbeats,
 * AlterPartition and every request another node sends through its controller channel, forwarded metadata writes,
 * transaction markers and KIP-890 verifications, which a partition's or coordinator's current role answers):
 * a restarting controller must register the others, and itself, before it has caught up. Everything answered
 * from the image waits. A coordinator request (transactions included) that waits past the bound gets
 * COORDINATOR_NOT_AVAILABLE, which every client retries after looking the coordinator up again (a Java
 * transactional producer would treat REQUEST_TIMED_OUT on EndTxn as fatal).
 */
public final class CatchUpPolicy {

    private static final Set<ApiKeys> SERVED_BEFORE_CATCH_UP = EnumSet.of(ApiKeys.API_VERSIONS,
            ApiKeys.DESCRIBE_QUORUM, ApiKeys.BROKER_REGISTRATION, ApiKeys.BROKER_HEARTBEAT, ApiKeys.ALTER_PARTITION);
    private static final Set<ApiKeys> PARTITION_APIS = EnumSet.of(ApiKeys.METADATA, ApiKeys.PRODUCE, ApiKeys.FETCH,
            ApiKeys.LIST_OFFSETS, ApiKeys.OFFSET_FOR_LEADER_EPOCH, ApiKeys.DELETE_RECORDS);
    private static final Set<ApiKeys> COORDINATOR_APIS = EnumSet.of(ApiKeys.FIND_COORDINATOR, ApiKeys.JOIN_GROUP,
            ApiKeys.SYNC_GROUP, ApiKeys.HEARTBEAT, ApiKeys.LEAVE_GROUP, ApiKeys.OFFSET_COMMIT, ApiKeys.OFFSET_FETCH,
            ApiKeys.DESCRIBE_GROUPS, ApiKeys.LIST_GROUPS, ApiKeys.DELETE_GROUPS, ApiKeys.OFFSET_DELETE,
            ApiKeys.INIT_PRODUCER_ID, ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.END_TXN,
            ApiKeys.TXN_OFFSET_COMMIT, ApiKeys.DESCRIBE_TRANSACTIONS, ApiKeys.LIST_TRANSACTIONS);

    private CatchUpPolicy() {
    }

    /** A gate that holds what this policy holds, for at most {@code maxWaitMs}; {@code nodeId} for messages. */
    public static ServingGate gate(int nodeId, long maxWaitMs) {
        return new ServingGate(CatchUpPolicy::servedBeforeCatchUp, maxWaitMs, request -> notCaughtUp(nodeId, request));
    }

    static boolean servedBeforeCatchUp(KafkaRequest request) {
        return SERVED_BEFORE_CATCH_UP.contains(request.header().apiKey())
                || InterBrokerChannel.isForwarded(request.header().clientId());
    }

    /** A retriable error that sends the client elsewhere or back later: never a wrong answer. */
    static ApiException notCaughtUp(int nodeId, KafkaRequest request) {
        String message = "node " + nodeId + " has not caught up with the cluster metadata yet";
        ApiKeys key = request.header().apiKey();
        if (PARTITION_APIS.contains(key)) {
            return new NotLeaderOrFollowerException(message);
        }
        if (COORDINATOR_APIS.contains(key)) {
            return new CoordinatorNotAvailableException(message);
        }
        return new TimeoutException(message);
    }
}
