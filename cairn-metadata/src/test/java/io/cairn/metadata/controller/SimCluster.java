package io.cairn.metadata.controller;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import io.cairn.metadata.MetadataImage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerHeartbeatRequestData;
import org.apache.kafka.common.message.BrokerHeartbeatResponseData;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;
import org.apache.kafka.common.message.BrokerRegistrationResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * N controllers over a {@link SimRaft} and M simulated brokers heartbeating them through a lossy, delaying
 * network, all on one {@link SimQueue}. Broker b keeps its metadata on node {@code b % N} (its offset is what
 * it reports as caught up). Not thread-safe.
 */
final class SimCluster {

    static final long HEARTBEAT_INTERVAL_MS = 2000;

    final SimQueue queue = new SimQueue();
    final Random random;
    final SimRaft raft;
    /** The settings of every node; a test may change them before it restarts a controller (an upgrade). */
    ControllerSettings settings;
    final List<Controller> controllers = new ArrayList<>();
    final Map<Integer, SimBroker> brokers = new HashMap<>();
    /** Probability that one network message (request or response) is lost. */
    double dropProbability;
    /** Largest one-way network delay. */
    int maxDelayMs = 300;

    SimCluster(long seed, int nodes, int brokerCount, ControllerSettings settings, double staleCommitProbability) {
        this.random = new Random(seed);
        this.raft = new SimRaft(queue, random, staleCommitProbability);
        this.settings = settings;
        for (int n = 0; n < nodes; n++) {
            controllers.add(newController(n));
        }
        for (int b = 0; b < brokerCount; b++) {
            brokers.put(b, new SimBroker(b));
        }
    }

    private Controller newController(int nodeId) {
        SimRaft.NodeLog log = raft.node(nodeId);
        ControllerSettings s = new ControllerSettings(nodeId, settings.numPartitions(),
                settings.defaultReplicationFactor(), settings.producerIdBlockSize(), settings.brokerConfigs());
        Controller c = new Controller(s, log, queue.executor(), queue.time, new Random(random.nextLong()),
                queue);
        c.start();
        return c;
    }

    /** Replaces node {@code n}'s controller by a fresh one that replays the log from offset 0. */
    Controller restartController(int n) {
        if (raft.leader == n) {
            raft.elect(-1);
        }
        Controller c = newController(n);
        controllers.set(n, c);
        return c;
    }

    /** The active controller's node, or a random node when there is none (it answers NOT_CONTROLLER). */
    Controller target() {
        return controllers.get(raft.leader >= 0 ? raft.leader : random.nextInt(controllers.size()));
    }

    MetadataImage imageOf(int brokerId) {
        return controllers.get(brokerId % controllers.size()).current();
    }

    /** Sends over the lossy network: maybe lost, else delivered after a random delay. */
    private void send(Runnable delivery) {
        if (random.nextDouble() < dropProbability) {
            return;
        }
        queue.at(random.nextInt(maxDelayMs + 1), delivery);
    }

    /** A request to the controller and its response, each crossing the network. */
    private <T> void call(java.util.function.Supplier<CompletableFuture<T>> request, Consumer<T> onResponse) {
        send(() -> request.get().whenComplete((response, error) -> {
            if (error == null) {
                send(() -> onResponse.accept(response));
            }
        }));
    }

    /** A simulated broker: registers, heartbeats every 2 s, can crash, restart and shut down gracefully. */
    final class SimBroker {
        final int id;
        boolean alive;
        Uuid incarnation;
        long epoch = -1;
        boolean wantShutDown;
        boolean fenced = true;
        /** The metadata versions it registers; null: none, as a broker of the release before the feature. */
        io.cairn.metadata.record.MetadataFormat.Range metadataVersions = new io.cairn.metadata.record.MetadataFormat
                .Range(io.cairn.metadata.record.MetadataFormat.MIN, io.cairn.metadata.record.MetadataFormat.LATEST);
        /** The error code of its last registration answer, -1 before any. */
        short lastRegistrationError = -1;
        /** The partitions whose logs this incarnation cannot serve; reported in every heartbeat. */
        java.util.Set<io.cairn.metadata.PartitionId> offline = java.util.Set.of();
        private int generation;

        SimBroker(int id) {
            this.id = id;
        }

        /** Starts a new incarnation: registers, then heartbeats. */
        void start() {
            alive = true;
            wantShutDown = false;
            epoch = -1;
            fenced = true;
            offline = java.util.Set.of();
            incarnation = new Uuid(random.nextLong(), random.nextLong());
            int gen = ++generation;
            queue.at(random.nextInt(100), () -> tick(gen));
        }

        /** Stops at once, without telling anyone (kill -9). */
        void crash() {
            alive = false;
            generation++;
        }

        void shutDownGracefully() {
            wantShutDown = true;
        }

        private void tick(int gen) {
            if (gen != generation || !alive) {
                return;
            }
            if (epoch < 0) {
                register(gen);
            } else {
                heartbeat(gen);
            }
            queue.at(HEARTBEAT_INTERVAL_MS, () -> tick(gen));
        }

        private void register(int gen) {
            BrokerRegistrationRequestData request = new BrokerRegistrationRequestData().setBrokerId(id)
                    .setIncarnationId(incarnation).setRack(id % 2 == 0 ? "a" : "b");
            request.listeners().add(new BrokerRegistrationRequestData.Listener().setName("PLAINTEXT")
                    .setHost("broker" + id).setPort(9092));
            if (metadataVersions != null) {
                request.features().add(new BrokerRegistrationRequestData.Feature()
                        .setName(io.cairn.metadata.record.MetadataFormat.FEATURE_NAME)
                        .setMinSupportedVersion(metadataVersions.min()).setMaxSupportedVersion(metadataVersions.max()));
            }
            Controller c = target();
            call(() -> c.registerBroker(request), (BrokerRegistrationResponseData r) -> {
                if (gen == generation) {
                    lastRegistrationError = r.errorCode();
                }
                if (gen == generation && r.errorCode() == Errors.NONE.code()) {
                    epoch = r.brokerEpoch();
                }
            });
        }

        private void heartbeat(int gen) {
            long sentEpoch = epoch;
            BrokerHeartbeatRequestData request = new BrokerHeartbeatRequestData().setBrokerId(id)
                    .setBrokerEpoch(sentEpoch).setCurrentMetadataOffset(imageOf(id).offset())
                    .setWantShutDown(wantShutDown);
            OfflinePartitionsField.write(request, offline);
            Controller c = target();
            call(() -> c.brokerHeartbeat(request), (BrokerHeartbeatResponseData r) -> {
                if (gen != generation || sentEpoch != epoch) {
                    return;
                }
                if (r.errorCode() == Errors.STALE_BROKER_EPOCH.code()
                        || r.errorCode() == Errors.BROKER_ID_NOT_REGISTERED.code()) {
                    epoch = -1;
                } else if (r.errorCode() == Errors.NONE.code()) {
                    fenced = r.isFenced();
                    if (r.shouldShutDown()) {
                        crash();
                    }
                }
            });
        }
    }
}
