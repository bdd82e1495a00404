package io.cairn.fuzz;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/**
 * One plain socket to the node, reading size-prefixed frames against a deadline. Not thread-safe.
 */
final class Connection implements AutoCloseable {

    /** The node closed the connection (or reset it). */
    static final class Closed extends IOException {
        Closed(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Connection(InetSocketAddress address, int connectTimeoutMs) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, connectTimeoutMs);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
    }

    /** Sends the bytes; {@link Closed} when the node has closed the connection. */
    void send(byte[] bytes) throws IOException {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new Closed("on write: " + e.getMessage());
        }
    }

    /**
     * The next response frame (without its size prefix), or null when none came by the deadline;
     * {@link Closed} when the node closed the connection.
     */
    byte[] read(long deadlineNanos) throws IOException {
        byte[] size = readFully(4, deadlineNanos);
        if (size == null) {
            return null;
        }
        int length = ByteBuffer.wrap(size).getInt();
        if (length < 4 || length > 128 * 1024 * 1024) {
            throw new IOException("response size prefix " + length);
        }
        byte[] body = readFully(length, deadlineNanos + 5_000_000_000L);
        if (body == null) {
            throw new IOException("response cut short: " + length + " bytes announced");
        }
        return body;
    }

    /** Waits until the deadline for the node to close; true if it did (any bytes it sends are dropped). */
    boolean awaitClose(long deadlineNanos) throws IOException {
        byte[] sink = new byte[4096];
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            try {
                if (in.read(sink) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                return true;
            }
        }
    }

    private byte[] readFully(int length, long deadlineNanos) throws IOException {
        byte[] bytes = new byte[length];
        int read = 0;
        while (read < length) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                if (read == 0) {
                    return null;
                }
                throw new IOException("response cut short after " + read + " of " + length + " bytes");
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            int n;
            try {
                n = in.read(bytes, read, length - read);
            } catch (SocketTimeoutException e) {
                continue;
            } catch (IOException reset) {
                throw new Closed("reset: " + reset.getMessage());
            }
            if (n < 0) {
                if (read == 0) {
                    throw new Closed("end of stream");
                }
                throw new EOFException("closed inside a response");
            }
            read += n;
        }
        return bytes;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
