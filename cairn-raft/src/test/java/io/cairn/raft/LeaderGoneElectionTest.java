package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

import org.apache.kafka.common.utils.Time;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Ratis members whose election timeout (10-20 s) is far longer than the test waits: when the leader's
 * process is reported gone, the survivors elect a new leader at once, which only the evidence can make happen.
 */
class LeaderGoneElectionTest {

    private static final Duration ELECTION_TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final List<RatisMetadataLog> members = new ArrayList<>();

    @AfterEach
    void closeAll() {
        members.forEach(RatisMetadataLog::close);
    }

    @Test
    void theSurvivorsElectANewLeaderAsSoonAsTheLeadersProcessIsReportedGone() throws Exception {
        startGroup();
        int leader = awaitOneLeader(members);
        long term = members.get(0).quorumStatus().term();
        RatisMetadataLog gone = members.get(leader - 1);
        List<RatisMetadataLog> survivors = members.stream().filter(m -> m != gone).toList();

        // when: the leader stops, and both survivors learn its connection closed
        gone.close();
        long goneAt = System.nanoTime();
        survivors.forEach(m -> m.peerProcessGone(leader));

        // then: a new leader in a later term, long before either survivor's election timeout could elect one
        Awaitility.await("a new leader among the survivors").atMost(ELECTION_TIMEOUT.dividedBy(2))
                .until(() -> survivors.stream().anyMatch(m -> m.leaderId().isPresent()
                        && m.leaderId().getAsInt() != leader && m.quorumStatus().term() > term));
        assertThat(Duration.ofNanos(System.nanoTime() - goneAt)).isLessThan(ELECTION_TIMEOUT);
    }

    /** Starts three members on fresh loopback ports, again on other ports if one was taken meanwhile. */
    private void startGroup() throws IOException {
        for (int attempt = 0; ; attempt++) {
            List<Voter> voters = List.of(new Voter(1, "127.0.0.1", freePort()), new Voter(2, "127.0.0.1", freePort()),
                    new Voter(3, "127.0.0.1", freePort()));
            try {
                for (Voter voter : voters) {
                    RatisMetadataLog member = new RatisMetadataLog(new RaftSettings(voter.id(), voters,
                            dir.resolve("try-" + attempt).resolve("node-" + voter.id()), ELECTION_TIMEOUT, 1_000),
                            Time.SYSTEM, Duration.ofMillis(200));
                    members.add(member);
                    member.start();
                }
                return;
            } catch (RuntimeException e) {
                closeAll();
                members.clear();
                if (attempt >= 5 || !(e.getCause() instanceof BindException
                        || String.valueOf(e.getMessage()).contains("Address already in use"))) {
                    throw e;
                }
            }
        }
    }

    /**
     * The leader all members follow, each with its log started (a first election can leave a member on an older
     * term for a moment, or knowing the leader before it has an entry of its term).
     */
    private static int awaitOneLeader(List<RatisMetadataLog> members) {
        Awaitility.await("one leader followed by all").atMost(Duration.ofSeconds(30)).until(() -> {
            OptionalInt first = members.get(0).leaderId();
            return first.isPresent() && members.stream().allMatch(m -> m.leaderId().equals(first)
                    && m.quorumStatus().term() == members.get(0).quorumStatus().term() && m.committedIndex() >= 0);
        });
        return members.get(0).leaderId().getAsInt();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        }
    }
}
