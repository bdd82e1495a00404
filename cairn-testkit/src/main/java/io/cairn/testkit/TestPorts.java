package io.cairn.testkit;

import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for test nodes that must keep theirs across restarts (a Raft voter's address is in its log; a killed
 * node comes back on its Kafka port). A port from the kernel's ephemeral range ({@code new ServerSocket(0)}) can
 * be handed to any outgoing connection while its node is down, a client's included, and the restart then fails
 * with "Address already in use". These come from below that range, where the kernel never assigns ports on its
 * own, each checked free on 127.0.0.1 when chosen. A port can still be taken between that check and its node's
 * bind, so a harness that picks ports starts again on fresh ones when a start fails {@link #taken}.
 */
public final class TestPorts {

    private static final Path EPHEMERAL_RANGE = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    private static final int LOWEST = 10_000;
    private static final int ATTEMPTS = 100;

    private TestPorts() {
    }

    /** A port free on 127.0.0.1 now, outside the ephemeral range when the kernel says where that is. */
    public static int unused() throws IOException {
        int below = ephemeralRangeStart();
        if (below - LOWEST < 1_000) {
            return anyFree();
        }
        for (int i = 0; i < ATTEMPTS; i++) {
            int port = ThreadLocalRandom.current().nextInt(LOWEST, below);
            if (isFree(port)) {
                return port;
            }
        }
        return anyFree();
    }

    /** Whether a start failed because a port it was given is bound by someone else. */
    public static boolean taken(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException || (t.getMessage() != null && t.getMessage().contains(ADDRESS_IN_USE))) {
                return true;
            }
            for (Throwable suppressed : t.getSuppressed()) {
                if (taken(suppressed)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The operating system's words for a bind to a port someone else holds, as Java and Netty report it. */
    static final String ADDRESS_IN_USE = "Address already in use";

    private static int ephemeralRangeStart() {
        try {
            return Integer.parseInt(Files.readString(EPHEMERAL_RANGE).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0; // not Linux, or unreadable: no range known
        }
    }

    private static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int anyFree() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
