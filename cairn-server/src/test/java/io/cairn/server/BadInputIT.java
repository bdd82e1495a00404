package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bad input gets a Kafka error code or a closed connection, and the node keeps serving everyone else
 * with nothing already written harmed.
 */
class BadInputIT {

    @TempDir
    static Path dataDir;
    static TestNode node;
    /** What the node logs: bad input from a client is worth an INFO line at most, never a WARN or a stack. */
    static final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeAll
    static void start() throws Exception {
        events.start();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).addAppender(events);
        node = TestNode.start(dataDir, Map.of(CairnConfig.SOCKET_REQUEST_MAX_BYTES, 1024 * 1024));
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic("victim", 1, (short) 1))).all().get();
        }
        try (KafkaProducer<String, String> producer = node.producer(Map.of())) {
            producer.send(new ProducerRecord<>("victim", "k", "before")).get();
        }
    }

    @AfterAll
    static void stop() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(events);
        node.close();
    }

    @Test
    void anOversizedRequestClosesTheConnection() throws Exception {
        try (Socket socket = connect()) {
            // when: a size prefix above socket.request.max.bytes
            new DataOutputStream(socket.getOutputStream()).writeInt(2 * 1024 * 1024);

            // then
            assertClosed(socket);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aNegativeSizeClosesTheConnection() throws Exception {
        try (Socket socket = connect()) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(-5);
            out.write(new byte[64]);
            out.flush();
            assertClosed(socket);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void anUnknownApiKeyClosesTheConnection() throws Exception {
        try (Socket socket = connect()) {
            sendFrame(socket, ByteBuffer.allocate(10).putShort((short) 4242).putShort((short) 0).putInt(1)
                    .putShort((short) -1).flip());
            assertClosed(socket);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aTruncatedBodyClosesTheConnection() throws Exception {
        try (Socket socket = connect()) {
            // a Metadata v12 header, then a topics array length with no topics behind it
            sendFrame(socket, ByteBuffer.allocate(13).putShort(ApiKeys.METADATA.id).putShort((short) 12).putInt(1)
                    .putShort((short) -1).put((byte) 0).put((byte) 10).put((byte) 0).flip());
            assertClosed(socket);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void garbageBytesCloseTheConnection() throws Exception {
        try (Socket socket = connect()) {
            byte[] garbage = new byte[64];
            new java.util.Random(7).nextBytes(garbage);
            sendFrame(socket, ByteBuffer.wrap(garbage));
            assertClosed(socket);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void anApiVersionsRequestNewerThanKnownGetsTheV0Answer() throws Exception {
        try (Socket socket = connect()) {
            // when
            sendFrame(socket, ByteBuffer.allocate(10).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 99)
                    .putInt(77).putShort((short) -1).flip());

            // then
            ByteBuffer response = readFrame(socket);
            assertThat(ResponseHeader.parse(response, (short) 0).correlationId()).isEqualTo(77);
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(response), (short) 0);
            assertThat(data.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(data.apiKeys().find(ApiKeys.PRODUCE.id)).isNotNull();
        }
    }

    @Test
    void aBatchWithABadCrcIsRefusedAndEarlierDataSurvives() throws Exception {
        // given: a valid batch whose payload is then flipped, so its CRC no longer matches
        MemoryRecords records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("k".getBytes(), "evil".getBytes()));
        ByteBuffer buffer = records.buffer();
        buffer.put(buffer.limit() - 2, (byte) (buffer.get(buffer.limit() - 2) ^ 0xff));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("victim");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(buffer)));
        data.topicData().add(topic);
        short version = 9;
        ByteBuffer frame = new ProduceRequest(data, version)
                .serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, version, "bad-crc", 5));

        try (Socket socket = connect()) {
            // when
            sendFrame(socket, frame);

            // then
            ByteBuffer response = readFrame(socket);
            ResponseHeader.parse(response, ApiKeys.PRODUCE.responseHeaderVersion(version));
            ProduceResponseData produce = new ProduceResponseData(new ByteBufferAccessor(response), version);
            short error = produce.responses().iterator().next().partitionResponses().get(0).errorCode();
            assertThat(error).isEqualTo(Errors.CORRUPT_MESSAGE.code());
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aClientCannotProduceToTheOffsetsTopic() throws Exception {
        // given: __consumer_offsets exists (a group committed an offset)
        try (KafkaConsumer<String, String> consumer = node.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"))) {
            consumer.commitSync(Map.of(new TopicPartition("victim", 0), new OffsetAndMetadata(1)));
        }
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData()
                .setName("__consumer_offsets");
        for (int p = 0; p < 50; p++) {
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(p)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE,
                            new SimpleRecord("k".getBytes(), "not a group record".getBytes()))));
        }
        data.topicData().add(topic);

        try (RawClient client = new RawClient(node.node().port())) {
            // when
            ProduceResponseData produce = (ProduceResponseData) client.call(new ProduceRequest(data, (short) 9));

            // then: Kafka's answer, for every partition, whichever node leads it
            assertThat(produce.responses().iterator().next().partitionResponses())
                    .allSatisfy(p -> assertThat(Errors.forCode(p.errorCode())).isEqualTo(Errors.INVALID_TOPIC_EXCEPTION));
        }
        try (KafkaConsumer<String, String> consumer = node.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "g"))) {
            assertThat(consumer.committed(java.util.Set.of(new TopicPartition("victim", 0))))
                    .containsEntry(new TopicPartition("victim", 0), new OffsetAndMetadata(1));
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aFetchPosingAsAReplicaIsRefused() throws Exception {
        Uuid topicId;
        try (Admin admin = node.admin()) {
            topicId = admin.describeTopics(List.of("victim")).allTopicNames().get().get("victim").topicId();
        }
        // not a replica of the partition; the replica's id with an epoch that is not its registration's
        for (long[] pose : new long[][] {{2, -1}, {1, 987_654}, {1, -1}}) {
            FetchRequestData data = new FetchRequestData()
                    .setReplicaState(new FetchRequestData.ReplicaState().setReplicaId((int) pose[0])
                            .setReplicaEpoch(pose[1]))
                    .setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
            data.topics().add(new FetchRequestData.FetchTopic().setTopicId(topicId).setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20).setCurrentLeaderEpoch(-1))));
            try (RawClient client = new RawClient(node.node().port())) {
                FetchResponseData response = (FetchResponseData) client.call(ApiKeys.FETCH, data, (short) 17);
                assertThat(Errors.forCode(response.responses().get(0).partitions().get(0).errorCode()))
                        .as("replica %d, epoch %d", pose[0], pose[1]).isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
            }
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void invalidTopicRequestsGetClearErrors() throws Exception {
        try (Admin admin = node.admin()) {
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("bad/name", 1, (short) 1))).all().get())
                    .hasCauseInstanceOf(InvalidTopicException.class);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("zero-partitions", 0, (short) 1))).all().get())
                    .hasCauseInstanceOf(InvalidPartitionsException.class);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("rf-too-high", 1, (short) 3))).all().get())
                    .hasCauseInstanceOf(InvalidReplicationFactorException.class);
            assertThatThrownBy(() -> admin.createTopics(List.of(new NewTopic("bad-config", 1, (short) 1)
                    .configs(Map.of("retention.ms", "forever")))).all().get())
                    .hasCauseInstanceOf(InvalidConfigurationException.class);
            assertThatThrownBy(() -> admin.incrementalAlterConfigs(Map.of(
                    new ConfigResource(ConfigResource.Type.TOPIC, "victim"),
                    List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                            new org.apache.kafka.clients.admin.ConfigEntry("cleanup.policy", "sometimes"),
                            org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get())
                    .hasCauseInstanceOf(InvalidConfigurationException.class);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void anUnknownElectionTypeIsAnInvalidRequest() throws Exception {
        try (RawClient client = new RawClient(node.node().port())) {
            ElectLeadersResponseData response = (ElectLeadersResponseData) client.call(ApiKeys.ELECT_LEADERS,
                    new ElectLeadersRequestData().setElectionType((byte) 7).setTimeoutMs(5000)
                            .setTopicPartitions(null), (short) 2);
            assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_REQUEST);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void anUnknownIsolationLevelIsAnInvalidRequest() throws Exception {
        // given: isolation levels other than 0 and 1 (found by cairn-fuzz: an ERROR line per request)
        FetchRequestData fetch = new FetchRequestData().setIsolationLevel((byte) 7).setMaxWaitMs(0).setMinBytes(0)
                .setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1);
        org.apache.kafka.common.message.ListOffsetsRequestData listOffsets =
                new org.apache.kafka.common.message.ListOffsetsRequestData().setIsolationLevel((byte) -3)
                        .setReplicaId(-1);
        listOffsets.topics().add(new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic()
                .setName("victim").setPartitions(List.of(
                        new org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition()
                                .setPartitionIndex(0).setTimestamp(-1))));

        try (RawClient client = new RawClient(node.node().port())) {
            // when
            FetchResponseData fetched = (FetchResponseData) client.call(ApiKeys.FETCH, fetch, (short) 12);
            org.apache.kafka.common.message.ListOffsetsResponseData listed =
                    (org.apache.kafka.common.message.ListOffsetsResponseData) client.call(ApiKeys.LIST_OFFSETS,
                            listOffsets, (short) 7);

            // then
            assertThat(Errors.forCode(fetched.errorCode())).isEqualTo(Errors.INVALID_REQUEST);
            assertThat(Errors.forCode(listed.topics().get(0).partitions().get(0).errorCode()))
                    .isEqualTo(Errors.INVALID_REQUEST);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void oldFetchVersionsWithOddFieldsAreAnswered() throws Exception {
        // given: what the fuzzer's long run reported once each: Fetch v4/v5 with isolation level 2, v10 naming a topic
        try (RawClient client = new RawClient(node.node().port())) {
            for (short version : new short[] {4, 5}) {
                FetchRequestData fetch = new FetchRequestData().setIsolationLevel((byte) 2).setMaxWaitMs(0)
                        .setMinBytes(0).setMaxBytes(1 << 20).setReplicaId(-1);
                // when
                FetchResponseData fetched = (FetchResponseData) client.call(ApiKeys.FETCH, fetch, version);
                // then
                assertThat(Errors.forCode(fetched.errorCode())).isIn(Errors.INVALID_REQUEST, Errors.NONE);
            }
            FetchRequestData v10 = new FetchRequestData().setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20)
                    .setReplicaId(-1).setSessionEpoch(-1);
            v10.topics().add(new FetchRequestData.FetchTopic().setTopic("victim").setPartitions(List.of(
                    new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0)
                            .setPartitionMaxBytes(1 << 20))));
            FetchResponseData fetched = (FetchResponseData) client.call(ApiKeys.FETCH, v10, (short) 10);
            assertThat(fetched.responses()).hasSize(1);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aProduceWithoutRecordsIsRefusedEvenWhenTheWholeRequestIs() throws Exception {
        // given: a partition with null records, and acks=5 refusing the whole request (found by cairn-fuzz: the
        // error answer could not be built and the connection was closed with an ERROR line)
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 5).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("victim");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(null));
        data.topicData().add(topic);

        try (RawClient client = new RawClient(node.node().port())) {
            // when
            ProduceResponseData produce = (ProduceResponseData) client.call(ApiKeys.PRODUCE, data, (short) 9);

            // then
            assertThat(Errors.forCode(produce.responses().iterator().next().partitionResponses().get(0).errorCode()))
                    .isEqualTo(Errors.INVALID_REQUIRED_ACKS);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aRefusedAcksZeroProduceGetsNoAnswerAndTheConnectionGoesOn() throws Exception {
        // given: acks=0 and transactional records without a transactional id, refused whole (found by cairn-fuzz:
        // an ERROR line and a closed connection, as kafka-clients builds no error answer for acks=0)
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 0).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("victim");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.withTransactionalRecords(Compression.NONE, 7L, (short) 0, 0,
                        new SimpleRecord("k".getBytes(), "v".getBytes()))));
        data.topicData().add(topic);
        short version = 9;
        ByteBuffer frame = new ProduceRequest(data, version)
                .serializeWithHeader(new RequestHeader(ApiKeys.PRODUCE, version, "acks-zero", 5));

        try (Socket socket = connect()) {
            // when
            sendFrame(socket, frame);
            sendFrame(socket, ByteBuffer.allocate(10).putShort(ApiKeys.API_VERSIONS.id).putShort((short) 0)
                    .putInt(6).putShort((short) -1).flip());

            // then: the next answer is the ApiVersions one
            assertThat(ResponseHeader.parse(readFrame(socket), (short) 0).correlationId()).isEqualTo(6);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aBatchLengthNearTwoToTheThirtyOneIsACorruptMessage() throws Exception {
        // given: a batch whose length field overflows kafka-clients' batch iterator (found by cairn-fuzz: an ERROR
        // line and UNKNOWN_SERVER_ERROR), in a plain and in a transactional produce
        ByteBuffer lying = ByteBuffer.allocate(80);
        lying.putLong(0L).putInt(Integer.MAX_VALUE - 10).putInt(0).put((byte) 2);
        lying.position(0);
        for (String transactionalId : java.util.Arrays.asList(null, "fuzzed")) {
            ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000)
                    .setTransactionalId(transactionalId);
            ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("victim");
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                    .setRecords(MemoryRecords.readableRecords(lying.duplicate())));
            data.topicData().add(topic);

            try (RawClient client = new RawClient(node.node().port())) {
                // when
                ProduceResponseData produce = (ProduceResponseData) client.call(ApiKeys.PRODUCE, data, (short) 7);

                // then
                assertThat(Errors.forCode(produce.responses().iterator().next().partitionResponses().get(0)
                        .errorCode())).isEqualTo(Errors.CORRUPT_MESSAGE);
            }
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aTransactionalBatchCutShortIsACorruptMessage() throws Exception {
        // given: 30 bytes framed as a whole batch, transactional flag set, header ending before the producer id
        // (found by cairn-fuzz: IndexOutOfBoundsException, an ERROR line and UNKNOWN_SERVER_ERROR)
        ByteBuffer cut = ByteBuffer.allocate(30);
        cut.putLong(0L).putInt(18).putInt(0).put((byte) 2).putInt(0).putShort((short) 0x10);
        cut.position(0);
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000)
                .setTransactionalId("cut");
        ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("victim");
        topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0)
                .setRecords(MemoryRecords.readableRecords(cut)));
        data.topicData().add(topic);

        try (RawClient client = new RawClient(node.node().port())) {
            // when
            ProduceResponseData produce = (ProduceResponseData) client.call(ApiKeys.PRODUCE, data, (short) 8);

            // then
            assertThat(Errors.forCode(produce.responses().iterator().next().partitionResponses().get(0)
                    .errorCode())).isEqualTo(Errors.CORRUPT_MESSAGE);
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aTxnOffsetCommitWithoutAProducerIsRefused() throws Exception {
        // given: no producer id, then a negative epoch (found by cairn-fuzz: an ERROR line each)
        for (long[] producer : new long[][] {{-1, 0}, {7, -3}}) {
            TxnOffsetCommitRequestData data = new TxnOffsetCommitRequestData().setTransactionalId("t")
                    .setGroupId("g").setProducerId(producer[0]).setProducerEpoch((short) producer[1])
                    .setTopics(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic().setName("victim")
                            .setPartitions(List.of(new TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition()
                                    .setPartitionIndex(0).setCommittedOffset(1)))));
            try (RawClient client = new RawClient(node.node().port())) {
                // when
                TxnOffsetCommitResponseData answer = (TxnOffsetCommitResponseData) client.call(
                        ApiKeys.TXN_OFFSET_COMMIT, data, (short) 3);

                // then
                assertThat(Errors.forCode(answer.topics().get(0).partitions().get(0).errorCode()))
                        .isEqualTo(producer[0] < 0 ? Errors.INVALID_PRODUCER_ID_MAPPING : Errors.INVALID_PRODUCER_EPOCH);
            }
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void aMetadataRequestOfVersionTenOrElevenWithoutATopicNameIsAnInvalidRequest() throws Exception {
        // given: a null name, which requests of v10 and v11 may carry but their answers cannot (found by cairn-fuzz:
        // an ERROR "Cannot encode the response")
        MetadataRequestData data = new MetadataRequestData().setTopics(List.of(
                new MetadataRequestData.MetadataRequestTopic().setName(null).setTopicId(Uuid.randomUuid())));
        try (RawClient client = new RawClient(node.node().port())) {
            for (short version : new short[] {10, 11}) {
                // when
                MetadataResponseData answer = (MetadataResponseData) client.call(ApiKeys.METADATA, data, version);

                // then
                assertThat(Errors.forCode(answer.topics().iterator().next().errorCode()))
                        .isEqualTo(Errors.INVALID_REQUEST);
            }
        }
        assertNodeStillServesAndDataIsIntact();
    }

    @Test
    void describeUserScramCredentialsWithANullUserListDescribesEveryUser() throws Exception {
        // given: a null user list (found by cairn-fuzz when the API was not served: kafka-clients' error answer
        // throws on it). Served now, it means every user, as in Kafka's ScramImage.
        short version = 0;
        try (RawClient client = new RawClient(node.node().port())) {
            // when
            org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData answer =
                    (org.apache.kafka.common.message.DescribeUserScramCredentialsResponseData) client.call(
                            ApiKeys.DESCRIBE_USER_SCRAM_CREDENTIALS,
                            new org.apache.kafka.common.message.DescribeUserScramCredentialsRequestData()
                                    .setUsers(null), version);

            // then: none on this node
            assertThat(answer.errorCode()).isZero();
            assertThat(answer.results()).isEmpty();
        }
        assertNodeStillServesAndDataIsIntact();
    }

    private static Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", node.node().port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void sendFrame(Socket socket, ByteBuffer payload) throws IOException {
        DataOutputStream out = new DataOutputStream(socket.getOutputStream());
        byte[] bytes = new byte[payload.remaining()];
        payload.get(bytes);
        out.writeInt(bytes.length);
        out.write(bytes);
        out.flush();
    }

    private static ByteBuffer readFrame(Socket socket) throws IOException {
        DataInputStream in = new DataInputStream(socket.getInputStream());
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return ByteBuffer.wrap(bytes);
    }

    private static void assertClosed(Socket socket) throws IOException {
        try {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            // a reset is a close too
        }
    }

    private static void assertNodeStillServesAndDataIsIntact() {
        assertThat(ProduceConsumeIT.readAll(node, "victim", 1, 1))
                .extracting(r -> r.value()).startsWith("before");
        synchronized (events) {
            try {
                // the node's lines (this JVM's clients may warn about what they are told, as they should)
                assertThat(events.list).filteredOn(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                                && !e.getLoggerName().startsWith("org.apache.kafka.clients"))
                        .extracting(e -> e.getLoggerName() + ": " + e.getFormattedMessage()).isEmpty();
            } finally {
                events.list.clear();
            }
        }
    }

}
