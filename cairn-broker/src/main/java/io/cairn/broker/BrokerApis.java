package io.cairn.broker;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;

import io.cairn.broker.handlers.DeleteRecordsHandler;
import io.cairn.broker.handlers.DescribeClusterHandler;
import io.cairn.broker.handlers.DescribeConfigsHandler;
import io.cairn.broker.handlers.DescribeLogDirsHandler;
import io.cairn.broker.handlers.FetchHandler;
import io.cairn.broker.handlers.ForwardingHandlers;
import io.cairn.broker.handlers.InitProducerIdHandler;
import io.cairn.broker.handlers.ListOffsetsHandler;
import io.cairn.broker.handlers.MetadataHandler;
import io.cairn.broker.handlers.OffsetForLeaderEpochHandler;
import io.cairn.broker.handlers.ProduceHandler;
import io.cairn.broker.replica.ReplicaManager;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.protocol.ApiRegistry;

/**
 * The Kafka APIs a broker serves: one handler per API, collected in one registry. ApiVersions is derived
 * from it. Adding an API means adding its handler here, nothing else.
 */
public final class BrokerApis {

    private final ApiRegistry registry;

    public BrokerApis(int nodeId, Supplier<MetadataImage> image, MetadataWriter writer, ReplicaManager replicas,
                      Path dataDir, boolean autoCreateTopics, Map<String, String> staticBrokerConfigs) {
        this.registry = ApiRegistry.builder()
                .add(new MetadataHandler(image, writer, autoCreateTopics))
                .add(new ProduceHandler(image, replicas))
                .add(new FetchHandler(image, replicas))
                .add(new ListOffsetsHandler(image, replicas))
                .add(new OffsetForLeaderEpochHandler(replicas))
                .add(new InitProducerIdHandler(new ProducerIdManager(nodeId, writer)))
                .add(new DescribeClusterHandler(image))
                .add(new DescribeConfigsHandler(nodeId, image, staticBrokerConfigs))
                .add(new DeleteRecordsHandler(replicas))
                .add(new DescribeLogDirsHandler(replicas, dataDir))
                .add(ForwardingHandlers.createTopics(writer))
                .add(ForwardingHandlers.deleteTopics(writer))
                .add(ForwardingHandlers.createPartitions(writer))
                .add(ForwardingHandlers.alterConfigs(writer))
                .add(ForwardingHandlers.incrementalAlterConfigs(writer))
                .build();
    }

    public ApiRegistry registry() {
        return registry;
    }
}
