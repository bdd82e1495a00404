package io.cairn.fuzz;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Watches a node in another process: heap and live threads from its Prometheus endpoint (Micrometer's
 * {@code jvm_memory_used_bytes{area="heap"}}, {@code jvm_threads_live_threads}), and the WARN/ERROR lines and
 * stack traces its log file gained during the run. Either may be absent. Thread-safe.
 */
final class RemoteWatch implements NodeWatch {

    private final String metricsUrl;
    private final Path log;
    private final long heapBoundBytes;
    private final long logStart;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile long maxHeap = -1;
    private volatile long lastHeap = -1;
    private volatile long firstThreads = -1;
    private volatile long lastThreads = -1;
    private volatile String metricsError;
    private volatile int logLines;

    RemoteWatch(String metricsUrl, Path log, long heapBoundBytes) throws IOException {
        this.metricsUrl = metricsUrl;
        this.log = log;
        this.heapBoundBytes = heapBoundBytes;
        this.logStart = log == null ? 0 : java.nio.file.Files.size(log);
    }

    @Override
    public synchronized void sample() {
        if (metricsUrl == null) {
            return;
        }
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(10))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            long heap = 0;
            long threads = -1;
            for (String line : body.split("\n")) {
                if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                    heap += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                } else if (line.startsWith("jvm_threads_live_threads")) {
                    threads = (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            lastHeap = heap;
            maxHeap = Math.max(maxHeap, heap);
            lastThreads = threads;
            if (firstThreads < 0) {
                firstThreads = threads;
            }
        } catch (IOException | RuntimeException e) {
            metricsError = e.toString();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public List<String> problems() {
        List<String> problems = new ArrayList<>();
        if (metricsUrl != null && lastHeap < 0) {
            problems.add("metrics endpoint unreadable: " + metricsError);
        }
        if (lastHeap > heapBoundBytes) {
            problems.add("node heap " + (lastHeap >> 20) + " MiB after the run, over " + (heapBoundBytes >> 20) + " MiB");
        }
        if (log != null) {
            List<String> lines = newLogLines();
            logLines = lines.size();
            lines.stream().limit(20).forEach(l -> problems.add("node log: " + l));
        }
        return problems;
    }

    /** Lines of the log written since the start that are WARN, ERROR or part of a stack trace. */
    private List<String> newLogLines() {
        List<String> found = new ArrayList<>();
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            file.seek(logStart);
            String line;
            while ((line = file.readLine()) != null) {
                String text = new String(line.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
                if (text.contains(" WARN ") || text.contains(" ERROR ") || text.startsWith("\tat ")
                        || text.startsWith("Caused by:") || text.contains("Exception in thread")) {
                    found.add(text);
                }
            }
        } catch (IOException e) {
            found.add("cannot read " + log + ": " + e);
        }
        return found;
    }

    @Override
    public String summary() {
        String metrics = metricsUrl == null ? "no metrics endpoint given"
                : String.format("heap max sampled %d MiB, at the end %d MiB (bound %d MiB); live threads %d at the "
                + "start, %d at the end", maxHeap >> 20, lastHeap >> 20, heapBoundBytes >> 20, firstThreads, lastThreads);
        String logs = log == null ? "no log file given" : logLines + " WARN/ERROR/stack lines in " + log;
        return metrics + "; " + logs;
    }
}
