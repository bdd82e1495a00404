package io.cairn.broker.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.acl.Acl;
import io.cairn.metadata.acl.AclAuthorizer;
import io.cairn.metadata.record.ClusterIdRecord;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.RequestContext;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ClusterAuthorizationException;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.BrokerHeartbeatRequest;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.junit.jupiter.api.Test;

/** The checks of the APIs whose rules split a request or act for brokers, over a fake image and handler. */
class AccessRulesTest {

    private static final KafkaPrincipal ALICE = new KafkaPrincipal("User", "alice");
    private final AccessRules rules = new AccessRules(true);
    private final List<AbstractRequest> handled = new ArrayList<>();

    @Test
    void aFollowerFetchNeedsClusterActionAndIsAnsweredPerPartitionWithoutIt() throws Exception {
        // given a follower's fetch, alice allowed to READ the topic but not CLUSTER_ACTION
        Caller caller = caller(ALICE, acl(ResourceType.TOPIC, "t", AclOperation.READ));
        FetchRequest fetch = new FetchRequest(new FetchRequestData().setReplicaId(2).setTopics(new ArrayList<>(
                List.of(new FetchRequestData.FetchTopic().setTopic("t").setPartitions(new ArrayList<>(List.of(
                        new FetchRequestData.FetchPartition().setPartition(0))))))), (short) 12);

        // when
        FetchResponseData response = (FetchResponseData) serve(ApiKeys.FETCH, caller, fetch,
                new FetchResponseData());

        // then
        assertThat(handled).isEmpty();
        assertThat(response.responses()).singleElement().satisfies(t -> assertThat(t.partitions()).singleElement()
                .extracting(p -> Errors.forCode(p.errorCode())).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED));

        // when the cluster grants CLUSTER_ACTION, then the fetch is served
        serve(ApiKeys.FETCH, caller(ALICE, acl(ResourceType.CLUSTER, "kafka-cluster", AclOperation.CLUSTER_ACTION)),
                fetch, new FetchResponseData());
        assertThat(handled).hasSize(1);
    }

    @Test
    void aProduceServesTheAllowedTopicsAndAnswersTheOthersItself() throws Exception {
        // given
        Caller caller = caller(ALICE, acl(ResourceType.TOPIC, "allowed", AclOperation.WRITE));
        ProduceRequestData.TopicProduceDataCollection topics = new ProduceRequestData.TopicProduceDataCollection();
        for (String name : List.of("allowed", "denied")) {
            topics.add(new ProduceRequestData.TopicProduceData().setName(name).setPartitionData(List.of(
                    new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(MemoryRecords.EMPTY))));
        }
        ProduceRequest produce = new ProduceRequest(new ProduceRequestData().setAcks((short) -1).setTimeoutMs(1000)
                .setTopicData(topics), (short) 9);

        // when
        ProduceResponseData response = (ProduceResponseData) serve(ApiKeys.PRODUCE, caller, produce,
                new ProduceResponseData());

        // then the handler saw only the allowed topic, and the answer has both
        assertThat(((ProduceRequest) handled.get(0)).data().topicData()).extracting(t -> t.name())
                .containsExactly("allowed");
        assertThat(response.responses()).extracting(t -> t.name()).containsExactly("denied");
        assertThat(response.responses().iterator().next().partitionResponses().get(0).errorCode())
                .isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
    }

    @Test
    void brokerApisNeedClusterAction() {
        // given
        Caller anonymous = caller(KafkaPrincipal.ANONYMOUS);
        BrokerHeartbeatRequest heartbeat = new BrokerHeartbeatRequest.Builder(new BrokerHeartbeatRequestData())
                .build();

        // when
        CompletableFuture<ApiMessage> served = rules.<BrokerHeartbeatRequest>rule(ApiKeys.BROKER_HEARTBEAT)
                .serve(anonymous, heartbeat, this::handle);

        // then
        assertThat(served).isCompletedExceptionally();
        assertThat(served.handle((r, e) -> e).join()).isInstanceOf(ClusterAuthorizationException.class);
        assertThat(handled).isEmpty();
    }

    @Test
    void anIdempotentProducerNeedsIdempotentWriteOrWriteOnSomeTopic() throws Exception {
        // given
        InitProducerIdRequest init = new InitProducerIdRequest.Builder(new InitProducerIdRequestData()
                .setTransactionalId(null).setTransactionTimeoutMs(1000)).build();

        // when / then
        CompletableFuture<ApiMessage> denied = rules.<InitProducerIdRequest>rule(ApiKeys.INIT_PRODUCER_ID)
                .serve(caller(ALICE), init, this::handle);
        assertThat(denied.handle((r, e) -> e).join()).isInstanceOf(ClusterAuthorizationException.class);
        serve(ApiKeys.INIT_PRODUCER_ID, caller(ALICE, acl(ResourceType.TOPIC, "any", AclOperation.WRITE)), init,
                new InitProducerIdResponseData());
        assertThat(handled).hasSize(1);
    }

    @Test
    void addPartitionsToTxnFromAClientAnswersTheAllowedPartitionsOperationNotAttempted() throws Exception {
        // given
        Caller caller = caller(ALICE, acl(ResourceType.TRANSACTIONAL_ID, "tx", AclOperation.WRITE),
                acl(ResourceType.TOPIC, "allowed", AclOperation.WRITE));
        AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection topics =
                new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection();
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("allowed")
                .setPartitions(List.of(0)));
        topics.add(new AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic().setName("denied")
                .setPartitions(List.of(0)));
        AddPartitionsToTxnRequest request = new AddPartitionsToTxnRequest(new AddPartitionsToTxnRequestData()
                .setV3AndBelowTransactionalId("tx").setV3AndBelowTopics(topics), (short) 3);

        // when
        AddPartitionsToTxnResponseData response = (AddPartitionsToTxnResponseData) serve(
                ApiKeys.ADD_PARTITIONS_TO_TXN, caller, request, new AddPartitionsToTxnResponseData());

        // then
        assertThat(handled).isEmpty();
        assertThat(response.resultsByTopicV3AndBelow().find("allowed").resultsByPartition().find(0)
                .partitionErrorCode()).isEqualTo(Errors.OPERATION_NOT_ATTEMPTED.code());
        assertThat(response.resultsByTopicV3AndBelow().find("denied").resultsByPartition().find(0)
                .partitionErrorCode()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
    }

    @Test
    void deleteTopicsDeletesTheAllowedTopicsAndRefusesTheOthersPerTopic() throws Exception {
        // given
        Caller caller = caller(ALICE, acl(ResourceType.TOPIC, "mine", AclOperation.DELETE));
        DeleteTopicsRequest request = new DeleteTopicsRequest.Builder(new DeleteTopicsRequestData()
                .setTopicNames(new ArrayList<>(List.of("mine", "theirs")))).build((short) 5);

        // when
        DeleteTopicsResponseData response = (DeleteTopicsResponseData) serve(ApiKeys.DELETE_TOPICS, caller, request,
                new DeleteTopicsResponseData());

        // then
        assertThat(((DeleteTopicsRequest) handled.get(0)).data().topicNames()).containsExactly("mine");
        assertThat(response.responses()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("theirs");
            assertThat(r.errorCode()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
        });
    }

    @Test
    void createPartitionsAltersTheAllowedTopicsAndRefusesTheOthersPerTopic() throws Exception {
        // given
        Caller caller = caller(ALICE, acl(ResourceType.TOPIC, "mine", AclOperation.ALTER));
        CreatePartitionsRequestData.CreatePartitionsTopicCollection topics =
                new CreatePartitionsRequestData.CreatePartitionsTopicCollection();
        topics.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("mine").setCount(2));
        topics.add(new CreatePartitionsRequestData.CreatePartitionsTopic().setName("theirs").setCount(2));
        CreatePartitionsRequest request = new CreatePartitionsRequest.Builder(new CreatePartitionsRequestData()
                .setTopics(topics)).build();

        // when
        CreatePartitionsResponseData response = (CreatePartitionsResponseData) serve(ApiKeys.CREATE_PARTITIONS,
                caller, request, new CreatePartitionsResponseData());

        // then
        assertThat(((CreatePartitionsRequest) handled.get(0)).data().topics()).extracting(t -> t.name())
                .containsExactly("mine");
        assertThat(response.results()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("theirs");
            assertThat(r.errorCode()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
        });
    }

    @Test
    void offsetForLeaderEpochFromAConsumerIsAnsweredPerTopic() throws Exception {
        // given
        Caller caller = caller(ALICE, acl(ResourceType.TOPIC, "mine", AclOperation.READ));
        OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection topics =
                new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
        for (String name : List.of("mine", "theirs")) {
            topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(name).setPartitions(
                    List.of(new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(0))));
        }
        OffsetsForLeaderEpochRequest request = new OffsetsForLeaderEpochRequest(new OffsetForLeaderEpochRequestData()
                .setReplicaId(-1).setTopics(topics), (short) 4);

        // when
        OffsetForLeaderEpochResponseData response = (OffsetForLeaderEpochResponseData) serve(
                ApiKeys.OFFSET_FOR_LEADER_EPOCH, caller, request, new OffsetForLeaderEpochResponseData());

        // then: READ implies DESCRIBE on mine; theirs is refused
        assertThat(((OffsetsForLeaderEpochRequest) handled.get(0)).data().topics()).extracting(t -> t.topic())
                .containsExactly("mine");
        assertThat(response.topics()).singleElement().satisfies(t -> {
            assertThat(t.topic()).isEqualTo("theirs");
            assertThat(t.partitions().get(0).errorCode()).isEqualTo(Errors.TOPIC_AUTHORIZATION_FAILED.code());
        });
    }

    private <R extends AbstractRequest> ApiMessage serve(ApiKeys api, Caller caller, R request, ApiMessage answer)
            throws ExecutionException, InterruptedException {
        Function<R, CompletableFuture<ApiMessage>> handler = r -> {
            handled.add(r);
            return CompletableFuture.completedFuture(answer);
        };
        return rules.<R>rule(api).serve(caller, request, handler).get();
    }

    private CompletableFuture<ApiMessage> handle(AbstractRequest request) {
        handled.add(request);
        return CompletableFuture.completedFuture(null);
    }

    private static Acl acl(ResourceType type, String name, AclOperation operation) {
        return new Acl(type, name, PatternType.LITERAL, ALICE.toString(), "*", operation, AclPermissionType.ALLOW);
    }

    private static Caller caller(KafkaPrincipal principal, Acl... acls) {
        List<MetadataRecord> records = new ArrayList<>();
        records.add(new ClusterIdRecord("c", (short) 2));
        for (Acl acl : acls) {
            records.add(acl.toRecord(Uuid.randomUuid()));
        }
        MetadataImage image = MetadataImage.EMPTY.apply(new MetadataBatch(1, 1, 1, records));
        RequestContext context = new RequestContext(new RequestHeader(ApiKeys.METADATA, (short) 0, "test", 1),
                new InetSocketAddress("127.0.0.1", 5000), "c1", 0, ConnectionLifetime.neverCloses(), () -> { },
                null, principal);
        return new Caller(RequestAuthorizer.standard(() -> image, new AclAuthorizer(Set.of(), false)), context,
                image);
    }
}
