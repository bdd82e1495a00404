package io.cairn.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.marcnuri.helm.Helm;
import io.cairn.server.CairnConfig;
import io.cairn.server.CairnMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The Dockerfile and the compose file, which no Docker engine here can run: the image's build sees every module
 * the reactor lists, and the compose cluster is wired as the chart's (voters, advertised names, replication
 * defaults, health check, time to stop), in a configuration Cairn reads as intended.
 */
class DeployFilesTest {

    private static final Path ROOT = Path.of("..");

    @Test
    void theImageBuildCopiesEveryModuleTheReactorLists() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        String defaultModules = pom.substring(pom.indexOf("<modules>"), pom.indexOf("</modules>"));
        Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(defaultModules);
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));

        int modules = 0;
        while (module.find()) {
            modules++;
            String name = module.group(1);
            assertThat(dockerfile).as("Maven refuses a reactor with a module missing: " + name)
                    .containsPattern("(?m)^COPY " + Pattern.quote(name) + "(/pom\\.xml)? ");
        }
        assertThat(modules).isGreaterThan(5);
    }

    @Test
    @SuppressWarnings("unchecked")
    void theComposeClusterIsWiredAsTheChartsIs() throws IOException {
        Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.yml")));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        Map<String, String> chartEnv = chartEnvironment();

        Set<String> nodeIds = new HashSet<>();
        for (var entry : services.entrySet()) {
            Map<String, Object> service = entry.getValue();
            Map<String, String> env = new HashMap<>();
            ((Map<String, Object>) service.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
            String host = (String) service.get("hostname");
            CairnConfig config = new CairnConfig(CairnMain.fromEnvironment(env));
            int nodeId = config.getInt(CairnConfig.NODE_ID);

            assertThat(nodeIds.add(Integer.toString(nodeId))).as("node ids are unique").isTrue();
            assertThat(config.quorumVoters()).as(entry.getKey()).contains(nodeId + "@" + host + ":9093");
            assertThat(config.listeners().advertised(config.listeners().interBroker().name()).host()).isEqualTo(host);
            assertThat((List<String>) service.get("ports"))
                    .contains(config.listener().port() + ":" + config.listener().port());
            for (String same : List.of("KAFKA_DEFAULT_REPLICATION_FACTOR", "KAFKA_MIN_INSYNC_REPLICAS",
                    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                    "KAFKA_CAIRN_METRICS_PORT")) {
                assertThat(env.get(same)).as(same + " as in the chart").isEqualTo(chartEnv.get(same));
            }
            Map<String, Object> health = (Map<String, Object>) service.get("healthcheck");
            assertThat(String.join(" ", (List<String>) health.get("test")))
                    .contains("http://127.0.0.1:" + config.getInt(CairnConfig.METRICS_PORT) + "/health/ready");
            assertThat(service.get("stop_grace_period")).as("time for the controlled shutdown").isEqualTo("60s");
        }
        assertThat(nodeIds).hasSize(3);
        assertThat(services.values().iterator().next().get("environment").toString())
                .contains("CAIRN_VOTERS=1@cairn1:9093,2@cairn2:9093,3@cairn3:9093");
    }

    /**
     * The secured compose cluster: its set-up script, run here for real (keytool), makes the stores and the shared
     * properties, and each node's file plus environment is a SASL_SSL node of the three, with ACLs and Raft TLS.
     */
    @Test
    @SuppressWarnings("unchecked")
    void theSecuredComposeClustersSetUpMakesEveryNodeASaslSslNode(@TempDir Path certs) throws Exception {
        ProcessBuilder init = new ProcessBuilder("sh", ROOT.resolve("deploy/compose/secure-init.sh").toString())
                .redirectErrorStream(true);
        init.environment().put("CAIRN_CERTS_DIR", certs.toString());
        init.environment().put("CAIRN_STORE_PASSWORD", "store-secret");
        init.environment().put("CAIRN_ADMIN_PASSWORD", "admin-secret");
        init.environment().put("CAIRN_BROKER_PASSWORD", "broker-secret");
        String javaBin = Path.of(System.getProperty("java.home"), "bin").toString();
        init.environment().put("PATH", javaBin + ":" + init.environment().getOrDefault("PATH", "/usr/bin:/bin"));
        Process process = init.start();
        String out = new String(process.getInputStream().readAllBytes());
        assertThat(process.waitFor()).as(out).isZero();
        assertThat(certs.resolve("node.p12")).isRegularFile();
        assertThat(certs.resolve("truststore.p12")).isRegularFile();
        assertThat(Files.readString(certs.resolve("client.properties"))).contains("security.protocol=SASL_SSL")
                .contains("password=\"admin-secret\"");

        Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("docker-compose.secure.yml")));
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose.get("services");
        assertThat(services).containsKeys("certs", "cairn1", "cairn2", "cairn3");
        Properties shared = new Properties();
        try (var in = Files.newInputStream(certs.resolve("server.properties"))) {
            shared.load(in);
        }
        for (String name : List.of("cairn1", "cairn2", "cairn3")) {
            Map<String, Object> service = services.get(name);
            assertThat((List<String>) service.get("command")).containsExactly("--config", "/certs/server.properties");
            Map<String, Object> properties = new HashMap<>();
            shared.forEach((k, v) -> properties.put((String) k, v));
            Map<String, String> env = new HashMap<>();
            ((Map<String, Object>) service.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
            properties.putAll(CairnMain.fromEnvironment(env)); // as cairn start does: the file, then the environment
            CairnConfig config = new CairnConfig(properties);

            assertThat(config.listeners().interBroker().name()).isEqualTo("SASL_SSL");
            assertThat(config.listeners().advertised("SASL_SSL").host()).isEqualTo(service.get("hostname"));
            assertThat(config.getString(CairnConfig.SASL_MECHANISM_INTER_BROKER_PROTOCOL)).isEqualTo("SCRAM-SHA-256");
            assertThat(config.getString(CairnConfig.RAFT_SECURITY_PROTOCOL)).isEqualTo("SSL");
            assertThat(config.getString(CairnConfig.AUTHORIZER_CLASS_NAME)).contains("StandardAuthorizer");
            assertThat(config.quorumVoters()).isEqualTo("1@cairn1:9093,2@cairn2:9093,3@cairn3:9093");
        }
        assertThat(Files.readString(ROOT.resolve(".gitignore"))).as("the passwords' .env is never committed")
                .containsPattern("(?m)^\\.env$");
    }

    /** The environment the chart gives node 1 of three, by name. */
    private static Map<String, String> chartEnvironment() {
        String manifest = new Helm(Path.of("helm", "cairn")).template().withName("cairn").withNamespace("default")
                .call();
        Map<String, String> env = new HashMap<>();
        Matcher var = Pattern.compile("- name: (\\w+)\\n\\s+value: \"?([^\"\\n]*)\"?").matcher(manifest);
        while (var.find()) {
            env.put(var.group(1), var.group(2));
        }
        return env;
    }
}
