package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.DescribeAclsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every advertised API answers at every advertised version (an empty request), and the data path APIs
 * answer correctly at every version with real data: a field set at a version that cannot carry it would
 * otherwise break one client generation silently.
 */
class EveryVersionIT {

    @TempDir
    static Path dataDir;
    static TestNode node;
    static Uuid topicId;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("versions", 1, (short) 1))).all().get();
            topicId = admin.describeTopics(List.of("versions")).allTopicNames().get().get("versions").topicId();
        }
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            producer.send(new ProducerRecord<>("versions", "k", "v")).get();
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void everyAdvertisedApiAnswersAnEmptyRequestAtEveryVersion() throws Exception {
        ApiVersionsResponseData advertised = (ApiVersionsResponseData) call(
                new ApiVersionsRequest.Builder().build((short) 3));
        assertThat(advertised.apiKeys()).isNotEmpty();
        for (ApiVersionsResponseData.ApiVersion api : advertised.apiKeys()) {
            ApiKeys key = ApiKeys.forId(api.apiKey());
            for (short version = api.minVersion(); version <= api.maxVersion(); version++) {
                AbstractRequest request = request(key, emptyRequest(key), version);
                if (key == ApiKeys.PRODUCE) {
                    continue; // acks=0 by default: no response expected; covered below
                }
                assertThat(call(request)).as(key + " v" + version).isNotNull();
            }
        }
    }

    @Test
    void produceAtEveryVersion() throws Exception {
        for (short version = ApiKeys.PRODUCE.oldestVersion(); version <= ApiKeys.PRODUCE.latestVersion(false); version++) {
            ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData();
            if (version >= 13) {
                topic.setTopicId(topicId);
            } else {
                topic.setName("versions");
            }
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(("v" + version).getBytes()))));
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(99)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(("v" + version).getBytes()))));
            ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
            data.topicData().add(topic);

            ProduceResponseData response = (ProduceResponseData) call(request(ApiKeys.PRODUCE, data, version));

            var partitions = response.responses().iterator().next().partitionResponses();
            assertThat(partitions.get(0).errorCode()).as("Produce v" + version).isEqualTo(Errors.NONE.code());
            assertThat(partitions.get(1).errorCode()).as("Produce v" + version)
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    @Test
    void fetchAtEveryVersion() throws Exception {
        for (short version = ApiKeys.FETCH.oldestVersion(); version <= ApiKeys.FETCH.latestVersion(false); version++) {
            FetchRequestData.FetchTopic topic = new FetchRequestData.FetchTopic();
            if (version >= 13) {
                topic.setTopicId(topicId);
            } else {
                topic.setTopic("versions");
            }
            topic.partitions().add(new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                    .setPartitionMaxBytes(1 << 20));
            FetchRequestData data = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                    .setSessionEpoch(-1);
            if (version < 15) {
                data.setReplicaId(-1);
            }
            data.topics().add(topic);

            FetchResponseData response = (FetchResponseData) call(request(ApiKeys.FETCH, data, version));

            FetchResponseData.PartitionData partition = response.responses().get(0).partitions().get(0);
            assertThat(partition.errorCode()).as("Fetch v" + version).isEqualTo(Errors.NONE.code());
            assertThat(partition.records().sizeInBytes()).as("Fetch v" + version).isPositive();
        }
    }

    @Test
    void listOffsetsAndMetadataAtEveryVersion() throws Exception {
        for (short version = ApiKeys.LIST_OFFSETS.oldestVersion(); version <= ApiKeys.LIST_OFFSETS.latestVersion(false); version++) {
            ListOffsetsRequestData data = new ListOffsetsRequestData().setReplicaId(-1);
            ListOffsetsRequestData.ListOffsetsTopic topic = new ListOffsetsRequestData.ListOffsetsTopic().setName("versions");
            topic.partitions().add(new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(0)
                    .setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP));
            data.topics().add(topic);

            ListOffsetsResponseData response = (ListOffsetsResponseData) call(request(ApiKeys.LIST_OFFSETS, data, version));

            ListOffsetsResponseData.ListOffsetsPartitionResponse partition = response.topics().get(0).partitions().get(0);
            assertThat(partition.errorCode()).as("ListOffsets v" + version).isEqualTo(Errors.NONE.code());
            assertThat(partition.offset()).as("ListOffsets v" + version).isPositive();
        }
        for (short version = ApiKeys.METADATA.oldestVersion(); version <= ApiKeys.METADATA.latestVersion(false); version++) {
            MetadataRequestData data = new MetadataRequestData();
            data.topics().add(new MetadataRequestData.MetadataRequestTopic().setName("versions"));

            MetadataResponseData response = (MetadataResponseData) call(request(ApiKeys.METADATA, data, version));

            assertThat(response.topics().find("versions").errorCode()).as("Metadata v" + version).isZero();
            assertThat(response.brokers()).as("Metadata v" + version).hasSize(1);
        }
    }

    /**
     * The request with every field at its default, except where a default does not parse: a
     * DescribeAcls filter whose enums default to UNKNOWN is refused by the client's own parser, so it
     * asks for everything instead.
     */
    private static ApiMessage emptyRequest(ApiKeys key) {
        if (key == ApiKeys.DESCRIBE_ACLS) {
            return new DescribeAclsRequestData()
                    .setResourceTypeFilter(ResourceType.ANY.code())
                    .setPatternTypeFilter(PatternType.LITERAL.code())
                    .setOperation(AclOperation.ANY.code())
                    .setPermissionType(AclPermissionType.ANY.code());
        }
        return ApiMessageType.fromApiKey(key.id).newRequest();
    }

    private static AbstractRequest request(ApiKeys key, ApiMessage data, short version) {
        return AbstractRequest.parseRequest(key, version,
                new org.apache.kafka.common.protocol.ByteBufferAccessor(serialize(data, version))).request;
    }

    private static ByteBuffer serialize(ApiMessage data, short version) {
        return org.apache.kafka.common.protocol.MessageUtil.toByteBufferAccessor(data, version).buffer();
    }

    private static int correlation = 100;

    private static ApiMessage call(AbstractRequest request) throws IOException {
        int correlationId = correlation++;
        RequestHeader header = new RequestHeader(request.apiKey(), request.version(), "every-version", correlationId);
        ByteBuffer frame = request.serializeWithHeader(header);
        try (Socket socket = new Socket("127.0.0.1", node.node().port())) {
            socket.setSoTimeout(10_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(frame.remaining());
            out.write(frame.array(), frame.arrayOffset() + frame.position(), frame.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] bytes = new byte[in.readInt()];
            in.readFully(bytes);
            ByteBuffer response = ByteBuffer.wrap(bytes);
            return AbstractResponse.parseResponse(response, header).data();
        }
    }
}
