package io.cairn.broker.group;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * One member of a classic group: its protocols, timeouts, assignment and the join or sync request it has
 * parked while a rebalance is under way.
 *
 * <p>Not thread-safe; confined to the shard's event loop.
 */
final class GroupMember {

    String memberId;
    final String groupInstanceId;
    String clientId;
    String clientHost;
    int rebalanceTimeoutMs;
    int sessionTimeoutMs;
    String protocolType;
    /** Protocol name -> subscription metadata, in the member's order of preference. */
    Map<String, byte[]> protocols;
    byte[] assignment = new byte[0];
    CompletableFuture<JoinGroupResponseData> awaitingJoin;
    CompletableFuture<SyncGroupResponseData> awaitingSync;

    GroupMember(String memberId, String groupInstanceId, String clientId, String clientHost, int rebalanceTimeoutMs,
                int sessionTimeoutMs, String protocolType, Map<String, byte[]> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.protocolType = protocolType;
        this.protocols = new LinkedHashMap<>(protocols);
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    byte[] metadata(String protocol) {
        byte[] metadata = protocols.get(protocol);
        return metadata == null ? new byte[0] : metadata;
    }

    boolean sameProtocols(Map<String, byte[]> other) {
        if (!protocols.keySet().equals(other.keySet()) || !protocols.keySet().stream().toList()
                .equals(other.keySet().stream().toList())) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : protocols.entrySet()) {
            if (!java.util.Arrays.equals(e.getValue(), other.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
