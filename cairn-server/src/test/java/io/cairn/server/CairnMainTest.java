package io.cairn.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: help lists every flag; bad flags and bad configs fail with a clear message. */
class CairnMainTest {

    @TempDir
    Path tempDir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = CairnMain.commandLine();
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        return commandLine.execute(args);
    }

    @Test
    void helpListsEveryFlag() {
        assertThat(run("start", "--help")).isZero();
        assertThat(out.toString()).contains("--port", "--data-dir", "--config", "--node-id", "--host",
                "--advertised-host", "--override", "--add-scram");
    }

    @Test
    void anUnknownFlagFailsWithUsage() {
        assertThat(run("start", "--prot", "9092")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown options: '--prot'").contains("Usage:");
    }

    @Test
    void aNonNumericPortFails() {
        assertThat(run("start", "--port", "ninety")).isEqualTo(2);
        assertThat(err.toString()).contains("--port");
    }

    @Test
    void anInvalidConfigValueFailsWithThePropertyName() throws Exception {
        Path config = Files.writeString(tempDir.resolve("bad.properties"), "num.partitions=zero\n");
        assertThat(new CairnMain.Start().callWith(config)).isEqualTo(1);
    }

    @Test
    void aMissingConfigFileFails() {
        assertThat(new CairnMain.Start().callWith(tempDir.resolve("absent.properties"))).isEqualTo(1);
    }

    @Test
    void configFileAndFlagsCombine() throws Exception {
        Path config = Files.writeString(tempDir.resolve("ok.properties"),
                "node.id=7\nlisteners=PLAINTEXT://127.0.0.1:9999\nnum.partitions=4\n");
        CairnMain.Start start = new CairnMain.Start();
        new CommandLine(start).parseArgs("--config", config.toString(), "--port", "0", "--data-dir", "/tmp/x");

        CairnConfig parsed = new CairnConfig(start.properties());

        assertThat(parsed.nodeId()).isEqualTo(7);
        assertThat(parsed.listener()).isEqualTo(new CairnConfig.Listener("127.0.0.1", 0));
        assertThat(parsed.getInt(CairnConfig.NUM_PARTITIONS)).isEqualTo(4);
        assertThat(parsed.dataDir()).isEqualTo(Path.of("/tmp/x"));
    }

    @Test
    void portAndHostFlagsKeepASecuredListenersName() throws Exception {
        // given: a config whose only listener is SASL_SSL
        Path config = Files.writeString(tempDir.resolve("secured.properties"),
                "listeners=SASL_SSL://0.0.0.0:9093\n");
        CairnMain.Start start = new CairnMain.Start();
        new CommandLine(start).parseArgs("--config", config.toString(), "--port", "0", "--host", "127.0.0.1",
                "--advertised-host", "node1.example");

        // when
        CairnConfig parsed = new CairnConfig(start.properties());

        // then
        assertThat(parsed.listeners().bound())
                .containsExactly(new Listeners.Endpoint("SASL_SSL", SecurityProtocol.SASL_SSL, "127.0.0.1", 0));
        assertThat(parsed.listeners().advertised("SASL_SSL").host()).isEqualTo("node1.example");
    }

    @Test
    void addScramFlagsSetTheBootstrapCredentials() throws Exception {
        // given
        CairnMain.Start start = new CairnMain.Start();
        new CommandLine(start).parseArgs("--add-scram", "SCRAM-SHA-256=[name=admin,password=admin-secret]",
                "--add-scram", "SCRAM-SHA-512=[name=admin,password=admin-secret]");

        // when
        CairnConfig parsed = new CairnConfig(start.properties());

        // then
        assertThat(BootstrapScram.parse(parsed.getPassword(CairnConfig.BOOTSTRAP_SCRAM_CREDENTIALS).value()))
                .extracting(r -> r.mechanism()).containsExactly("SCRAM-SHA-256", "SCRAM-SHA-512");
    }
}
