package io.cairn.server.chaos;

/** What the campaign does to a node: kill and start it, and (when it can) freeze and thaw its process. */
public interface Nemesis {

    /** Kills node {@code node} as kill -9 does; returns once it is gone. */
    void kill(int node) throws Exception;

    /** Starts node {@code node} again on its data; returns once it is launched (not necessarily serving). */
    void start(int node) throws Exception;

    /** Whether {@link #pause} and {@link #resume} are available. */
    boolean canPause();

    /** Freezes node {@code node}'s process as SIGSTOP does. */
    void pause(int node) throws Exception;

    /** Thaws a frozen node as SIGCONT does. */
    void resume(int node) throws Exception;
}
