package io.cairn.raft;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;

/**
 * The evidence logged with a stuck metadata Raft member: which Ratis threads wait for what, and which locks
 * each holds, so that a deadlock inside Ratis can be read from one log line (the Ratis 3.1.3 step-down
 * deadlock showed as a RaftServerImpl monitor held by one thread and waited for by the log appenders).
 */
final class ThreadEvidence {

    private static final int MAX_FRAMES = 16;

    private ThreadEvidence() {
    }

    /** Every Ratis division thread (named {@code <peer>@group-...}) and every blocked thread, with their locks. */
    static String raftThreads() {
        StringBuilder out = new StringBuilder();
        for (ThreadInfo thread : ManagementFactory.getThreadMXBean().dumpAllThreads(true, true)) {
            if (thread.getThreadName().contains("@group-") || thread.getThreadState() == Thread.State.BLOCKED) {
                append(out, thread);
            }
        }
        return out.toString();
    }

    private static void append(StringBuilder out, ThreadInfo thread) {
        out.append('"').append(thread.getThreadName()).append("\" ").append(thread.getThreadState());
        if (thread.getLockName() != null) {
            out.append(" on ").append(thread.getLockName());
        }
        if (thread.getLockOwnerName() != null) {
            out.append(" held by \"").append(thread.getLockOwnerName()).append('"');
        }
        out.append('\n');
        StackTraceElement[] stack = thread.getStackTrace();
        for (int depth = 0; depth < Math.min(stack.length, MAX_FRAMES); depth++) {
            out.append("    at ").append(stack[depth]).append('\n');
            for (MonitorInfo monitor : thread.getLockedMonitors()) {
                if (monitor.getLockedStackDepth() == depth) {
                    out.append("    - locked ").append(monitor).append('\n');
                }
            }
        }
        if (stack.length > MAX_FRAMES) {
            out.append("    ...\n");
        }
        for (LockInfo lock : thread.getLockedSynchronizers()) {
            out.append("    - holds ").append(lock).append('\n');
        }
    }
}
