package io.cairn.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

import io.netty.channel.FileRegion;
import io.netty.util.AbstractReferenceCounted;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Lets Netty write a kafka-clients {@link Send}: response header and body bytes, and record data straight
 * from segment files with {@code FileChannel.transferTo} (sendfile), so fetched records are never copied
 * into the JVM heap.
 *
 * <p>Not thread-safe: written by one channel's event loop.
 */
public final class SendFileRegion extends AbstractReferenceCounted implements FileRegion {

    private final Send send;
    private final long size;
    private long transferred;

    public SendFileRegion(Send send) {
        this.send = send;
        this.size = send.size();
    }

    @Override
    public long position() {
        return 0;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    @Deprecated
    public long transfered() {
        return transferred;
    }

    @Override
    public long count() {
        return size;
    }

    @Override
    public long transferTo(WritableByteChannel target, long position) throws IOException {
        if (position != transferred) {
            throw new IllegalArgumentException("position " + position + " != transferred " + transferred);
        }
        long written = send.writeTo(new TargetChannel(target));
        transferred += written;
        return written;
    }

    @Override
    public FileRegion retain() {
        super.retain();
        return this;
    }

    @Override
    public FileRegion retain(int increment) {
        super.retain(increment);
        return this;
    }

    @Override
    public FileRegion touch() {
        return this;
    }

    @Override
    public FileRegion touch(Object hint) {
        return this;
    }

    @Override
    protected void deallocate() {
        // Record slices share the segment's FileChannel, which the log owns: nothing to release here.
    }

    /** Adapts Netty's target channel (the socket) to what kafka-clients' Send writes to. */
    private static final class TargetChannel implements TransferableChannel {
        private final WritableByteChannel target;

        TargetChannel(WritableByteChannel target) {
            this.target = target;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            return fileChannel.transferTo(position, count, target);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            if (target instanceof GatheringByteChannel gathering) {
                return gathering.write(srcs, offset, length);
            }
            long written = 0;
            for (int i = offset; i < offset + length; i++) {
                int n = target.write(srcs[i]);
                written += n;
                if (srcs[i].hasRemaining()) {
                    break;
                }
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] srcs) throws IOException {
            return write(srcs, 0, srcs.length);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return target.write(src);
        }

        @Override
        public boolean isOpen() {
            return target.isOpen();
        }

        @Override
        public void close() {
            // The socket belongs to Netty.
        }
    }
}
