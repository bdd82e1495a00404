package io.cairn.bench.jmh;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The request hot path's wire work, with kafka-clients' own classes (the ones cairn-protocol uses):
 * decoding a Produce request (header + body) and encoding one. One topic, 6 partitions, each
 * partition a batch of {@code records} records of {@code size} bytes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ProduceRequestBench {

    @Param({"100", "1024"})
    int size;

    @Param({"100"})
    int records;

    private ProduceRequest request;
    private RequestHeader header;
    private ByteBuffer wire;

    @Setup
    public void setup() {
        byte[] value = new byte[size];
        new Random(1).nextBytes(value);
        List<ProduceRequestData.PartitionProduceData> partitions = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            SimpleRecord[] batch = new SimpleRecord[records];
            for (int i = 0; i < records; i++) {
                batch[i] = new SimpleRecord(System.currentTimeMillis(), null, value);
            }
            partitions.add(new ProduceRequestData.PartitionProduceData().setIndex(p)
                    .setRecords(MemoryRecords.withRecords(Compression.NONE, batch)));
        }
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        topics.add(new ProduceRequestData.TopicProduceData().setName("bench").setTopicId(Uuid.randomUuid())
                .setPartitionData(partitions));
        short version = ApiKeys.PRODUCE.latestVersion();
        request = ProduceRequest.builder(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTopicData(topics)).build(version);
        header = new RequestHeader(ApiKeys.PRODUCE, version, "bench", 1);
        wire = request.serializeWithHeader(header);
    }

    @Benchmark
    public AbstractRequest decode() {
        ByteBuffer buf = wire.duplicate();
        RequestHeader h = RequestHeader.parse(buf);
        return AbstractRequest.parseRequest(h.apiKey(), h.apiVersion(), new ByteBufferAccessor(buf)).request;
    }

    @Benchmark
    public ByteBuffer encode() {
        return request.serializeWithHeader(header);
    }
}
