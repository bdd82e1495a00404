package io.cairn.raft;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.cairn.metadata.log.MetadataLog;
import io.cairn.metadata.record.MetadataBatch;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.MetadataRecordSerde;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.utils.Time;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.netty.NettyConfigKeys;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's {@link MetadataLog} on Apache Ratis: one Raft group whose voters are the cluster's nodes.
 * Each metadata batch is one Raft log entry; its offset is the entry's Raft index (increasing, not dense:
 * Ratis's own configuration and leader no-op entries take indexes too). The state machine
 * ({@link MetadataStateMachine}) hands committed batches to the listeners and announces leadership only
 * from Ratis's {@code notifyLeaderReady}, i.e. once this node leads a term and has applied the whole log.
 *
 * <p>Appends are submitted to the local Ratis server only (never redirected): if this node does not lead
 * the batch's term when the entry is started, the append fails with NOT_CONTROLLER. Forwarding to the
 * controller happens above this layer, with Kafka's own messages.
 *
 * <p>Thread-safe. Listener callbacks run on one thread, {@code cairn-metadata-apply-<nodeId>}.
 */
public final class RatisMetadataLog implements MetadataLog {

    private static final Logger LOG = LoggerFactory.getLogger(RatisMetadataLog.class);
    /** The metadata group of every Cairn cluster; one group per cluster, so a fixed id. */
    public static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(
            UUID.nameUUIDFromBytes("cairn-cluster-metadata".getBytes(StandardCharsets.UTF_8)));
    private static final RaftGroupIdProto GROUP_ID_PROTO =
            RaftGroupIdProto.newBuilder().setId(GROUP_ID.toByteString()).build();

    /** The first election timeout (min; max is twice) of a group whose only voter is this node. */
    static final long FIRST_ELECTION_LONE_VOTER_MS = 10;
    /**
     * A member leaderless for this many (minimum) election timeouts, plus {@link #RATIS_STEP_DOWN_BOUND_MS}, while
     * its peers answer is reported stuck.
     */
    static final int STUCK_ELECTION_TIMEOUTS = 5;
    /**
     * How long Ratis 3.2 may hold a stepping-down leader in its step-down (it waits at most 5 s for its log
     * appenders, which can be blocked on the lock it holds; docs/adr/0011): a member that heals by itself after
     * that is not reported.
     */
    static final long RATIS_STEP_DOWN_BOUND_MS = 5_000;
    private static final int PEER_PROBE_TIMEOUT_MS = 500;

    static {
        // Ratis publishes each of its (Dropwizard) metrics as a JMX MBean unless a reporter has been registered
        // before its first registry: dozens of MBeans built by reflection on every start. Cairn serves no Ratis
        // metrics (DescribeQuorum reports the quorum's state), so it registers a reporter that reports nothing.
        MetricRegistries.global().addReporterRegistration(registry -> { }, registry -> { });
    }

    private final RaftSettings settings;
    private final String logPrefix;
    private final MetadataStateMachine stateMachine;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final RaftGroup group;
    private final LeaderlessWatch leaderlessWatch;
    private volatile ScheduledExecutorService watchThread;
    private volatile RaftServer server;
    private volatile boolean closed;
    /** The clock of the leaderless watch. */
    private final Time time;
    private final Duration firstElectionTimeout;

    public RatisMetadataLog(RaftSettings settings) {
        this(settings, Time.SYSTEM);
    }

    public RatisMetadataLog(RaftSettings settings, Time time) {
        this(settings, time, null);
    }

    /**
     * @param firstElectionTimeout the first election's minimum timeout, if not the election timeout (tests that
     *                             need a long election timeout but not a long start)
     */
    RatisMetadataLog(RaftSettings settings, Time time, Duration firstElectionTimeout) {
        this.firstElectionTimeout = firstElectionTimeout;
        this.settings = settings;
        this.time = time;
        this.logPrefix = "[node " + settings.nodeId() + "] ";
        this.stateMachine = new MetadataStateMachine(settings.nodeId(), settings.snapshotThreshold(),
                settings.maxBatchFormat());
        List<RaftPeer> peers = new ArrayList<>();
        for (Voter voter : settings.voters()) {
            peers.add(RaftPeer.newBuilder().setId(peerId(voter.id())).setAddress(voter.address()).build());
        }
        this.group = RaftGroup.valueOf(GROUP_ID, peers);
        this.leaderlessWatch = new LeaderlessWatch(STUCK_ELECTION_TIMEOUTS * settings.electionTimeout().toMillis()
                + RATIS_STEP_DOWN_BOUND_MS, 4 * watchPeriodMs(settings));
    }

    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(String.valueOf(nodeId));
    }

    @Override
    public int nodeId() {
        return settings.nodeId();
    }

    @Override
    public void register(Listener listener) {
        stateMachine.register(listener);
    }

    /** Starts the Ratis server: binds the Raft port, recovers the local log, joins elections. Returns at once. */
    @Override
    public synchronized void start() {
        try {
            Files.createDirectories(settings.dir());
            server = RaftServer.newBuilder()
                    .setServerId(peerId(settings.nodeId()))
                    .setGroup(group)
                    .setStateMachine(stateMachine)
                    .setProperties(properties())
                    .setParameters(parameters())
                    .setOption(RaftStorage.StartupOption.RECOVER)
                    .build();
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(logPrefix + "cannot start the metadata Raft server on "
                    + settings.self().address() + " with data in " + settings.dir() + ": " + rootCause(e), e);
        }
        LOG.info("{}metadata Raft server started on {}{} with voters {}", logPrefix, settings.self().address(),
                settings.tls() == null ? "" : " (mutual TLS)", settings.voters());
        long periodMs = watchPeriodMs(settings);
        watchThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-raft-watch-" + settings.nodeId());
            t.setDaemon(true);
            return t;
        });
        watchThread.scheduleWithFixedDelay(this::watchLeadership, periodMs, periodMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Evidence that voter {@code nodeId}'s process has exited: a connection to it was closed from its side (its
     * kernel closes the sockets of a killed process at once; a paused or partitioned one keeps them open, so it
     * never produces this evidence). If this member follows that node, it starts an election now instead of after
     * the election timeout (docs/adr/0037): the metadata quorum's own failover, which Ratis otherwise
     * begins only once 1-2 timeouts of silence have passed. The surviving voters stand in the order of their ids,
     * half an election timeout apart, each only if it still follows the gone node in the same term by then: two
     * candidates at once would split the vote and both fall back to the timeout, and a first candidate's vote
     * request can take a while on a loaded host (it writes its vote to disk first). Starting an election early is
     * always safe in Raft (a vote still needs a majority and an up-to-date log); wrong evidence costs one
     * needless election. Thread-safe; returns at once.
     */
    public void peerProcessGone(int nodeId) {
        ScheduledExecutorService thread = watchThread;
        DivisionInfo info = info();
        if (thread == null || closed || info == null || !info.isFollower()
                || !peerId(nodeId).equals(info.getLeaderId())) {
            LOG.debug("{}node {} is gone, but this member does not follow it ({})", logPrefix, nodeId,
                    info == null ? "not running" : info.getCurrentRole() + " of leader " + info.getLeaderId());
            return;
        }
        long term = info.getCurrentTerm();
        long seenAtMs = time.hiResClockMs();
        long rank = settings.voters().stream().filter(v -> v.id() != nodeId && v.id() < settings.nodeId()).count();
        try {
            thread.schedule(() -> standForLeader(nodeId, term, seenAtMs), 
                    rank * settings.electionTimeout().toMillis() / 2, TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            LOG.debug("{}not starting an election: closing", logPrefix, e);
        }
    }

    /**
     * Asks this member to stand for leader as a leader handing over would (Ratis's StartLeaderElection, which skips
     * the pre-vote), on behalf of the gone leader of {@code term}, if it still follows that leader in that term.
     */
    private void standForLeader(int goneLeader, long term, long seenAtMs) {
        try {
            RaftServer s = server;
            RaftServer.Division division = s == null || closed ? null : s.getDivision(GROUP_ID);
            if (division == null) {
                return;
            }
            DivisionInfo info = division.getInfo();
            TermIndex last = division.getRaftLog().getLastEntryTermIndex();
            if (!info.isFollower() || info.getCurrentTerm() != term || !peerId(goneLeader).equals(info.getLeaderId())
                    || last == null) {
                // another voter stood first, or the leader is back
                LOG.debug("{}not standing for leader after leader {} of term {} was gone: {} of leader {} in term {}",
                        logPrefix, goneLeader, term, info.getCurrentRole(), info.getLeaderId(), info.getCurrentTerm());
                return;
            }
            StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.newBuilder()
                    .setServerRequest(RaftRpcRequestProto.newBuilder()
                            .setRequestorId(peerId(goneLeader).toByteString())
                            .setReplyId(s.getId().toByteString())
                            .setRaftGroupId(GROUP_ID_PROTO)
                            .setCallId(callIds.incrementAndGet()))
                    .setLeaderLastEntry(last.toProto())
                    .build();
            StartLeaderElectionReplyProto reply = s.startLeaderElection(request);
            if (reply.getServerReply().getSuccess()) {
                LOG.info("{}metadata Raft leader {} of term {} is gone (its connection closed {} ms ago): standing for "
                        + "leader now, not after the election timeout", logPrefix, goneLeader, term,
                        time.hiResClockMs() - seenAtMs);
            } else {
                LOG.debug("{}could not stand for leader after leader {} of term {} was gone", logPrefix, goneLeader,
                        term);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}could not stand for leader after leader {} of term {} was gone", logPrefix, goneLeader, term,
                    e);
        }
    }

    /** The innermost message of a failure: what an operator acts on (a port in use, a directory not writable). */
    private static String rootCause(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    private static long watchPeriodMs(RaftSettings settings) {
        return Math.max(50, settings.electionTimeout().toMillis() / 2);
    }

    /** Reports, once per episode, a member that stays leaderless while its peers answer (see LeaderlessWatch). */
    private void watchLeadership() {
        try {
            long now = time.hiResClockMs();
            switch (leaderlessWatch.observe(now, leaderId().isPresent(), this::majorityOfPeersAnswer)) {
                case STUCK -> LOG.error("{}the metadata Raft member has known no leader for {} ms although a majority "
                                + "of its peers answer: it is stuck, not electing. This node cannot heartbeat the "
                                + "controller and stays fenced until it has a leader again. Its Raft threads:\n{}",
                        logPrefix, leaderlessWatch.leaderlessMs(now), ThreadEvidence.raftThreads());
                case RECOVERED -> LOG.info("{}the metadata Raft member follows leader {} again", logPrefix,
                        leaderId().orElse(-1));
                case QUIET -> { }
            }
        } catch (RuntimeException e) {
            LOG.debug("{}leadership watch failed", logPrefix, e);
        }
    }

    private boolean majorityOfPeersAnswer() {
        int answering = 1; // this node
        for (Voter voter : settings.voters()) {
            if (voter.id() == settings.nodeId()) {
                continue;
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(voter.host(), voter.port()), PEER_PROBE_TIMEOUT_MS);
                answering++;
            } catch (IOException e) {
                // not answering
            }
        }
        return 2 * answering > settings.voters().size();
    }

    /** How long this node's Raft member has known no leader (0 while it knows one), ms. Thread-safe. */
    public long leaderlessMillis() {
        return leaderlessWatch.leaderlessMs(time.hiResClockMs());
    }

    /**
     * Whether this node's Raft member is stuck: it has known no leader past the threshold although a majority of
     * its peers answer (reported once at ERROR). Thread-safe.
     */
    public boolean stuck() {
        return leaderlessWatch.stuck();
    }

    private RaftProperties properties() {
        RaftProperties p = new RaftProperties();
        if (settings.tls() == null) {
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.NETTY);
            NettyConfigKeys.Server.setHost(p, settings.self().host());
            NettyConfigKeys.Server.setPort(p, settings.self().port());
        } else {
            // Ratis's Netty RPC has no TLS; its gRPC transport has (docs/adr/0025). Client and admin services
            // share the server's port (their ports are unset).
            RaftConfigKeys.Rpc.setType(p, SupportedRpcType.GRPC);
            GrpcConfigKeys.Server.setHost(p, settings.self().host());
            GrpcConfigKeys.Server.setPort(p, settings.self().port());
        }
        RaftServerConfigKeys.setStorageDir(p, List.of(settings.dir().toFile()));
        long min = settings.electionTimeout().toMillis();
        boolean loneVoter = settings.voters().size() == 1;
        if (loneVoter) {
            // A lone voter has nobody to wait for: elect at once.
            min = 100;
        }
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, TimeDuration.valueOf(min, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, TimeDuration.valueOf(2 * min, TimeUnit.MILLISECONDS));
        // A lone voter's first election cannot compete with anyone's (no other voter exists), so it need not
        // wait a randomised timeout, nor ask for pre-votes: it is elected as soon as its log is recovered.
        // Groups of several voters keep the full timeouts and pre-vote.
        long firstMin = loneVoter ? FIRST_ELECTION_LONE_VOTER_MS
                : firstElectionTimeout != null ? firstElectionTimeout.toMillis() : min;
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(p, TimeDuration.valueOf(firstMin, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(p, TimeDuration.valueOf(2 * firstMin,
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setRequestTimeout(p, TimeDuration.valueOf(Math.max(3000, 3 * min),
                TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.LeaderElection.setPreVote(p, !loneVoter);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(p, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, settings.snapshotThreshold());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
        RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(Integer.MAX_VALUE,
                settings.snapshotThreshold() / 2)));
        return p;
    }

    /** The TLS of the Raft port, for every gRPC service and for this member's connections to the others. */
    private Parameters parameters() {
        Parameters parameters = new Parameters();
        RaftTls tls = settings.tls();
        if (tls != null) {
            GrpcTlsConfig conf = new GrpcTlsConfig(tls.keyManager(), tls.trustManager(), true);
            GrpcConfigKeys.TLS.setConf(parameters, conf);
            GrpcConfigKeys.Server.setTlsConf(parameters, conf);
            GrpcConfigKeys.Admin.setTlsConf(parameters, conf);
            GrpcConfigKeys.Client.setTlsConf(parameters, conf);
        }
        return parameters;
    }

    /**
     * Appends one batch decided in {@code term}. The entry carries the term; the state machine refuses to
     * start it unless this node leads exactly that term and has applied the log (so a controller of an old
     * term can never write in a later one).
     */
    @Override
    public CompletableFuture<Long> append(int term, int batchFormat, List<MetadataRecord> records) {
        RaftServer s = server;
        if (s == null || closed) {
            return CompletableFuture.failedFuture(new NotControllerException("metadata log of node "
                    + settings.nodeId() + " is not running"));
        }
        byte[] payload = MetadataRecordSerde.serialize(new MetadataBatch(-1, term, settings.nodeId(), records),
                batchFormat);
        ByteBuffer entry = ByteBuffer.allocate(4 + payload.length).putInt(term).put(payload);
        entry.flip();
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(s.getId())
                .setGroupId(GROUP_ID)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(ByteString.copyFrom(entry)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = s.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new NotControllerException(e.getMessage()));
        }
        return reply.thenApply(r -> {
            if (r.isSuccess()) {
                return r.getLogIndex();
            }
            if (r.getStateMachineException() != null || r.getNotLeaderException() != null
                    || r.getLeaderNotReadyException() != null || r.getLeaderSteppingDownException() != null
                    || r.getAlreadyClosedException() != null) {
                throw new NotControllerException("node " + settings.nodeId() + " does not lead term " + term
                        + ": " + r.getException());
            }
            throw new IllegalStateException(logPrefix + "metadata append failed: " + r.getException());
        });
    }

    /** The node the Raft group currently follows (this one when leading), if any. Thread-safe. */
    public OptionalInt leaderId() {
        DivisionInfo info = info();
        if (info == null || info.getLeaderId() == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(info.getLeaderId().toString()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /**
     * The last index this node's Raft member knows committed, or -1 before it knows one: before the server runs,
     * and while it starts (Ratis initializes the log only after the state machine has loaded its snapshot, and
     * refuses it with IllegalStateException until then).
     */
    public long committedIndex() {
        RaftServer s = server;
        if (s == null) {
            return -1;
        }
        try {
            return s.getDivision(GROUP_ID).getRaftLog().getLastCommittedIndex();
        } catch (IOException | IllegalStateException e) {
            return -1;
        }
    }

    /**
     * The last index this node's Raft member has applied (its own entries included), or -1 before it knows one; as
     * {@link #committedIndex()}, which it trails while committed entries wait to be applied.
     */
    public long appliedIndex() {
        RaftServer s = server;
        if (s == null) {
            return -1;
        }
        try {
            return s.getDivision(GROUP_ID).getInfo().getLastAppliedIndex();
        } catch (IOException | IllegalStateException e) {
            return -1;
        }
    }

    /** The quorum as this node sees it, for DescribeQuorum. */
    public QuorumStatus quorumStatus() {
        DivisionInfo info = info();
        int leader = leaderId().orElse(-1);
        long term = info == null ? -1 : info.getCurrentTerm();
        Map<Integer, Long> ends = new java.util.TreeMap<>();
        try {
            if (server != null) {
                for (CommitInfoProto commit : server.getDivision(GROUP_ID).getCommitInfos()) {
                    ends.put(Integer.parseInt(commit.getServer().getId().toStringUtf8()), commit.getCommitIndex());
                }
            }
        } catch (IOException | NumberFormatException e) {
            LOG.debug("{}no commit infos: {}", logPrefix, e.toString());
        }
        List<QuorumStatus.VoterStatus> voters = new ArrayList<>();
        for (Voter voter : settings.voters()) {
            voters.add(new QuorumStatus.VoterStatus(voter.id(), ends.getOrDefault(voter.id(), -1L)));
        }
        long highWatermark = -1;
        try {
            highWatermark = info == null ? -1 : info.getLastAppliedIndex();
        } catch (IllegalStateException e) {
            // Between build() and the end of start() Ratis has no state machine updater yet ("stateMachineUpdater
            // is uninitialized"): a restarting node asked at once (the chaos command's whole-cluster check) answered
            // UNKNOWN_SERVER_ERROR and logged an ERROR. Nothing is applied yet.
        }
        return new QuorumStatus(leader, (int) term, highWatermark, voters);
    }

    private DivisionInfo info() {
        RaftServer s = server;
        if (s == null) {
            return null;
        }
        try {
            return s.getDivision(GROUP_ID).getInfo();
        } catch (IOException e) {
            return null;
        }
    }

    public RaftSettings settings() {
        return settings;
    }

    /** Takes a snapshot now (tests and tools); returns its index. */
    public long takeSnapshot() throws IOException {
        return stateMachine.takeSnapshot();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (watchThread != null) {
            watchThread.shutdownNow();
        }
        stateMachine.resignIfLeading();
        try {
            if (server != null) {
                server.close();
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}closing the metadata Raft server failed", logPrefix, e);
        }
        stateMachine.shutdown();
    }
}
