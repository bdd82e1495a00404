package io.cairn.metadata.controller;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.cairn.metadata.BrokerImage;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.PartitionImage;
import io.cairn.metadata.record.MetadataFormat;
import io.cairn.metadata.record.RegisterBrokerRecord;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Registration, heartbeats and leases on simulated time (3 controllers, 3 brokers, no message loss). */
class ControllerLeaseTest {

    private final SimCluster cluster = new SimCluster(42, 3, 3, ControllerSettings.defaults(0), 0);

    private MetadataImage image() {
        return cluster.target().current();
    }

    private void startAll() {
        cluster.raft.elect(0);
        cluster.brokers.values().forEach(SimCluster.SimBroker::start);
        cluster.queue.advance(6000);
    }

    private PartitionImage createOnePartitionLedBy(int broker) {
        CreateTopicsRequestData request = new CreateTopicsRequestData();
        request.topics().add(new CreatableTopic().setName("t").setNumPartitions(3).setReplicationFactor((short) 3));
        cluster.target().createTopics(request);
        cluster.queue.advance(100);
        return image().topic("t").orElseThrow().partitions().values().stream().filter(p -> p.leader() == broker)
                .findFirst().orElseThrow();
    }

    @Test
    void brokersStartFencedAndAreUnfencedOnceCaughtUp() {
        // when
        startAll();
        // then
        assertThat(image().brokers()).hasSize(3);
        assertThat(image().unfencedBrokers()).hasSize(3);
        assertThat(cluster.brokers.values()).allSatisfy(b -> assertThat(b.fenced).isFalse());
    }

    @Test
    void heartbeatsWriteNothingAndIdlePartitionsNeverElect() {
        // given
        startAll();
        createOnePartitionLedBy(0);
        long end = cluster.raft.endOffset();
        MetadataImage before = image();
        // when ten minutes of heartbeats pass (two rebalance checks included)
        cluster.queue.advance(600_000);
        // then
        assertThat(cluster.raft.endOffset()).isEqualTo(end);
        assertThat(image().topicsByName()).isEqualTo(before.topicsByName());
    }

    @Test
    void expiredLeaseFencesTheBrokerAndMovesItsLeadershipInOneBatch() {
        // given
        startAll();
        PartitionImage led = createOnePartitionLedBy(1);
        long end = cluster.raft.endOffset();
        // when broker 1 dies silently
        cluster.brokers.get(1).crash();
        cluster.queue.advance(8000);
        assertThat(image().brokers().get(1).fenced()).as("not before the session timeout").isFalse();
        cluster.queue.advance(4000);
        // then
        assertThat(image().brokers().get(1).fenced()).isTrue();
        assertThat(cluster.raft.endOffset()).isEqualTo(end + 1);
        PartitionImage after = image().topic("t").orElseThrow().partitions().get(led.partition());
        assertThat(after.leader()).isNotIn(1, -1);
        assertThat(after.isr()).doesNotContain(1);
        assertThat(after.leaderEpoch()).isEqualTo(led.leaderEpoch() + 1);
    }

    @Test
    void failoverGivesEveryBrokerAFreshLeaseButThePreviousLeadersCountsItsElectionSilence() {
        // given brokers that stop heartbeating just when the controller moves from node 0 to node 1
        startAll();
        cluster.brokers.values().forEach(SimCluster.SimBroker::crash);
        cluster.queue.advance(7000);
        // when the new controller takes over, their leases start again
        cluster.raft.elect(1);
        cluster.queue.advance(5000);
        assertThat(image().unfencedBrokers()).hasSize(3);
        // then the previous leader's broker, unheard of for an election timeout (1 s) already, goes first
        cluster.queue.advance(3500);
        assertThat(image().brokers().get(0).fenced()).as("fenced after session - election timeout").isTrue();
        assertThat(image().brokers().get(1).fenced()).isFalse();
        assertThat(image().brokers().get(2).fenced()).isFalse();
        // and the others a whole session after the failover
        cluster.queue.advance(1000);
        assertThat(image().unfencedBrokers()).isEmpty();
    }

    @Test
    void aPreviousLeaderThatHandedOverAliveKeepsItsLease() {
        // given a healthy cluster
        startAll();
        // when the controller moves while every broker keeps heartbeating
        cluster.raft.elect(1);
        cluster.queue.advance(30_000);
        // then nobody is fenced
        assertThat(image().unfencedBrokers()).hasSize(3);
    }

    @Test
    void aClosedHeartbeatConnectionFencesTheBrokerAGraceLaterWhenNoHeartbeatFollows() {
        // given
        startAll();
        PartitionImage led = createOnePartitionLedBy(1);
        long grace = cluster.settings.connectionClosedGraceMs();
        // when broker 1 is killed: its kernel closes its heartbeat connection, after what it had sent
        cluster.brokers.get(1).crash();
        cluster.queue.advance(cluster.maxDelayMs);
        cluster.target().heartbeatConnectionClosed(1, cluster.brokers.get(1).epoch);
        cluster.queue.advance(grace - 100);
        assertThat(image().brokers().get(1).fenced()).as("not before the grace").isFalse();
        cluster.queue.advance(200);
        // then it is fenced long before its lease would expire, as lease expiry fences it
        assertThat(grace + 100).isLessThan(cluster.settings.sessionTimeoutMs());
        assertThat(image().brokers().get(1).fenced()).isTrue();
        PartitionImage after = image().topic("t").orElseThrow().partitions().get(led.partition());
        assertThat(after.leader()).isNotIn(1, -1);
        assertThat(after.isr()).doesNotContain(1);
    }

    @Test
    void aBrokerThatHeartbeatsAgainAfterItsConnectionClosedIsNotFenced() {
        // given
        startAll();
        // when the connection of a live broker drops (it reconnects for its next heartbeat)
        cluster.target().heartbeatConnectionClosed(1, cluster.brokers.get(1).epoch);
        cluster.queue.advance(30_000);
        // then
        assertThat(image().unfencedBrokers()).hasSize(3);
    }

    @Test
    void aClosedConnectionOfAnEarlierIncarnationOrAtAStandbyIsNoEvidence() {
        // given broker 1 restarted (a new epoch)
        startAll();
        SimCluster.SimBroker b1 = cluster.brokers.get(1);
        long oldEpoch = b1.epoch;
        b1.crash();
        cluster.queue.advance(cluster.settings.sessionTimeoutMs());
        b1.start();
        cluster.queue.advance(6000);
        assertThat(b1.epoch).isGreaterThan(oldEpoch);
        // when the old incarnation's connection closes late, and a standby sees a connection of broker 2 close
        cluster.target().heartbeatConnectionClosed(1, oldEpoch);
        cluster.controllers.get(2).heartbeatConnectionClosed(2, cluster.brokers.get(2).epoch);
        b1.crash();
        cluster.brokers.get(2).crash();
        // then neither is fenced a grace later: their leases (9 s from their last heartbeats) still run
        cluster.queue.advance(cluster.settings.connectionClosedGraceMs() + 500);
        assertThat(image().brokers().get(1).fenced()).isFalse();
        assertThat(image().brokers().get(2).fenced()).isFalse();
    }

    @Test
    void aNewControllerFencesThePreviousLeaderAtActivationWhenThatLeaderClosedItsHeartbeatConnection() {
        // given node 0 leads the metadata quorum and runs broker 0
        startAll();
        // when node 0 is killed: node 1's heartbeat connection to it is closed by its kernel, and node 1, standing
        // for leader on that evidence (docs/adr/0037), is elected well within the grace
        cluster.brokers.get(0).crash();
        cluster.controllers.get(1).controllerConnectionClosed(0, cluster.brokers.get(0).epoch);
        cluster.queue.advance(50);
        assertThat(image().brokers().get(0).fenced()).as("before the election").isFalse();
        cluster.raft.elect(1);
        cluster.queue.advance(100);
        // then broker 0 is fenced at the activation, neither a grace after the close nor a session after the election
        assertThat(image().brokers().get(0).fenced()).isTrue();
        assertThat(image().brokers().get(1).fenced()).isFalse();
        assertThat(image().brokers().get(2).fenced()).isFalse();
    }

    @Test
    void aNewControllerWithoutEvidenceWaitsForThePreviousLeadersLease() {
        // given node 0 leads the metadata quorum and runs broker 0
        startAll();
        // when node 0 is paused (its connections stay open, no evidence) and node 1 is elected
        cluster.brokers.get(0).crash();
        cluster.queue.advance(cluster.settings.electionTimeoutMs());
        cluster.raft.elect(1);
        cluster.queue.advance(cluster.settings.connectionClosedGraceMs() + 100);
        // then broker 0 keeps its lease past the grace
        assertThat(image().brokers().get(0).fenced()).as("within its lease").isFalse();
    }

    @Test
    void controlledShutdownMovesLeadershipAwayBeforeTheBrokerExits() {
        // given
        startAll();
        PartitionImage led = createOnePartitionLedBy(2);
        // when
        cluster.brokers.get(2).shutDownGracefully();
        cluster.queue.advance(2500);
        // then its leadership moved before it was told to stop
        PartitionImage after = image().topic("t").orElseThrow().partitions().get(led.partition());
        assertThat(after.leader()).isNotIn(2, -1);
        cluster.queue.advance(4000);
        assertThat(cluster.brokers.get(2).alive).as("told shouldShutDown").isFalse();
        assertThat(image().brokers().get(2).fenced()).isTrue();
    }

    @Test
    void anotherIncarnationCannotTakeALiveBrokersIdAndStaleEpochsAreRefused() {
        // given
        startAll();
        SimCluster.SimBroker b0 = cluster.brokers.get(0);
        BrokerRegistrationRequestData impostor = new BrokerRegistrationRequestData().setBrokerId(0)
                .setIncarnationId(Uuid.randomUuid());
        impostor.listeners().add(new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT").setHost("x")
                .setPort(1));
        // when
        CompletableFuture<BrokerRegistrationResponseData> registration = cluster.target().registerBroker(impostor);
        CompletableFuture<BrokerHeartbeatResponseData> stale = cluster.target().brokerHeartbeat(
                new BrokerHeartbeatRequestData().setBrokerId(0).setBrokerEpoch(b0.epoch - 1));
        cluster.queue.advance(100);
        // then
        assertThat(registration.join().errorCode()).isEqualTo(Errors.DUPLICATE_BROKER_REGISTRATION.code());
        assertThat(stale.join().errorCode()).isEqualTo(Errors.STALE_BROKER_EPOCH.code());
        assertThat(image().brokers().get(0).epoch()).isEqualTo(b0.epoch);
    }

    @Test
    void aRegistrationWithANegativeIdOrAnImpossibleEndpointIsRefused() {
        // given (found by cairn-fuzz: a client registered brokers -1 and 0 at ports 0 and 65164 with garbage hosts)
        startAll();
        int brokersBefore = image().brokers().size();
        List<BrokerRegistrationRequestData> bad = List.of(registration(-1, "h", 9092), registration(7, "h", 0),
                registration(7, "", 9092));
        // when
        List<CompletableFuture<BrokerRegistrationResponseData>> answers = bad.stream()
                .map(r -> cluster.target().registerBroker(r)).toList();
        cluster.queue.advance(100);
        // then
        assertThat(answers).allSatisfy(a -> assertThat(a.join().errorCode())
                .isEqualTo(Errors.INVALID_REGISTRATION.code()));
        assertThat(image().brokers()).hasSize(brokersBefore);
    }

    @Test
    void aRegistrationKeepsEveryListenerWithTheFirstAsTheInterBrokerEndpoint() {
        // given: a broker with a PLAINTEXT inter-broker listener and a SASL_SSL one for clients
        startAll();
        BrokerRegistrationRequestData request = registration(7, "inner", 9092);
        request.listeners().add(new BrokerRegistrationRequestData.Listener().setName("sasl_ssl").setHost("outer")
                .setPort(9094));
        // when
        CompletableFuture<BrokerRegistrationResponseData> answer = cluster.target().registerBroker(request);
        cluster.queue.advance(100);
        // then: the others dial the first; clients of SASL_SSL are told the second (names in upper case)
        assertThat(answer.join().errorCode()).isEqualTo(Errors.NONE.code());
        BrokerImage registered = image().brokers().get(7);
        assertThat(registered.host()).isEqualTo("inner");
        assertThat(registered.port()).isEqualTo(9092);
        assertThat(registered.endpoints()).containsExactly(
                new RegisterBrokerRecord.Endpoint("PLAINTEXT", "inner", 9092),
                new RegisterBrokerRecord.Endpoint("SASL_SSL", "outer", 9094));
        assertThat(registered.endpoint("Sasl_Ssl")).map(RegisterBrokerRecord.Endpoint::host).contains("outer");
    }

    private static BrokerRegistrationRequestData registration(int id, String host, int port) {
        BrokerRegistrationRequestData request = new BrokerRegistrationRequestData().setBrokerId(id)
                .setIncarnationId(Uuid.randomUuid());
        request.listeners().add(new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT").setHost(host)
                .setPort(port));
        request.features().add(new BrokerRegistrationRequestData.Feature().setName(MetadataFormat.FEATURE_NAME)
                .setMinSupportedVersion(MetadataFormat.MIN).setMaxSupportedVersion(MetadataFormat.LATEST));
        return request;
    }

    @Test
    void standbyAnswersNotController() {
        // given
        startAll();
        // when
        CompletableFuture<BrokerHeartbeatResponseData> f = cluster.controllers.get(2).brokerHeartbeat(
                new BrokerHeartbeatRequestData().setBrokerId(0).setBrokerEpoch(1));
        cluster.queue.advance(10);
        // then
        assertThat(f).isCompletedExceptionally();
    }
}
