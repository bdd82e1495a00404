package io.cairn.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.stream.ChunkedInput;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.network.TransferableChannel;

/**
 * Lets Netty write a kafka-clients {@link Send} as buffers of at most 64 KiB, copying record data out of the
 * segment files, for connections whose bytes a handler must transform (TLS): a {@link SendFileRegion} cannot be
 * encrypted. Written through a {@code ChunkedWriteHandler}, which reads the next chunk only while the channel is
 * writable, so a large fetch response costs one chunk of memory at a time.
 *
 * <p>Not thread-safe: read by one channel's event loop.
 */
public final class SendChunks implements ChunkedInput<ByteBuf> {

    private static final int CHUNK_BYTES = 64 * 1024;

    private final Send send;
    private final long size;
    private long progress;

    public SendChunks(Send send) {
        this.send = send;
        this.size = send.size();
    }

    @Override
    public boolean isEndOfInput() {
        return send.completed();
    }

    @Override
    public void close() {
        // Record slices share the segment's FileChannel, which the log owns: nothing to release here.
    }

    @Override
    @Deprecated
    public ByteBuf readChunk(ChannelHandlerContext ctx) throws IOException {
        return readChunk(ctx.alloc());
    }

    @Override
    public ByteBuf readChunk(ByteBufAllocator allocator) throws IOException {
        if (send.completed()) {
            return null;
        }
        int capacity = (int) Math.min(CHUNK_BYTES, size - progress);
        ByteBuf chunk = allocator.heapBuffer(capacity);
        try {
            ByteBuffer target = chunk.nioBuffer(0, capacity);
            BufferChannel channel = new BufferChannel(target);
            while (!send.completed() && target.hasRemaining()) {
                if (send.writeTo(channel) == 0) {
                    break;
                }
            }
            chunk.writerIndex(target.position());
            progress += target.position();
            return chunk;
        } catch (IOException | RuntimeException e) {
            chunk.release();
            throw e;
        }
    }

    @Override
    public long length() {
        return size;
    }

    @Override
    public long progress() {
        return progress;
    }

    /** A channel that takes what fits in one buffer. */
    private static final class BufferChannel implements TransferableChannel {
        private final ByteBuffer target;

        BufferChannel(ByteBuffer target) {
            this.target = target;
        }

        @Override
        public boolean hasPendingWrites() {
            return false;
        }

        @Override
        public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
            int room = (int) Math.min(count, target.remaining());
            ByteBuffer window = target.slice();
            window.limit(room);
            long read = 0;
            while (window.hasRemaining()) {
                int n = fileChannel.read(window, position + read);
                if (n < 0) {
                    throw new java.io.EOFException("Segment file ended at " + (position + read) + " while "
                            + count + " bytes were to be sent from " + position);
                }
                read += n;
            }
            target.position(target.position() + (int) read);
            return read;
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            long written = 0;
            for (int i = offset; i < offset + length && target.hasRemaining(); i++) {
                written += write(sources[i]);
            }
            return written;
        }

        @Override
        public long write(ByteBuffer[] sources) {
            return write(sources, 0, sources.length);
        }

        @Override
        public int write(ByteBuffer source) {
            int n = Math.min(source.remaining(), target.remaining());
            ByteBuffer part = source.slice();
            part.limit(n);
            target.put(part);
            source.position(source.position() + n);
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
