package io.cairn.server;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.cairn.broker.cluster.InterBrokerConnector;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

/**
 * What a node's own live audit (the InvariantAuditor every node runs) sees now: the
 * {@code cairn_invariant_violations{invariant=...}} gauges of its Prometheus endpoint. The audit checks what a
 * client cannot see from outside (whether a node acts as leader where its image says so, whether it keeps a
 * caught-up replica out of the ISR, whether its image lags the committed metadata), so {@code cairn audit}
 * reads it from every node beside the views it compares.
 *
 * <p>The endpoint is found by asking the node itself for its {@code cairn.metrics.port} (DescribeConfigs of its
 * BROKER resource); with the endpoint off (the default) the node's own audit is not readable from outside, and
 * {@link #unreadable} says so.
 *
 * @param violations invariant tag to the violations the node sees now; empty when {@link #unreadable} is set
 * @param unreadable why the node's own audit could not be read, or null when it was
 */
public record OwnAudit(Map<String, Long> violations, String unreadable) {

    static final String METRICS_PORT = CairnConfig.METRICS_PORT;

    private static final Pattern GAUGE = Pattern.compile(
            "^cairn_invariant_violations\\{([^}]*)}\\s+([0-9.eE+-]+)\\s*$", Pattern.MULTILINE);
    private static final Pattern INVARIANT_LABEL = Pattern.compile("invariant=\"([^\"]*)\"");

    public OwnAudit {
        violations = Map.copyOf(violations);
    }

    public static OwnAudit unreadable(String why) {
        return new OwnAudit(Map.of(), why);
    }

    public boolean readable() {
        return unreadable == null;
    }

    /** The invariants with violations now, by tag; empty when none (or unreadable). */
    public Map<String, Long> broken() {
        Map<String, Long> broken = new TreeMap<>();
        violations.forEach((tag, count) -> {
            if (count > 0) {
                broken.put(tag, count);
            }
        });
        return broken;
    }

    /** Asks node {@code nodeId} at {@code host:port} for its metrics port, then reads its violation gauges. */
    public static OwnAudit read(int nodeId, String host, int port, Duration timeout,
                                InterBrokerConnector connector) {
        int metricsPort;
        try {
            metricsPort = metricsPort(nodeId, host, port, timeout, connector);
        } catch (IOException | RuntimeException e) {
            return unreadable("cannot ask for " + METRICS_PORT + ": " + e.getMessage());
        }
        if (metricsPort < 0) {
            return unreadable("its metrics endpoint is off (" + METRICS_PORT + ")");
        }
        if (metricsPort == 0) {
            return unreadable("its metrics endpoint is on an ephemeral port (" + METRICS_PORT + "=0)");
        }
        String url = "http://" + host + ":" + metricsPort + "/metrics";
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(timeout).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(url)).timeout(timeout)
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return unreadable(url + " answered HTTP " + response.statusCode());
            }
            return parse(response.body());
        } catch (IOException e) {
            return unreadable(url + " does not answer: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreadable("interrupted");
        }
    }

    /** The violation gauges of a Prometheus text page; unreadable when the page has none (not a Cairn node). */
    static OwnAudit parse(String prometheusText) {
        Map<String, Long> violations = new TreeMap<>();
        Matcher gauge = GAUGE.matcher(prometheusText);
        while (gauge.find()) {
            Matcher invariant = INVARIANT_LABEL.matcher(gauge.group(1));
            if (invariant.find()) {
                violations.merge(invariant.group(1), (long) Double.parseDouble(gauge.group(2)), Long::sum);
            }
        }
        return violations.isEmpty() ? unreadable("its metrics have no cairn_invariant_violations") :
                new OwnAudit(violations, null);
    }

    private static int metricsPort(int nodeId, String host, int port, Duration timeout,
                                   InterBrokerConnector connector) throws IOException {
        DescribeConfigsRequestData data = new DescribeConfigsRequestData();
        data.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
                .setResourceType(ConfigResource.Type.BROKER.id()).setResourceName(Integer.toString(nodeId))
                .setConfigurationKeys(List.of(METRICS_PORT)));
        DescribeConfigsResponse response = (DescribeConfigsResponse) OneRequest.send(host, port,
                new DescribeConfigsRequest.Builder(data).build(), timeout, connector);
        DescribeConfigsResponseData.DescribeConfigsResult result = response.data().results().get(0);
        if (result.errorCode() != Errors.NONE.code()) {
            throw new IOException(Errors.forCode(result.errorCode()).name()
                    + (result.errorMessage() == null ? "" : ": " + result.errorMessage()));
        }
        return result.configs().stream().filter(c -> c.name().equals(METRICS_PORT)).findFirst()
                .map(c -> Integer.parseInt(c.value())).orElse(-1);
    }
}
