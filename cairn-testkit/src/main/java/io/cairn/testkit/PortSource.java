package io.cairn.testkit;

import java.io.IOException;

/**
 * Where a test harness gets a port that a node it starts binds only later: a Raft voter's port (every voter must
 * know every other's before any starts) or a node process's Kafka port. Between the pick and the bind someone
 * else can take the port; the harnesses then start again on fresh ones. Tests pass their own source to take a
 * port deliberately in that window.
 */
@FunctionalInterface
public interface PortSource {

    /** A port that was free when chosen. */
    int next() throws IOException;
}
