package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.DefaultRecordBatch;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Crc32C;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a produce request's records must be, at the wire and through Kafka's own producer: one batch per partition
 * (produce v3+), every record readable, record-level failures named by index (KIP-467), and no compressed record
 * that claims more than the broker will decompress. A refused batch is never stored.
 */
class ProduceValidationIT {

    static final String PLAIN = "plain";
    static final String COMPACTED = "compacted";
    static final short VERSION = 11;

    @TempDir
    static Path dataDir;
    static TestNode node;

    @BeforeAll
    static void start() throws Exception {
        node = TestNode.start(dataDir);
        try (Admin admin = node.admin()) {
            admin.createTopics(List.of(new NewTopic(PLAIN, 1, (short) 1),
                    new NewTopic(COMPACTED, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get();
        }
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void kafkasProducerFailsExactlyTheKeylessRecordOfItsBatch() throws Exception {
        // given: one batch of three records (sent together on flush), the second without a key
        try (KafkaProducer<String, String> producer = node.producer(Map.of(ProducerConfig.LINGER_MS_CONFIG, 60_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000))) {
            Future<RecordMetadata> first = producer.send(new ProducerRecord<>(COMPACTED, "k0", "a"));
            Future<RecordMetadata> keyless = producer.send(new ProducerRecord<>(COMPACTED, null, "b"));
            Future<RecordMetadata> third = producer.send(new ProducerRecord<>(COMPACTED, "k2", "c"));
            // when
            producer.flush();
            // then: the keyless one fails for its key, the others as collateral of its batch
            assertThat(causeOf(keyless)).isInstanceOf(InvalidRecordException.class).hasMessageContaining("key");
            assertThat(causeOf(first)).isExactlyInstanceOf(KafkaException.class)
                    .hasMessageContaining("part of a batch");
            assertThat(causeOf(third)).isExactlyInstanceOf(KafkaException.class);
        }
        assertThat(endOffset(COMPACTED)).isZero();
    }

    @Test
    void theResponseNamesTheRecordThatFailed() throws Exception {
        // given
        MemoryRecords mixed = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("k0"), bytes("a")),
                new SimpleRecord(null, bytes("b")));
        // when
        PartitionProduceResponse response = produce(COMPACTED, mixed);
        // then
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_RECORD);
        assertThat(response.errorMessage()).contains("key");
        assertThat(response.recordErrors()).hasSize(1);
        assertThat(response.recordErrors().get(0).batchIndex()).isEqualTo(1);
        assertThat(response.recordErrors().get(0).batchIndexErrorMessage()).contains("key");
    }

    @Test
    void twoBatchesForOnePartitionAreRefusedWhole() throws Exception {
        // given
        long end = endOffset(PLAIN);
        MemoryRecords one = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("k"), bytes("1")));
        MemoryRecords two = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(bytes("k"), bytes("2")));
        ByteBuffer both = ByteBuffer.allocate(one.sizeInBytes() + two.sizeInBytes());
        both.put(one.buffer()).put(two.buffer()).flip();
        // when
        PartitionProduceResponse response = produce(PLAIN, MemoryRecords.readableRecords(both));
        // then
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_RECORD);
        assertThat(endOffset(PLAIN)).isEqualTo(end);
    }

    @Test
    void anEmptyRecordSetIsRefused() throws Exception {
        // when
        PartitionProduceResponse response = produce(PLAIN, MemoryRecords.EMPTY);
        // then
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_RECORD);
    }

    @Test
    void garbageInsideABatchWithAValidCrcIsRefusedAndNotStored() throws Exception {
        // given: two records whose offset deltas read 1, 1 (the CRC recomputed over the edit)
        long end = endOffset(PLAIN);
        ByteBuffer buffer = copy(MemoryRecords.withRecords(Compression.NONE,
                new SimpleRecord(10L, bytes("k"), bytes("a")), new SimpleRecord(10L, bytes("k"), bytes("b"))));
        buffer.put(DefaultRecordBatch.RECORD_BATCH_OVERHEAD + 3, (byte) 2);
        // when
        PartitionProduceResponse response = produce(PLAIN, resealed(buffer));
        // then
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.INVALID_RECORD);
        assertThat(endOffset(PLAIN)).isEqualTo(end);
    }

    @Test
    void aCompressedRecordClaimingGigabytesIsACorruptMessage() throws Exception {
        // given: a gzip batch of a few dozen bytes whose one record declares 1.5 GB
        long end = endOffset(PLAIN);
        // when
        PartitionProduceResponse response = produce(PLAIN, gzipClaiming(1_500_000_000));
        // then
        assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.CORRUPT_MESSAGE);
        assertThat(endOffset(PLAIN)).isEqualTo(end);
    }

    private static PartitionProduceResponse produce(String topic, MemoryRecords records) throws IOException {
        ProduceRequestData data = new ProduceRequestData().setAcks((short) 1).setTimeoutMs(5000);
        ProduceRequestData.TopicProduceData topicData = new ProduceRequestData.TopicProduceData().setName(topic);
        topicData.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
        data.topicData().add(topicData);
        try (RawClient client = new RawClient(node.node().port())) {
            ProduceResponseData response = (ProduceResponseData) client.call(new ProduceRequest(data, VERSION));
            return response.responses().iterator().next().partitionResponses().get(0);
        }
    }

    private static long endOffset(String topic) throws Exception {
        try (Admin admin = node.admin()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
        }
    }

    private static Throwable causeOf(Future<RecordMetadata> future) {
        try {
            future.get();
            throw new AssertionError("expected the send to fail");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static ByteBuffer copy(MemoryRecords records) {
        ByteBuffer copy = ByteBuffer.allocate(records.sizeInBytes());
        copy.put(records.buffer().duplicate()).flip();
        return copy;
    }

    /** The one batch in {@code buffer} with its CRC recomputed, so only the record checks can refuse it. */
    private static MemoryRecords resealed(ByteBuffer buffer) {
        int attributes = 21;
        long crc = Crc32C.compute(buffer, attributes, buffer.limit() - attributes);
        buffer.putInt(17, (int) crc);
        return MemoryRecords.readableRecords(buffer);
    }

    private static MemoryRecords gzipClaiming(int declaredSize) {
        Compression gzip = Compression.gzip().build();
        ByteBufferOutputStream payload = new ByteBufferOutputStream(64);
        try (OutputStream out = gzip.wrapForOutput(payload, RecordBatch.MAGIC_VALUE_V2)) {
            ByteBuffer varint = ByteBuffer.allocate(5);
            ByteUtils.writeVarint(declaredSize, varint);
            out.write(varint.array(), 0, varint.position());
            out.write(new byte[16]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ByteBuffer compressed = payload.buffer().flip();
        int header = DefaultRecordBatch.RECORD_BATCH_OVERHEAD;
        MemoryRecords template = MemoryRecords.withRecords(gzip, new SimpleRecord(bytes("k"), bytes("v")));
        ByteBuffer buffer = ByteBuffer.allocate(header + compressed.remaining());
        buffer.put(template.buffer().duplicate().limit(header)).put(compressed).flip();
        buffer.putInt(8, buffer.limit() - 12);
        return resealed(buffer);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
