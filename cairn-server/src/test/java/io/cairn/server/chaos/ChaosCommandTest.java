package io.cairn.server.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.cairn.server.CairnMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ChaosCommandTest {

    @TempDir
    Path dir;

    private record Run(int exitCode, String out, String err) {
    }

    private static Run chaos(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new CairnMain());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        String[] all = new String[args.length + 1];
        all[0] = "chaos";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = cli.execute(all);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theHelpShowsThePlaceholderWithoutAFormatWarning() {
        java.io.PrintStream stderr = System.err;
        java.io.ByteArrayOutputStream traced = new java.io.ByteArrayOutputStream();
        System.setErr(new java.io.PrintStream(traced, true));
        Run run;
        try {
            run = chaos("--help");
        } finally {
            System.setErr(stderr);
        }

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("%d is replaced by a node id", "'bin/cairn-cluster kill %d'");
        assertThat(traced.toString()).doesNotContain("picocli WARN");
    }

    @Test
    void aCommandWithoutTheNodeIdIsRefusedBeforeAnythingRuns() {
        Run run = chaos("--bootstrap", "127.0.0.1:1", "--kill-cmd", "kill -9 1", "--start-cmd", "start %d");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--kill-cmd must contain %d");
    }

    @Test
    void pauseWithoutResumeIsRefused() {
        Run run = chaos("--bootstrap", "127.0.0.1:1", "--kill-cmd", "k %d", "--start-cmd", "s %d",
                "--pause-cmd", "p %d");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--pause-cmd and --resume-cmd go together");
    }

    @Test
    void aBadDurationIsRefusedWithTheUnitsItTakes() {
        Run run = chaos("--bootstrap", "127.0.0.1:1", "--kill-cmd", "k %d", "--start-cmd", "s %d",
                "--duration", "ten minutes");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--duration must be a number with an optional unit ms, s, m or h");
    }

    @Test
    void durationsTakeUnits() {
        assertThat(ChaosCommand.parseDuration("--d", "90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ChaosCommand.parseDuration("--d", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ChaosCommand.parseDuration("--d", "10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(ChaosCommand.parseDuration("--d", "2h")).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void aClusterThatDoesNotAnswerEndsTheCampaignWithStatus2() {
        Run run = chaos("--bootstrap", "127.0.0.1:1", "--kill-cmd", "true %d", "--start-cmd", "true %d",
                "--report", dir.resolve("r").toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("the campaign could not run");
    }

    @Test
    void theShellNemesisRunsTheCommandForTheNodeAndReportsAFailedOne() throws Exception {
        Path trace = dir.resolve("trace");
        ShellNemesis nemesis = new ShellNemesis("echo kill %d >> " + trace, "echo start %d >> " + trace,
                "echo pause %d >> " + trace, "echo resume %d >> " + trace);

        nemesis.kill(2);
        nemesis.start(2);
        nemesis.pause(3);
        nemesis.resume(3);

        assertThat(Files.readAllLines(trace)).containsExactly("kill 2", "start 2", "pause 3", "resume 3");
        assertThat(nemesis.canPause()).isTrue();
        ShellNemesis failing = new ShellNemesis("echo no such node %d >&2; exit 3", "true %d", null, null);
        assertThat(failing.canPause()).isFalse();
        assertThatThrownBy(() -> failing.kill(7)).hasMessageContaining("exited with status 3")
                .hasMessageContaining("no such node 7");
    }
}
