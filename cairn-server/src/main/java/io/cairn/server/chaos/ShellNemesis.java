package io.cairn.server.chaos;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Nemesis} that runs the user's commands through {@code sh -c}, with {@code %d} replaced by the node id:
 * {@code bin/cairn-cluster kill %d}, {@code systemctl kill -s KILL cairn@%d}, {@code kubectl delete pod cairn-%d
 * --grace-period=0}. A command that fails (non-zero exit, or still running after two minutes) stops the campaign
 * with its output: a fault that was not injected must not count as survived.
 */
final class ShellNemesis implements Nemesis {

    private static final long COMMAND_TIMEOUT_SECONDS = 120;

    private final String killCommand;
    private final String startCommand;
    private final String pauseCommand;
    private final String resumeCommand;

    /** {@code pauseCommand} and {@code resumeCommand} are both null (no pauses) or both given. */
    ShellNemesis(String killCommand, String startCommand, String pauseCommand, String resumeCommand) {
        if ((pauseCommand == null) != (resumeCommand == null)) {
            throw new IllegalArgumentException("--pause-cmd and --resume-cmd go together: give both or neither");
        }
        this.killCommand = requireNodeId("--kill-cmd", killCommand);
        this.startCommand = requireNodeId("--start-cmd", startCommand);
        this.pauseCommand = pauseCommand == null ? null : requireNodeId("--pause-cmd", pauseCommand);
        this.resumeCommand = resumeCommand == null ? null : requireNodeId("--resume-cmd", resumeCommand);
    }

    private static String requireNodeId(String option, String command) {
        if (command == null || !command.contains("%d")) {
            throw new IllegalArgumentException(option + " must contain %d, where the node id goes: " + command);
        }
        return command;
    }

    @Override
    public void kill(int node) throws IOException, InterruptedException {
        run(killCommand, node);
    }

    @Override
    public void start(int node) throws IOException, InterruptedException {
        run(startCommand, node);
    }

    @Override
    public boolean canPause() {
        return pauseCommand != null;
    }

    @Override
    public void pause(int node) throws IOException, InterruptedException {
        run(pauseCommand, node);
    }

    @Override
    public void resume(int node) throws IOException, InterruptedException {
        run(resumeCommand, node);
    }

    private static void run(String template, int node) throws IOException, InterruptedException {
        String command = template.replace("%d", Integer.toString(node));
        // Output goes to a file, not a pipe: a start command may leave a daemon holding its stdout open.
        Path output = Files.createTempFile("cairn-chaos-", ".out");
        try {
            Process process = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("'" + command + "' did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                throw new IOException("'" + command + "' exited with status " + process.exitValue() + ": "
                        + Files.readString(output, StandardCharsets.UTF_8).strip());
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
