package io.cairn.broker.network;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Kafka's framing (a 4-byte size, then that many bytes) with {@code queued.max.request.bytes}: once it has read a
 * request's size it reserves that many bytes in the node's {@link RequestMemoryPool} before reading on. With no
 * memory left the connection stops reading ({@link ReadGate.Reason#MEMORY}) until a release wakes it, as Kafka's
 * selector mutes a channel whose receive buffer the pool cannot allocate. The reservation travels with the frame:
 * {@link KafkaConnectionHandler} gives back {@link #frameSize} bytes when the request no longer needs them.
 *
 * <p>A frame larger than {@code socket.request.max.bytes} fails, before any reservation, with Netty's
 * TooLongFrameException, which closes the connection. Until a SASL connection is authenticated, a frame larger than
 * {@code sasl.server.max.receive.size} fails likewise ({@link SaslFrameTooLargeException}), as Kafka's authenticator
 * bounds what an unauthenticated client makes it read.
 *
 * <p>Confined to the channel's event loop.
 */
final class RequestFrameDecoder extends LengthFieldBasedFrameDecoder {

    private static final int SIZE_PREFIX = 4;

    private final int maxFrameBytes;
    private final RequestMemoryPool pool;
    private final ReadGate gate;
    /** The connection's authenticator on a SASL listener, else null. */
    private final SaslAuthenticator sasl;
    /** The bytes reserved for the frame being read, or -1 when none is. */
    private int reserved = -1;
    /** A frame was refused: the connection is closing, and what else arrives is dropped unread. */
    private boolean refused;

    RequestFrameDecoder(int socketRequestMaxBytes, RequestMemoryPool pool, ReadGate gate) {
        this(socketRequestMaxBytes, pool, gate, null);
    }

    RequestFrameDecoder(int socketRequestMaxBytes, RequestMemoryPool pool, ReadGate gate, SaslAuthenticator sasl) {
        // The prefix counts too; near 2^31 the sum must not wrap negative.
        super((int) Math.min(Integer.MAX_VALUE, socketRequestMaxBytes + (long) SIZE_PREFIX), 0, SIZE_PREFIX, 0,
                SIZE_PREFIX, true);
        this.maxFrameBytes = socketRequestMaxBytes;
        this.pool = pool;
        this.gate = gate;
        this.sasl = sasl;
    }

    /** A frame larger than sasl.server.max.receive.size before authentication; the connection is closed. */
    static final class SaslFrameTooLargeException extends DecoderException {
        SaslFrameTooLargeException(int size, int max) {
            super("Failing SASL authentication due to invalid receive size (size = " + size + " larger than " + max
                    + ")");
        }
    }

    /** The bytes reserved for a frame this decoder passed on, to give back to the pool. */
    static int frameSize(ByteBuf frame) {
        return frame.readableBytes();
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return null;
        }
        if (reserved < 0 && in.readableBytes() >= SIZE_PREFIX) {
            int size = in.getInt(in.readerIndex());
            if (sasl != null && size > sasl.maxReceiveBytes()) {
                refused = true;
                throw new SaslFrameTooLargeException(size, sasl.maxReceiveBytes());
            }
            if (size > 0 && size <= maxFrameBytes) {
                if (!ctx.channel().isActive()) {
                    return null; // closed: a request read now would never be answered
                }
                if (!pool.tryReserve(size)) {
                    gate.set(ReadGate.Reason.MEMORY, true);
                    pool.whenAvailable(() -> ctx.executor().execute(() -> retry(ctx)));
                    return null;
                }
                reserved = size;
                gate.set(ReadGate.Reason.MEMORY, false);
            }
        }
        Object frame = super.decode(ctx, in);
        if (frame != null) {
            reserved = -1; // now the frame's: its handler gives it back
        }
        return frame;
    }

    /** Memory is back: decode what was read already (perhaps a whole frame) and, if it fits now, read on. */
    private void retry(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive() || ctx.isRemoved()) {
            return;
        }
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        try {
            super.channelInactive(ctx);
        } finally {
            releasePartialFrame();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        releasePartialFrame();
    }

    /** A frame cut short by the connection closing gives its reservation back. */
    private void releasePartialFrame() {
        if (reserved > 0) {
            pool.release(reserved);
        }
        reserved = -1;
    }
}
