package io.cairn.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;

import io.cairn.raft.LeaderlessWatch.Verdict;
import org.junit.jupiter.api.Test;

class LeaderlessWatchTest {

    private final LeaderlessWatch watch = new LeaderlessWatch(5_000, 10_000);

    @Test
    void anElectionShorterThanTheThresholdIsQuiet() {
        assertThat(watch.observe(0, true, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.observe(1_000, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.observe(4_999, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.leaderlessMs(4_999)).as("since the leader was last seen").isEqualTo(4_999);
        assertThat(watch.observe(5_500, true, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.leaderlessMs(5_500)).isZero();
    }

    @Test
    void leaderlessPastTheThresholdWhilePeersAnswerIsReportedOncePerEpisode() {
        watch.observe(0, true, () -> true); // the leader was last seen here
        assertThat(watch.observe(500, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.observe(4_900, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.stuck()).isFalse();
        assertThat(watch.observe(5_000, false, () -> true)).isEqualTo(Verdict.STUCK);
        assertThat(watch.observe(9_000, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.stuck()).as("stuck until a leader is known again").isTrue();
        assertThat(watch.leaderlessMs(9_000)).isEqualTo(9_000);
        assertThat(watch.observe(10_000, true, () -> true)).isEqualTo(Verdict.RECOVERED);
        assertThat(watch.stuck()).isFalse();
        assertThat(watch.observe(10_500, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.observe(15_000, false, () -> true)).isEqualTo(Verdict.STUCK);
    }

    @Test
    void aMemberCutOffFromItsPeersIsNotReportedStuck() {
        AtomicInteger asked = new AtomicInteger();
        watch.observe(0, false, () -> true);
        assertThat(watch.observe(2_000, false, () -> asked.incrementAndGet() < 0)).isEqualTo(Verdict.QUIET);
        assertThat(asked).as("peers are probed only past the threshold").hasValue(0);
        assertThat(watch.observe(6_000, false, () -> asked.incrementAndGet() < 0)).isEqualTo(Verdict.QUIET);
        assertThat(watch.observe(7_000, false, () -> true)).isEqualTo(Verdict.STUCK);
        assertThat(asked).hasValue(1);
    }

    @Test
    void aPauseOfTheProcessDoesNotCountAsTimeWithoutALeader() {
        watch.observe(0, true, () -> true);
        // frozen for 12 s (SIGSTOP): the first look after the resume finds no leader yet
        assertThat(watch.observe(12_000, false, () -> true)).isEqualTo(Verdict.QUIET);
        assertThat(watch.leaderlessMs(12_000)).isZero();
        assertThat(watch.observe(12_500, true, () -> true)).isEqualTo(Verdict.QUIET);
    }
}
