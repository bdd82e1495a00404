package io.cairn.raft;

import java.util.function.BooleanSupplier;

/**
 * Notices a metadata Raft member that has known no leader for too long. Elections take one or two election
 * timeouts; a member that stays leaderless for {@code threshold} while its peers answer is stuck, not
 * electing (the Ratis 3.1.3 step-down deadlock left a paused controller that way for good, docs/adr/0011).
 *
 * <p>Plain logic, driven by {@link #observe} with the time and what the member reports, from one thread;
 * {@link #leaderlessMs} may be read from any thread.
 */
final class LeaderlessWatch {

    /** What the caller should do after an observation. */
    enum Verdict {
        /** Nothing to report. */
        QUIET,
        /** Leaderless past the threshold while peers answer: report once, with the evidence. */
        STUCK,
        /** A leader is known again after a reported episode. */
        RECOVERED
    }

    private final long thresholdMs;
    private final long maxGapMs;
    /** When {@link #observe} last ran, ms. */
    private long lastObservedMs;
    /** When the member was last seen with a leader (or first observed), ms. */
    private volatile long leaderSeenMs;
    private volatile boolean leaderKnown = true;
    private volatile boolean started;
    private volatile boolean reported;

    /**
     * @param thresholdMs how long without a leader is stuck
     * @param maxGapMs    a longer gap between two observations means this process was paused (SIGSTOP, a long
     *                    GC): the member gets a whole threshold from the resume to find its leader again, since
     *                    nothing it could do counted while it was frozen
     */
    LeaderlessWatch(long thresholdMs, long maxGapMs) {
        this.thresholdMs = thresholdMs;
        this.maxGapMs = maxGapMs;
    }

    /**
     * @param nowMs       the time, ms (any monotonic origin)
     * @param leaderKnown whether the member follows (or is) a leader now
     * @param peersAnswer whether a majority of the other voters can be reached; only asked once the member
     *                    has been leaderless past the threshold
     */
    Verdict observe(long nowMs, boolean leaderKnown, BooleanSupplier peersAnswer) {
        if (!started || nowMs - lastObservedMs > maxGapMs) {
            started = true;
            leaderSeenMs = nowMs;
        }
        lastObservedMs = nowMs;
        this.leaderKnown = leaderKnown;
        if (leaderKnown) {
            leaderSeenMs = nowMs;
            if (reported) {
                reported = false;
                return Verdict.RECOVERED;
            }
            return Verdict.QUIET;
        }
        if (!reported && nowMs - leaderSeenMs >= thresholdMs && peersAnswer.getAsBoolean()) {
            reported = true;
            return Verdict.STUCK;
        }
        return Verdict.QUIET;
    }

    /** Whether the member is stuck now: reported {@link Verdict#STUCK} and not yet recovered. */
    boolean stuck() {
        return reported;
    }

    /** How long the member has known no leader as of {@code nowMs}; 0 while it knows one. */
    long leaderlessMs(long nowMs) {
        return leaderKnown || !started ? 0 : Math.max(0, nowMs - leaderSeenMs);
    }
}
