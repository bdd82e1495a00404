package io.cairn.broker.handlers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.cairn.broker.replica.Partition;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.message.DescribeLogDirsRequestData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsPartition;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsResult;
import org.apache.kafka.common.message.DescribeLogDirsResponseData.DescribeLogDirsTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.DescribeLogDirsRequest;

/**
 * DescribeLogDirs: the node's one data directory, with the size of each hosted partition and the disk's
 * total and usable bytes.
 *
 * <p>Thread-safe (stateless).
 */
public final class DescribeLogDirsHandler implements ApiHandler<DescribeLogDirsRequest> {

    private final ReplicaManager replicas;
    private final Path dataDir;

    public DescribeLogDirsHandler(ReplicaManager replicas, Path dataDir) {
        this.replicas = replicas;
        this.dataDir = dataDir;
    }

    @Override
    public ApiKeys apiKey() {
        return ApiKeys.DESCRIBE_LOG_DIRS;
    }

    @Override
    public CompletableFuture<ApiMessage> handle(RequestContext context, DescribeLogDirsRequest request) {
        DescribeLogDirsRequestData.DescribableLogDirTopicCollection wanted = request.data().topics();
        Map<String, DescribeLogDirsTopic> topics = new LinkedHashMap<>();
        replicas.partitions().stream()
                .sorted(Comparator.comparing(p -> p.topicPartition().toString()))
                .filter(p -> wanted == null || isWanted(wanted, p))
                .forEach(p -> topics.computeIfAbsent(p.topicPartition().topic(),
                                name -> new DescribeLogDirsTopic().setName(name))
                        .partitions().add(new DescribeLogDirsPartition()
                                .setPartitionIndex(p.topicPartition().partition())
                                .setPartitionSize(p.log().sizeInBytes())
                                .setOffsetLag(0)
                                .setIsFutureKey(false)));
        DescribeLogDirsResult result = new DescribeLogDirsResult()
                .setLogDir(dataDir.toAbsolutePath().normalize().toString())
                .setTopics(topics.values().stream().toList());
        try {
            var store = Files.getFileStore(dataDir);
            result.setTotalBytes(store.getTotalSpace()).setUsableBytes(store.getUsableSpace());
        } catch (IOException e) {
            result.setTotalBytes(-1).setUsableBytes(-1);
        }
        DescribeLogDirsResponseData response = new DescribeLogDirsResponseData();
        response.results().add(result);
        return CompletableFuture.completedFuture(response);
    }

    private static boolean isWanted(DescribeLogDirsRequestData.DescribableLogDirTopicCollection wanted, Partition p) {
        var topic = wanted.find(p.topicPartition().topic());
        return topic != null && topic.partitions().contains(p.topicPartition().partition());
    }
}
