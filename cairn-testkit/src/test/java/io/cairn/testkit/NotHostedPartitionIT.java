package io.cairn.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request for a partition that exists but has no replica on the node asked is answered NOT_LEADER_OR_FOLLOWER,
 * which sends the client back to the metadata; only a partition the cluster does not have is
 * UNKNOWN_TOPIC_OR_PARTITION (Kafka's ReplicaManager.getPartitionOrError). kafkajs's deleteRecords test found
 * DeleteRecords answering the second for the first.
 */
class NotHostedPartitionIT {

    @TempDir
    Path root;
    private CairnCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void deleteRecordsOnANodeWithoutAReplicaIsNotLeaderOrFollower() throws Exception {
        // given: a partition with its only replica on one of three nodes
        cluster = CairnCluster.start(root, 3, Map.of());
        try (Admin admin = cluster.admin(cluster.runningNodes().get(0))) {
            admin.createTopics(List.of(new NewTopic("single", 1, (short) 1))).all().get();
        }
        Awaitility.await("every node knows the leader of single-0").atMost(Duration.ofSeconds(30)).until(() ->
                cluster.runningNodes().stream().allMatch(id -> cluster.node(id).controller().current()
                        .topic("single").map(t -> t.partitions().get(0).leader() >= 0).orElse(false)));
        int leader = cluster.node(1).controller().current().topic("single").orElseThrow().partitions().get(0).leader();
        int other = cluster.runningNodes().stream().filter(id -> id != leader).findFirst().orElseThrow();

        // when: records are deleted through a node that has no replica, of that partition and of one that is not
        DeleteRecordsResponseData response = deleteRecords(cluster.node(other).port(), 0, 1);

        // then
        assertThat(errorOf(response, 0)).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
        assertThat(errorOf(response, 1)).isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }

    private static DeleteRecordsResponseData deleteRecords(int port, int... partitions) throws Exception {
        DeleteRecordsRequestData.DeleteRecordsTopic topic = new DeleteRecordsRequestData.DeleteRecordsTopic()
                .setName("single");
        for (int partition : partitions) {
            topic.partitions().add(new DeleteRecordsRequestData.DeleteRecordsPartition()
                    .setPartitionIndex(partition).setOffset(-1));
        }
        DeleteRecordsRequest request = new DeleteRecordsRequest.Builder(new DeleteRecordsRequestData()
                .setTopics(List.of(topic)).setTimeoutMs(5_000)).build((short) 2);
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "raw", 1);
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            ByteBuffer frame = request.serializeWithHeader(header);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            return (DeleteRecordsResponseData) AbstractResponse.parseResponse(ByteBuffer.wrap(bytes), header).data();
        }
    }

    private static Errors errorOf(DeleteRecordsResponseData response, int partition) {
        return Errors.forCode(response.topics().find("single").partitions().find(partition).errorCode());
    }
}
