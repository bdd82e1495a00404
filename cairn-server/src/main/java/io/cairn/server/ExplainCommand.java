package io.cairn.server;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cairn.broker.cluster.InterBrokerConnector;
import io.cairn.broker.handlers.DecisionHistoryConfigs;
import io.cairn.metadata.DecisionHistory;
import io.cairn.metadata.record.BrokerHistoryRecord;
import io.cairn.metadata.record.HistoryStep;
import io.cairn.metadata.record.MetadataRecord;
import io.cairn.metadata.record.MetadataRecordSerde;
import io.cairn.metadata.record.PartitionHistoryRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code cairn explain}: the history of a partition's leadership, or of a broker's registrations and fencing, as
 * the controller decided it (docs/adr/0023): one line per change with its time (ISO-8601 UTC, the deciding
 * controller's clock), the metadata log offset, the Raft term and node of the controller that decided it, the
 * reason it wrote into the record, and the state it left. Asks one node, which answers from its own applied
 * metadata ({@link DecisionHistoryConfigs}). A name that is a topic is that topic; otherwise {@code NAME-N} is
 * partition N of topic NAME. Exit status: 0 answered; 1 unknown topic, partition or broker (or a topic with too
 * many recorded changes to answer whole: ask for one partition); 2 bad input; 3 the node did not answer.
 */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = "Print, from the metadata log, why a partition's leadership (TOPIC or TOPIC-PARTITION) or a "
                + "broker's state (--broker N) changed: each change with its time, the controller term and node "
                + "that decided it, the reason, and the resulting leader, ISR and epochs.")
public final class ExplainCommand implements Callable<Integer> {

    static final int UNKNOWN = 1;
    static final int BAD_INPUT = 2;
    static final int NO_ANSWER = 3;
    private static final Pattern TOPIC_PARTITION = Pattern.compile("(.+)-(\\d+)");

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", required = true, paramLabel = "HOST:PORT",
            description = "A node of the cluster (its Kafka listener); it answers from its own metadata.")
    String bootstrap;

    @Mixin
    CommandConfig commandConfig = new CommandConfig();

    @Option(names = "--broker", paramLabel = "N", description = "Explain broker N instead of a partition.")
    Integer broker;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "How long to wait for the answer (default 10).")
    int timeoutSeconds = 10;

    @Parameters(arity = "0..1", paramLabel = "TOPIC[-PARTITION]", description = "A topic (all its partitions) or "
            + "one partition of it.")
    String target;

    /** How the node is reached: {@link #commandConfig}'s security settings. */
    private InterBrokerConnector connector;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if ((target == null) == (broker == null)) {
            return fail(err, BAD_INPUT, "name either a TOPIC[-PARTITION] or --broker N, not both or neither");
        }
        String[] hostPort = bootstrap.split(",")[0].trim().split(":");
        if (hostPort.length != 2 || !hostPort[1].matches("\\d+")) {
            return fail(err, BAD_INPUT, "--bootstrap must be HOST:PORT, not '" + bootstrap + "'");
        }
        String host = hostPort[0];
        int port = Integer.parseInt(hostPort[1]);
        try {
            connector = commandConfig.connector();
        } catch (IOException | RuntimeException e) {
            return fail(err, BAD_INPUT, "--command-config: " + e.getMessage());
        }
        try {
            if (broker != null) {
                DescribeConfigsResult result = ask(host, port, ConfigResource.Type.BROKER, broker.toString(),
                        DecisionHistoryConfigs.KEY);
                if (result.errorCode() != Errors.NONE.code()) {
                    return fail(err, UNKNOWN, result.errorMessage());
                }
                printBroker(out, broker, steps(result, BrokerHistoryRecord.class));
                return 0;
            }
            DescribeConfigsResult whole = ask(host, port, ConfigResource.Type.TOPIC, target, DecisionHistoryConfigs.KEY);
            if (whole.errorCode() == Errors.NONE.code()) {
                printTopic(out, target, steps(whole, PartitionHistoryRecord.class));
                return 0;
            }
            Matcher m = TOPIC_PARTITION.matcher(target);
            if (whole.errorCode() != Errors.UNKNOWN_TOPIC_OR_PARTITION.code() || !m.matches()) {
                return fail(err, UNKNOWN, whole.errorMessage());
            }
            DescribeConfigsResult one = ask(host, port, ConfigResource.Type.TOPIC, m.group(1),
                    DecisionHistoryConfigs.KEY + "." + m.group(2));
            if (one.errorCode() != Errors.NONE.code()) {
                return fail(err, UNKNOWN, one.errorCode() == Errors.UNKNOWN_TOPIC_OR_PARTITION.code()
                        && one.errorMessage().startsWith("Unknown topic")
                        ? "Unknown topic " + target + " (nor " + m.group(1) + ")" : one.errorMessage());
            }
            printTopic(out, m.group(1), steps(one, PartitionHistoryRecord.class));
            return 0;
        } catch (IOException | RuntimeException e) {
            return fail(err, NO_ANSWER, "no answer from " + host + ":" + port + ": " + e);
        } finally {
            out.flush();
            err.flush();
        }
    }

    private DescribeConfigsResult ask(String host, int port, ConfigResource.Type type, String name, String key)
            throws IOException {
        DescribeConfigsRequestData data = new DescribeConfigsRequestData();
        data.resources().add(new DescribeConfigsResource().setResourceType(type.id()).setResourceName(name)
                .setConfigurationKeys(new ArrayList<>(List.of(key))));
        DescribeConfigsResponse response = (DescribeConfigsResponse) OneRequest.send(host, port,
                new DescribeConfigsRequest.Builder(data).build(ApiKeys.DESCRIBE_CONFIGS.latestVersion()),
                Duration.ofSeconds(timeoutSeconds), connector);
        return response.data().results().get(0);
    }

    private static <T extends MetadataRecord> List<T> steps(DescribeConfigsResult result, Class<T> type) {
        List<T> steps = new ArrayList<>();
        for (DescribeConfigsResourceResult entry : result.configs()) {
            MetadataRecord record = MetadataRecordSerde.deserializeRecord(entry.value().getBytes(StandardCharsets.UTF_8));
            if (!type.isInstance(record)) {
                throw new IllegalStateException("unexpected history entry " + record);
            }
            steps.add(type.cast(record));
        }
        return steps;
    }

    private static int fail(PrintWriter err, int code, String message) {
        err.println("cairn explain: " + message);
        err.flush();
        return code;
    }

    /** Every partition of a topic, in partition order, each as a header and one line per change. */
    static void printTopic(PrintWriter out, String topic, List<PartitionHistoryRecord> steps) {
        TreeMap<Integer, List<PartitionHistoryRecord>> byPartition = new TreeMap<>();
        steps.forEach(s -> byPartition.computeIfAbsent(s.partition(), p -> new ArrayList<>()).add(s));
        if (byPartition.isEmpty()) {
            out.println(topic + ": no recorded changes");
        }
        byPartition.forEach((partition, kept) -> {
            out.println(topic + "-" + partition + ": " + changes(kept.size()) + dropped(kept));
            PartitionHistoryRecord previous = null;
            for (PartitionHistoryRecord s : kept) {
                out.println("  " + decided(s) + "  " + s.reason().description() + ": " + leader(previous, s) + ", ISR " + s.isr()
                        + ", partition epoch " + s.partitionEpoch() + ", replicas " + s.replicas()
                        + (s.addingReplicas().isEmpty() ? "" : ", adding " + s.addingReplicas())
                        + (s.removingReplicas().isEmpty() ? "" : ", removing " + s.removingReplicas()));
                previous = s;
            }
        });
    }

    static void printBroker(PrintWriter out, int id, List<BrokerHistoryRecord> steps) {
        out.println("broker " + id + ": " + changes(steps.size()) + dropped(steps));
        for (BrokerHistoryRecord s : steps) {
            out.println("  " + decided(s) + "  " + s.reason().description() + ": " + s.event().name().toLowerCase(java.util.Locale.ROOT)
                    + " at broker epoch " + s.brokerEpoch() + (s.endpoint() == null ? "" : " (" + s.endpoint() + ")"));
        }
    }

    private static String changes(int n) {
        return n + (n == 1 ? " change" : " changes");
    }

    private static String dropped(List<? extends HistoryStep> kept) {
        long dropped = DecisionHistory.dropped(kept);
        return dropped == 0 ? "" : " (" + dropped + " older changes dropped: " + DecisionHistory.LIMIT
                + " are kept)";
    }

    /** When, where in the log, and by which controller a step was decided. */
    private static String decided(HistoryStep s) {
        return (s.timeMs() < 0 ? "time unknown" : Instant.ofEpochMilli(s.timeMs()).toString()) + "  offset "
                + s.offset() + "  term " + s.term() + "  decided by node " + s.controllerId();
    }

    private static String leader(PartitionHistoryRecord previous, PartitionHistoryRecord s) {
        String now = s.leader() < 0 ? "no leader" : "leader " + s.leader();
        if (previous != null && previous.leader() != s.leader()) {
            now = (previous.leader() < 0 ? "no leader" : "leader " + previous.leader()) + " -> " + now;
        }
        return now + " (leader epoch " + s.leaderEpoch() + ")";
    }
}
