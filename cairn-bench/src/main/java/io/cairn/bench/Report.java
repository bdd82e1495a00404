package io.cairn.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collected measurements, their medians, the Markdown table and the JSON file. */
final class Report {

    /** A reported metric: its key, a label for the table, a unit, and whether higher is better. */
    record Metric(String key, String label, String unit, boolean higherIsBetter) {
    }

    /** Single-node metrics, in table order. */
    static final List<Metric> SINGLE = List.of(
            new Metric("produce_100B_acks1_MBps", "produce 100 B, acks=1", "MB/s", true),
            new Metric("produce_100B_acks1_rps", "produce 100 B, acks=1", "records/s", true),
            new Metric("produce_100B_acksall_MBps", "produce 100 B, acks=all", "MB/s", true),
            new Metric("produce_100B_acksall_rps", "produce 100 B, acks=all", "records/s", true),
            new Metric("produce_1KiB_acks1_MBps", "produce 1 KiB, acks=1", "MB/s", true),
            new Metric("produce_1KiB_acks1_rps", "produce 1 KiB, acks=1", "records/s", true),
            new Metric("produce_1KiB_acksall_MBps", "produce 1 KiB, acks=all", "MB/s", true),
            new Metric("produce_1KiB_acksall_rps", "produce 1 KiB, acks=all", "records/s", true),
            new Metric("consume_100B_MBps", "consume 100 B", "MB/s", true),
            new Metric("consume_100B_rps", "consume 100 B", "records/s", true),
            new Metric("consume_1KiB_MBps", "consume 1 KiB", "MB/s", true),
            new Metric("consume_1KiB_rps", "consume 1 KiB", "records/s", true),
            new Metric("e2e_p50_ms", "end-to-end latency p50", "ms", false),
            new Metric("e2e_p99_ms", "end-to-end latency p99", "ms", false),
            new Metric("e2e_p999_ms", "end-to-end latency p99.9", "ms", false),
            new Metric("e2e_max_ms", "end-to-end latency max", "ms", false),
            new Metric("topics_create_per_s", "topic creation (N x 3 partitions)", "topics/s", true),
            new Metric("start_to_first_produce_ms", "start to first acked produce", "ms", false),
            new Metric("rss_idle_mib", "resident memory, idle", "MiB", false),
            new Metric("rss_load_peak_mib", "resident memory, peak under load", "MiB", false),
            new Metric("rss_after_load_mib", "resident memory, after load", "MiB", false),
            new Metric("produce_cpu_s_per_GB", "broker CPU per GB produced", "CPU s/GB", false),
            new Metric("consume_cpu_s_per_GB", "broker CPU per GB consumed", "CPU s/GB", false),
            new Metric("txn_produce_MBps", "transactional produce 100 B, 1,000 records/txn", "MB/s", true),
            new Metric("txn_produce_rps", "transactional produce 100 B, 1,000 records/txn", "records/s", true),
            new Metric("txn_produce_tps", "transactional produce 100 B, 1,000 records/txn", "transactions/s", true),
            new Metric("txn_consume_MBps", "read_committed consume 100 B", "MB/s", true),
            new Metric("txn_consume_rps", "read_committed consume 100 B", "records/s", true),
            new Metric("txn_e2e_p50_ms", "transactional end-to-end latency p50", "ms", false),
            new Metric("txn_e2e_p99_ms", "transactional end-to-end latency p99", "ms", false),
            new Metric("txn_e2e_p999_ms", "transactional end-to-end latency p99.9", "ms", false),
            new Metric("txn_e2e_max_ms", "transactional end-to-end latency max", "ms", false));

    /**
     * {@code --cluster} metrics, in table order: start-up, the single-node workloads on 3 nodes (prefixed
     * {@code cluster_}; memory and CPU summed over the three processes), failover.
     */
    static final List<Metric> CLUSTER = cluster();

    /** The metrics of the {@code --cluster} mode before it ran every workload (listed in single-node JSON). */
    private static final List<String> CLUSTER_BEFORE = List.of("cluster_start_ms",
            "cluster_produce_1KiB_acksall_MBps", "cluster_failover_produce_ms", "cluster_failover_metadata_ms");

    static final List<Metric> METRICS = concat(SINGLE, CLUSTER);

    private static List<Metric> cluster() {
        List<Metric> out = new ArrayList<>();
        out.add(new Metric("cluster_start_ms", "3 nodes: launch to 3 brokers registered", "ms", false));
        for (Metric m : SINGLE) {
            if (m.key.equals("start_to_first_produce_ms")) {
                continue; // cluster_start_ms instead
            }
            String label = "3 nodes, RF 3: " + m.label;
            if (m.key.startsWith("rss_") || m.key.endsWith("_cpu_s_per_GB")) {
                label += " (sum of 3 processes)";
            } else if (m.key.startsWith("topics_")) {
                label += ", visible on every node";
            }
            out.add(new Metric("cluster_" + m.key, label, m.unit, m.higherIsBetter));
        }
        out.add(new Metric("cluster_failover_produce_ms",
                "3 nodes: kill -9 of a partition leader (not the controller) to next acked send", "ms", false));
        out.add(new Metric("cluster_failover_metadata_ms",
                "3 nodes: kill -9 of a partition leader (not the controller) to new leader in Metadata", "ms", false));
        out.add(new Metric("cluster_failover_controller_produce_ms",
                "3 nodes: kill -9 of a partition leader that is the active controller to next acked send", "ms", false));
        out.add(new Metric("cluster_failover_controller_metadata_ms",
                "3 nodes: kill -9 of a partition leader that is the active controller to new leader in Metadata",
                "ms", false));
        return List.copyOf(out);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }

    /** One broker session: which system, which round, what it measured, what failed. */
    record Run(String system, int round, Map<String, Double> metrics, Map<String, String> errors) {
    }

    final List<Run> runs = new ArrayList<>();
    final Map<String, String> info = new LinkedHashMap<>();
    /** Whether this is a {@code --cluster} report: which metrics the JSON summary lists. */
    final boolean cluster;

    Report() {
        this(false);
    }

    Report(boolean cluster) {
        this.cluster = cluster;
    }

    /**
     * The metrics the JSON summary lists, measured or not: the cluster ones in cluster mode; in single-node
     * mode the single-node ones and, as before the cluster mode ran every workload, its first four.
     */
    List<Metric> summaryMetrics() {
        if (cluster) {
            return CLUSTER;
        }
        return METRICS.stream().filter(m -> !m.key.startsWith("cluster_") || CLUSTER_BEFORE.contains(m.key)).toList();
    }

    static double median(List<Double> values) {
        double[] v = values.stream().filter(d -> d != null && !d.isNaN()).mapToDouble(Double::doubleValue).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    List<Double> values(String system, String key) {
        List<Double> out = new ArrayList<>();
        for (Run r : runs) {
            if (r.system.equals(system) && r.metrics.containsKey(key)) {
                out.add(r.metrics.get(key));
            }
        }
        return out;
    }

    int rounds(String system) {
        return (int) runs.stream().filter(r -> r.system.equals(system)).count();
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * The systems other than kafka and cairn that ran (cairn-jdk, cairn-openssl), in the order they first ran: each
     * gets its own median and ratio-to-Kafka columns after Cairn's.
     */
    List<String> extraSystems() {
        return runs.stream().map(Run::system).filter(s -> !s.equals("kafka") && !s.equals("cairn")).distinct()
                .toList();
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        List<String> extra = extraSystems();
        sb.append("| workload | unit | better | Kafka (median) | Cairn (median) | Cairn/Kafka |");
        extra.forEach(s -> sb.append(' ').append(s).append(" (median) | ").append(s).append("/Kafka |"));
        sb.append(" measured runs K, C");
        extra.forEach(s -> sb.append(", ").append(s));
        sb.append(" |\n|---|---|---|---:|---:|---:|").append("---:|---:|".repeat(extra.size())).append("---|\n");
        for (Metric m : METRICS) {
            List<Double> k = values("kafka", m.key);
            List<Double> c = values("cairn", m.key);
            if (k.isEmpty() && c.isEmpty() && extra.stream().allMatch(s -> values(s, m.key).isEmpty())) {
                continue; // not measured in this mode (single node or --cluster) or with --only
            }
            double mk = median(k);
            sb.append("| ").append(m.label).append(" | ").append(m.unit).append(" | ")
                    .append(m.higherIsBetter ? "higher" : "lower").append(" | ").append(fmt(mk)).append(" | ");
            for (String s : concat(List.of("cairn"), extra)) {
                double mc = median(values(s, m.key));
                double ratio = mk == 0 ? Double.NaN : mc / mk;
                sb.append(fmt(mc)).append(" | ")
                        .append(Double.isNaN(ratio) ? "—" : String.format(Locale.ROOT, "%.2f", ratio)).append(" | ");
            }
            sb.append(count(k)).append(" of ").append(rounds("kafka")).append(", ")
                    .append(count(c)).append(" of ").append(rounds("cairn"));
            extra.forEach(s -> sb.append(", ").append(count(values(s, m.key))).append(" of ").append(rounds(s)));
            sb.append(" |\n");
        }
        List<String> failures = new ArrayList<>();
        for (Run r : runs) {
            r.errors.forEach((w, e) -> failures.add("- " + r.system + " round " + r.round + ", " + w + ": " + e));
        }
        if (!failures.isEmpty()) {
            sb.append("\nFailures:\n\n");
            failures.forEach(f -> sb.append(f.replace('\n', ' ')).append('\n'));
        }
        return sb.toString();
    }

    private static long count(List<Double> v) {
        return v.stream().filter(d -> d != null && !d.isNaN()).count();
    }

    String json() {
        StringBuilder sb = new StringBuilder("{\n  \"info\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : info.entrySet()) {
            sb.append(first ? "\n" : ",\n").append("    ").append(str(e.getKey())).append(": ").append(str(e.getValue()));
            first = false;
        }
        sb.append("\n  },\n  \"summary\": [");
        first = true;
        for (Metric m : summaryMetrics()) {
            double mk = median(values("kafka", m.key));
            double mc = median(values("cairn", m.key));
            sb.append(first ? "\n" : ",\n").append("    {\"metric\": ").append(str(m.key))
                    .append(", \"unit\": ").append(str(m.unit))
                    .append(", \"higher_is_better\": ").append(m.higherIsBetter)
                    .append(", \"kafka_median\": ").append(num(mk))
                    .append(", \"cairn_median\": ").append(num(mc))
                    .append(", \"cairn_over_kafka\": ").append(num(mk == 0 ? Double.NaN : mc / mk));
            for (String s : extraSystems()) {
                double me = median(values(s, m.key));
                String name = s.replace('-', '_');
                sb.append(", ").append(str(name + "_median")).append(": ").append(num(me))
                        .append(", ").append(str(name + "_over_kafka")).append(": ")
                        .append(num(mk == 0 ? Double.NaN : me / mk));
            }
            sb.append('}');
            first = false;
        }
        sb.append("\n  ],\n  \"runs\": [");
        first = true;
        for (Run r : runs) {
            sb.append(first ? "\n" : ",\n").append("    {\"system\": ").append(str(r.system))
                    .append(", \"round\": ").append(r.round).append(", \"metrics\": {");
            boolean f2 = true;
            for (Map.Entry<String, Double> e : r.metrics.entrySet()) {
                sb.append(f2 ? "" : ", ").append(str(e.getKey())).append(": ").append(num(e.getValue()));
                f2 = false;
            }
            sb.append("}, \"errors\": {");
            f2 = true;
            for (Map.Entry<String, String> e : r.errors.entrySet()) {
                sb.append(f2 ? "" : ", ").append(str(e.getKey())).append(": ").append(str(e.getValue()));
                f2 = false;
            }
            sb.append("}}");
            first = false;
        }
        sb.append("\n  ]\n}\n");
        return sb.toString();
    }

    static String num(Double v) {
        return v == null || v.isNaN() || v.isInfinite() ? "null" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : (s == null ? "" : s).toCharArray()) {
            switch (ch) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        sb.append(String.format("\\u%04x", (int) ch));
                    } else {
                        sb.append(ch);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    static List<String> split(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
