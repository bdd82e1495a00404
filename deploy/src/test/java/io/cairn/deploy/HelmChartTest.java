package io.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.cairn.server.CairnConfig;
import io.cairn.server.CairnMain;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Helm chart (deploy/helm/cairn), rendered by Helm's own library and read back as Kubernetes' typed objects:
 * it lints clean, every field it writes is one Kubernetes knows, the pods find each other as metadata voters by
 * their ordinals, and what the pod spec hands Cairn is a configuration Cairn reads as intended.
 */
class HelmChartTest {

    private static final Path CHART = Path.of("helm", "cairn");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    @TempDir
    Path tmp;

    @Test
    void theChartLintsCleanInStrictMode() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertThat(lint.isFailed()).as(String.join("\n", lint.getMessages())).isFalse();
    }

    @Test
    void everyRenderedObjectHasOnlyFieldsKubernetesKnows() throws IOException {
        for (String values : List.of("replicas=1", "replicas=3", "replicas=5", "podAntiAffinity=hard")) {
            List<HasMetadata> objects = render(t -> t.set(values.split("=")[0], values.split("=")[1]));

            assertThat(objects).extracting(HasMetadata::getKind)
                    .contains("StatefulSet", "Service");
            objects.forEach(object -> assertThat(unknownFields(object, object.getKind()))
                    .as("fields Kubernetes' model does not know, with " + values).isEmpty());
        }
    }

    @Test
    void threePodsFindEachOtherAsVotersByTheirOrdinals() throws IOException {
        List<HasMetadata> objects = render(t -> t.withName("prod").withNamespace("streams"));
        StatefulSet set = one(objects, StatefulSet.class);
        Container cairn = set.getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, String> env = env(cairn);

        assertThat(set.getMetadata().getName()).isEqualTo("prod-cairn");
        assertThat(set.getSpec().getReplicas()).isEqualTo(3);
        assertThat(set.getSpec().getPodManagementPolicy())
                .as("no node is ready before a quorum runs: ordered start would wait forever").isEqualTo("Parallel");
        assertThat(env.get("CAIRN_VOTERS")).isEqualTo(
                "1@prod-cairn-0.prod-cairn-headless.streams.svc.cluster.local:9093,"
                        + "2@prod-cairn-1.prod-cairn-headless.streams.svc.cluster.local:9093,"
                        + "3@prod-cairn-2.prod-cairn-headless.streams.svc.cluster.local:9093");
        assertThat(env.get("KAFKA_ADVERTISED_LISTENERS"))
                .isEqualTo("PLAINTEXT://$(POD_NAME).prod-cairn-headless.streams.svc.cluster.local:9092");
        assertThat(env).containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2")
                .containsEntry("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "3");

        Service headless = service(objects, "prod-cairn-headless");
        assertThat(set.getSpec().getServiceName()).isEqualTo(headless.getMetadata().getName());
        assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(headless.getSpec().getPublishNotReadyAddresses())
                .as("peers must resolve each other before any is ready").isTrue();
        Map<String, String> podLabels = set.getSpec().getTemplate().getMetadata().getLabels();
        for (Service service : all(objects, Service.class)) {
            assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
        }
        assertThat(podLabels).containsAllEntriesOf(set.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void probesAskTheNodesHealthAndAStoppingPodHasTimeToMoveItsLeadership() throws IOException {
        List<HasMetadata> objects = render(t -> t);
        StatefulSet set = one(objects, StatefulSet.class);
        Container cairn = set.getSpec().getTemplate().getSpec().getContainers().get(0);

        assertThat(path(cairn.getReadinessProbe())).isEqualTo("/health/ready");
        assertThat(path(cairn.getLivenessProbe())).isEqualTo("/health/live");
        assertThat(path(cairn.getStartupProbe())).isEqualTo("/health/live");
        assertThat(cairn.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("metrics");
        assertThat(cairn.getPorts()).anySatisfy(port -> {
            assertThat(port.getName()).isEqualTo("metrics");
            assertThat(port.getContainerPort()).isEqualTo(9644);
        });
        assertThat(env(cairn)).containsEntry("KAFKA_CAIRN_METRICS_PORT", "9644");
        assertThat(set.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds())
                .as("controlled shutdown takes up to cairn.controlled.shutdown.timeout.ms (5 s), then logs close")
                .isGreaterThanOrEqualTo(30L);
        assertThat(set.getSpec().getVolumeClaimTemplates()).singleElement()
                .satisfies(claim -> assertThat(claim.getSpec().getResources().getRequests().get("storage"))
                        .hasToString("10Gi"));
        assertThat(cairn.getVolumeMounts()).anySatisfy(mount -> assertThat(mount.getMountPath())
                .isEqualTo("/var/lib/cairn"));

        PodDisruptionBudget budget = one(objects, PodDisruptionBudget.class);
        assertThat(budget.getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
        assertThat(set.getSpec().getTemplate().getMetadata().getLabels())
                .containsAllEntriesOf(budget.getSpec().getSelector().getMatchLabels());
    }

    @Test
    void oneNodeAndFiveNodesScaleTheQuorumAndTheReplicationDefaults() throws IOException {
        List<HasMetadata> single = render(t -> t.set("replicas", 1));
        Map<String, String> singleEnv = env(one(single, StatefulSet.class).getSpec().getTemplate().getSpec()
                .getContainers().get(0));
        assertThat(singleEnv.get("CAIRN_VOTERS")).isEqualTo("1@cairn-0.cairn-headless.default.svc.cluster.local:9093");
        assertThat(singleEnv).containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "1")
                .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "1");
        assertThat(all(single, PodDisruptionBudget.class)).as("a lone node cannot keep one up during a drain")
                .isEmpty();

        Map<String, String> fiveEnv = env(one(render(t -> t.set("replicas", 5)), StatefulSet.class).getSpec()
                .getTemplate().getSpec().getContainers().get(0));
        assertThat(List.of(fiveEnv.get("CAIRN_VOTERS").split(","))).hasSize(5)
                .last().isEqualTo("5@cairn-4.cairn-headless.default.svc.cluster.local:9093");
        assertThat(fiveEnv).containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", "3")
                .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", "2");
    }

    @Test
    void badValuesAreRefusedWithTheValueNamed() {
        assertThatThrownBy(() -> render(t -> t.set("replicas", 2)))
                .hasMessageContaining("replicas");
        assertThatThrownBy(() -> render(t -> t.set("persistence.size", "lots")))
                .hasMessageContaining("size");
        assertThatThrownBy(() -> render(t -> t.set("podAntiAffinity", "sometimes")))
                .hasMessageContaining("podAntiAffinity");
    }

    /**
     * Runs the container's command as the pod named prod-cairn-2 would, with a stand-in for java that prints what
     * it was given, and reads that environment back through Cairn's own configuration: node 3 of the three
     * voters, listening and advertising as the chart says, metrics and health on their port.
     */
    @Test
    void aPodsCommandAndEnvironmentAreTheConfigurationCairnExpects() throws Exception {
        StatefulSet set = one(render(t -> t.withName("prod").set("config.num\\.partitions", 6)
                .set("config.auto\\.create\\.topics\\.enable", false)), StatefulSet.class);
        Container cairn = set.getSpec().getTemplate().getSpec().getContainers().get(0);
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\nenv\necho \"ARGS $*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));

        ProcessBuilder pod = new ProcessBuilder(cairn.getCommand()).redirectErrorStream(true);
        pod.environment().clear();
        pod.environment().put("PATH", bin + ":/usr/bin:/bin");
        pod.environment().put("HOSTNAME", "prod-cairn-2");
        pod.environment().putAll(kubeletEnvironment(cairn, Map.of("POD_NAME", "prod-cairn-2")));
        Process process = pod.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();

        Map<String, String> seenByJava = out.lines().filter(line -> line.contains("=") && !line.startsWith("ARGS"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1),
                        (a, b) -> b));
        assertThat(out).contains("ARGS -Xms512m -Xmx1g -cp /opt/cairn/cairn-server.jar:/opt/cairn/lib/* "
                + "io.cairn.server.CairnMain start");
        CairnConfig config = new CairnConfig(CairnMain.fromEnvironment(seenByJava));
        assertThat(config.getInt(CairnConfig.NODE_ID)).as("ordinal 2 + 1").isEqualTo(3);
        assertThat(config.quorumVoters()).contains("3@prod-cairn-2.prod-cairn-headless.default.svc.cluster.local:9093");
        assertThat(config.listener().port()).isEqualTo(9092);
        assertThat(config.listeners().advertised(config.listeners().interBroker().name()).host())
                .isEqualTo("prod-cairn-2.prod-cairn-headless.default.svc.cluster.local");
        assertThat(config.getInt(CairnConfig.METRICS_PORT)).isEqualTo(9644);
        assertThat(config.getInt(CairnConfig.NUM_PARTITIONS)).isEqualTo(6);
        assertThat(config.getBoolean(CairnConfig.AUTO_CREATE_TOPICS_ENABLE)).isFalse();
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/cairn/data"));
    }

    // --- helpers ---

    private List<HasMetadata> render(java.util.function.UnaryOperator<TemplateCommand> options) throws IOException {
        // `helm template`'s defaults: the release "cairn", namespace "default" (the library leaves it empty)
        String manifest = options.apply(new Helm(CHART).template().withName("cairn").withNamespace("default")).call();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : manifest.split("(?m)^---\\s*$")) {
            JsonNode node = YAML.readTree(document);
            if (node == null || node.isNull() || node.isMissingNode()) {
                continue;
            }
            Class<? extends HasMetadata> type = switch (node.get("kind").asText()) {
                case "StatefulSet" -> StatefulSet.class;
                case "Service" -> Service.class;
                case "PodDisruptionBudget" -> PodDisruptionBudget.class;
                default -> throw new AssertionError("the chart renders an unexpected kind: " + node.get("kind"));
            };
            objects.add(YAML.treeToValue(node, type));
        }
        return objects;
    }

    /** The environment the kubelet gives the container: values with $(VAR) references to earlier ones expanded. */
    private static Map<String, String> kubeletEnvironment(Container container, Map<String, String> fieldRefs) {
        Map<String, String> env = new HashMap<>();
        Pattern reference = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
        for (EnvVar var : container.getEnv()) {
            String value = var.getValueFrom() != null ? fieldRefs.get(var.getName()) : var.getValue();
            Matcher m = reference.matcher(value);
            StringBuilder expanded = new StringBuilder();
            while (m.find()) {
                m.appendReplacement(expanded, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
            }
            m.appendTail(expanded);
            env.put(var.getName(), expanded.toString());
        }
        return env;
    }

    private static Map<String, String> env(Container container) {
        Map<String, String> env = new HashMap<>();
        container.getEnv().forEach(var -> env.put(var.getName(), var.getValue()));
        return env;
    }

    private static String path(Probe probe) {
        return probe.getHttpGet().getPath();
    }

    private static <T> List<T> all(List<HasMetadata> objects, Class<T> type) {
        return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static <T> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = all(objects, type);
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static Service service(List<HasMetadata> objects, String name) {
        return all(objects, Service.class).stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no service " + name));
    }

    /**
     * Fields no class of Kubernetes' model declares: the model keeps them aside (additionalProperties) rather
     * than failing, so a misspelt or misplaced field would otherwise pass unseen.
     */
    private static List<String> unknownFields(Object object, String where) {
        List<String> unknown = new ArrayList<>();
        if (object == null || !object.getClass().getPackageName().startsWith("io.fabric8")) {
            return unknown;
        }
        for (Method getter : object.getClass().getMethods()) {
            if (getter.getParameterCount() != 0 || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            Object value;
            try {
                value = getter.invoke(object);
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
            String field = where + "." + getter.getName().substring(3);
            if (getter.getName().equals("getAdditionalProperties")) {
                ((Map<?, ?>) value).keySet().forEach(key -> unknown.add(where + "." + key));
            } else if (value instanceof Collection<?> items) {
                items.forEach(item -> unknown.addAll(unknownFields(item, field + "[]")));
            } else if (value instanceof Map<?, ?> map) {
                map.values().forEach(item -> unknown.addAll(unknownFields(item, field + "{}")));
            } else {
                unknown.addAll(unknownFields(value, field));
            }
        }
        return unknown;
    }
}
