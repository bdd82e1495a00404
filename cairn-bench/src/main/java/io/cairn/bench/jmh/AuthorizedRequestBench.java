package io.cairn.bench.jmh;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.cairn.broker.security.Authorization;
import io.cairn.broker.security.RequestAuthorizer;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.acl.Acl;
import io.cairn.metadata.acl.AclAuthorizer;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.protocol.ApiHandler;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
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
 * What the authorizer adds to one request on the request path: a Produce request of {@code topics} topics (each
 * allowed by a literal ACL) through {@link Authorization#guard} to a handler that answers at once, with
 * {@code acls} ACLs in the image, against the same handler unguarded ({@code unguarded}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class AuthorizedRequestBench {

    @Param({"10000"})
    int acls;

    @Param({"6"})
    int topics;

    private ApiHandler<ProduceRequest> guarded;
    private ApiHandler<ProduceRequest> plain;
    private RequestContext context;
    private ProduceRequest request;

    @Setup
    @SuppressWarnings("unchecked")
    public void setUp() {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(new ClusterIdRecord("bench", (short) 2));
        Random random = new Random(1);
        for (int i = 0; i < acls; i++) {
            String principal = i < topics ? "User:producer" : "User:user-" + (i % 1000);
            String name = i < topics ? "topic-" + i : "t-" + i;
            records.add(new Acl(ResourceType.TOPIC, name, i % 10 == 9 ? PatternType.PREFIXED : PatternType.LITERAL,
                    principal, "*", AclOperation.WRITE, AclPermissionType.ALLOW)
                    .toRecord(new Uuid(random.nextLong(), random.nextLong())));
        }
        MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, records));
        ProduceResponseData answer = new ProduceResponseData();
        plain = new ApiHandler<>() {
            @Override
            public ApiKeys apiKey() {
                return ApiKeys.PRODUCE;
            }

            @Override
            public CompletableFuture<ApiMessage> handle(RequestContext c, ProduceRequest r) {
                return CompletableFuture.completedFuture(answer);
            }
        };
        guarded = (ApiHandler<ProduceRequest>) Authorization.guard(RequestAuthorizer.standard(() -> image,
                new AclAuthorizer(java.util.Set.of("User:admin"), false)), () -> image, false).apply(plain);
        ProduceRequestData.TopicProduceDataCollection data = new ProduceRequestData.TopicProduceDataCollection();
        for (int t = 0; t < topics; t++) {
            data.add(new ProduceRequestData.TopicProduceData().setName("topic-" + t).setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.EMPTY))));
        }
        request = new ProduceRequest(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000)
                .setTopicData(data), (short) 9);
        context = new RequestContext(new RequestHeader(ApiKeys.PRODUCE, (short) 9, "bench", 1),
                new InetSocketAddress("10.0.0.1", 40000), "c1", 0, ConnectionLifetime.neverCloses(), () -> { },
                "SASL_PLAINTEXT", new KafkaPrincipal("User", "producer"));
    }

    @Benchmark
    public CompletableFuture<ApiMessage> guarded() {
        return guarded.handle(context, request);
    }

    @Benchmark
    public CompletableFuture<ApiMessage> unguarded() {
        return plain.handle(context, request);
    }
}
