package io.cairn.fuzz;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

/**
 * Watches a node running in this JVM: every WARN or ERROR it logs (as BadInputIT does: kafka-clients' own
 * lines excepted, they are this JVM's clients), uncaught exceptions on any thread, its long-lived threads
 * (named {@code cairn-...}) still alive at the end, and the heap after a GC. Thread-safe. Ratis's report of a
 * JVM pause is not counted: it is the machine stalling this process (a loaded CI host), not an answer to input.
 */
final class InProcessWatch implements NodeWatch, AutoCloseable {

    /** Threads that come and go by design: pool workers, start and stop helpers, the fuzzer's own. */
    private static final List<String> TRANSIENT = List.of("cairn-request-", "cairn-one-request", "cairn-start-",
            "cairn-stop-", "cairn-logging-init", "cairn-fuzz", "cairn-shutdown");

    private static final String JVM_PAUSE_MONITOR = "org.apache.ratis.util.JvmPauseMonitor";

    private final long heapBoundBytes;
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();
    private final List<String> uncaught = new CopyOnWriteArrayList<>();
    private final Set<Thread> nodeThreads;
    private final Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private volatile long maxHeapUsed;
    private volatile long heapAfterGc;

    /** Starts watching: call once the node has started. */
    InProcessWatch(long heapBoundBytes) {
        this.heapBoundBytes = heapBoundBytes;
        events.start();
        root().addAppender(events);
        Thread.setDefaultUncaughtExceptionHandler((thread, error) -> uncaught.add(thread.getName() + ": " + error));
        nodeThreads = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("cairn-") && TRANSIENT.stream().noneMatch(t.getName()::startsWith))
                .collect(Collectors.toSet());
    }

    @Override
    public void sample() {
        maxHeapUsed = Math.max(maxHeapUsed, memory.getHeapMemoryUsage().getUsed());
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        synchronized (events) {
            events.list.stream()
                    .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)
                            && !e.getLoggerName().startsWith("org.apache.kafka.clients")
                            && !e.getLoggerName().equals(JVM_PAUSE_MONITOR))
                    .limit(20)
                    .forEach(e -> problems.add("node logged " + e.getLevel() + " " + e.getLoggerName() + ": "
                            + e.getFormattedMessage()
                            + (e.getThrowableProxy() == null ? "" : " / " + e.getThrowableProxy().getClassName()
                            + ": " + e.getThrowableProxy().getMessage())));
        }
        uncaught.forEach(u -> problems.add("uncaught exception on " + u));
        nodeThreads.stream().filter(t -> !t.isAlive()).forEach(t -> problems.add("node thread died: " + t.getName()));
        System.gc();
        heapAfterGc = memory.getHeapMemoryUsage().getUsed();
        if (heapAfterGc > heapBoundBytes) {
            problems.add("heap after GC " + (heapAfterGc >> 20) + " MiB, over the bound of "
                    + (heapBoundBytes >> 20) + " MiB");
        }
        return problems;
    }

    @Override
    public String summary() {
        long warnings;
        synchronized (events) {
            warnings = events.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).count();
        }
        long alive = nodeThreads.stream().filter(Thread::isAlive).count();
        return String.format("in-process; heap max sampled %d MiB, after GC %d MiB (bound %d MiB); %d/%d node threads "
                        + "alive; %d WARN+ lines; %d uncaught exceptions", maxHeapUsed >> 20, heapAfterGc >> 20,
                heapBoundBytes >> 20, alive, nodeThreads.size(), warnings, uncaught.size());
    }

    @Override
    public void close() {
        root().detachAppender(events);
        Thread.setDefaultUncaughtExceptionHandler(previous);
    }

    private static Logger root() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
