package io.cairn.broker.cluster;

import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import io.cairn.broker.handlers.ClusterApiHandlers;
import io.cairn.broker.handlers.ForwardingHandlers;
import io.cairn.broker.handlers.HeartbeatConnections;
import io.cairn.broker.replica.ControllerIsrChanger;
import io.cairn.metadata.MetadataImage;
import io.cairn.metadata.MetadataWriter;
import io.cairn.metadata.controller.Controller;
import io.cairn.metadata.controller.ControllerSettings;
import io.cairn.metadata.controller.SimQueue;
import io.cairn.metadata.controller.SimRaft;
import io.cairn.protocol.ApiRegistry;
import io.cairn.protocol.RequestContext;
import io.cairn.protocol.RequestDispatcher;
import io.cairn.protocol.RequestObserver;
import io.cairn.protocol.ServingGate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.BrokerRegistrationRequestData;

/**
 * One incarnation of a simulated node's cluster logic, wired as {@code CairnNode} wires it: the real
 * {@link Controller} over its {@link SimRaft} log, the real {@link ForwardingMetadataWriter} over the simulated
 * network, the real {@link BrokerLifecycle} and {@link ControllerIsrChanger} on top of it, and the real handlers
 * (CreateTopics, BrokerRegistration, BrokerHeartbeat with its {@link HeartbeatConnections}, AlterPartition) behind
 * the real {@link RequestDispatcher} serving the other nodes' requests. Everything runs on the node's
 * {@link SimProcess}. Not part of it yet: the replica manager, the logs, follower fetch, the coordinators.
 * Not thread-safe.
 */
final class SimNode {

    static final long HEARTBEAT_INTERVAL_MS = 2000;

    final int id;
    final SimProcess process;
    final SimRaft.NodeLog log;
    final Controller controller;
    final ForwardingMetadataWriter writer;
    final BrokerLifecycle lifecycle;
    final ControllerIsrChanger isr;
    /** The metadata Raft leader as this node knows it (it learns of a new one a little after the election). */
    int knownLeader = -1;

    SimNode(int id, SimQueue queue, SimRaft raft, SimNetwork network, ControllerSettings settings, Random random,
            long requestTimeoutMs) {
        this.id = id;
        this.process = new SimProcess(queue);
        this.log = raft.node(id);
        log.runningWhile(process::running);
        this.controller = new Controller(settings, log, process.executor(), queue.time, new Random(random.nextLong()),
                process);
        ControllerChannel channel = network.channel(id, process);
        // As CairnNode: the controller this node heartbeats closed the connection, evidence for the next one.
        channel.onHeartbeatPeerClosed(address -> controller.current().brokers().values().stream()
                .filter(b -> b.port() == address.getPort() && b.host().equals(address.getHostString()))
                .findFirst().ifPresent(b -> controller.controllerConnectionClosed(b.id(), b.epoch())));
        this.writer = new ForwardingMetadataWriter(id, controller, () -> knownLeader,
                controller::current, channel, process, queue.time, requestTimeoutMs);
        this.isr = new ControllerIsrChanger(id, this::brokerEpoch, controller::current, writer);
        BrokerRegistrationRequestData.Listener listener = new BrokerRegistrationRequestData.Listener()
                .setName("PLAINTEXT").setHost(SimNetwork.address(id).getHostString())
                .setPort(SimNetwork.address(id).getPort()).setSecurityProtocol((short) 0);
        this.lifecycle = new BrokerLifecycle(id, writer, controller::current, Set::of, process, queue.time,
                HEARTBEAT_INTERVAL_MS, List.of(listener), Optional.empty(), settings.supportedMetadataVersions(),
                new Uuid(random.nextLong(), random.nextLong()));
        writer.gateClientWritesOn(lifecycle.ready());
        Function<RequestContext, MetadataWriter> routed = ClusterApiHandlers.routing(writer);
        ApiRegistry registry = ApiRegistry.builder()
                .add(ForwardingHandlers.createTopics(routed))
                .add(ClusterApiHandlers.brokerRegistration(routed))
                .add(ClusterApiHandlers.brokerHeartbeat(routed, new HeartbeatConnections()))
                .add(ClusterApiHandlers.alterPartition(routed))
                .build();
        RequestDispatcher dispatcher = new RequestDispatcher(registry, process.executor(), "[node " + id + "] ",
                RequestObserver.NONE, ServingGate.alwaysOpen(), queue.time);
        network.serve(id, new SimNetwork.Server(process, dispatcher));
    }

    /** Starts the process: the controller replays its log, the broker registers. */
    void start() {
        controller.start();
        lifecycle.start();
    }

    /** kill -9: nothing of this incarnation runs again; its log stops being delivered. */
    void kill() {
        process.kill();
        log.close();
    }

    long brokerEpoch() {
        return lifecycle.brokerEpoch();
    }

    MetadataImage image() {
        return controller.current();
    }
}
