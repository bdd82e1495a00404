package io.cairn.raft;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One voter of the metadata quorum: its node id and the address of its Raft (Ratis) port, as written in
 * {@code controller.quorum.voters}: {@code id@host:port}.
 *
 * <p>Immutable.
 */
public record Voter(int id, String host, int port) {

    /** Parses {@code 1@host:port,2@host:port,...}; ids must be distinct. */
    public static List<Voter> parseList(String value) {
        List<Voter> voters = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        for (String part : value.split(",")) {
            String entry = part.trim();
            if (entry.isEmpty()) {
                continue;
            }
            Voter voter = parse(entry);
            if (!ids.add(voter.id())) {
                throw new IllegalArgumentException("voter id " + voter.id() + " appears twice in '" + value + "'");
            }
            voters.add(voter);
        }
        if (voters.isEmpty()) {
            throw new IllegalArgumentException("no voters in '" + value + "'");
        }
        return List.copyOf(voters);
    }

    public static Voter parse(String entry) {
        int at = entry.indexOf('@');
        int colon = entry.lastIndexOf(':');
        if (at <= 0 || colon <= at + 1 || colon == entry.length() - 1) {
            throw new IllegalArgumentException("expected id@host:port, got '" + entry + "'");
        }
        try {
            int id = Integer.parseInt(entry.substring(0, at));
            int port = Integer.parseInt(entry.substring(colon + 1));
            String host = entry.substring(at + 1, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (id < 0 || port < 0 || port > 65535) {
                throw new IllegalArgumentException("expected id@host:port, got '" + entry + "'");
            }
            return new Voter(id, host, port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected id@host:port, got '" + entry + "'");
        }
    }

    public String address() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return id + "@" + address();
    }
}
