package io.cairn.broker.network;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import io.cairn.protocol.ConnectionLifetime;
import io.cairn.protocol.KafkaRequest;
import io.cairn.protocol.RequestContext;
import io.cairn.protocol.RequestDecoder;
import io.cairn.protocol.RequestDispatcher;
import io.cairn.protocol.SendChunks;
import io.cairn.protocol.SendFileRegion;
import io.cairn.protocol.SerialExecutor;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.network.Send;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: decodes each frame, hands it to the dispatcher, and writes the responses in
 * request order even when handlers finish out of order (pipelining). Stops reading while too many
 * requests are in flight or the client does not take its responses, so one client cannot queue unbounded
 * work or responses, and for the throttle time a client quota gives (KIP-219).
 *
 * <p>Confined to the channel's event loop: every field is touched only there.
 */
final class KafkaConnectionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(KafkaConnectionHandler.class);
    private static final int MAX_IN_FLIGHT = 100;

    private final RequestDispatcher dispatcher;
    private final Time time;
    private final String logPrefix;
    private final int socketRequestMaxBytes;
    /** Requests in arrival order; the head is sent as soon as its response is ready. */
    private final ArrayDeque<Slot> inFlight = new ArrayDeque<>();
    private final SerialExecutor handlerExecutor;
    private final RequestMemoryPool pool;
    private final ReadGate gate;
    private final ConnectionLifetime lifetime = new ConnectionLifetime();
    private final String listenerName;
    /** TLS connections copy responses through SendChunks: an SslHandler cannot encrypt a FileRegion. */
    private final boolean tls;
    /** On a SASL listener, decides about each frame before it is served; else null. */
    private final SaslAuthenticator sasl;
    /** Who a connection without SASL is (PLAINTEXT, SSL): the listener's principal builder. */
    private final ConnectionPrincipals principals;
    /** This connection's principal when not SASL, made at its first request (after the TLS handshake); or null. */
    private KafkaPrincipal principal;
    /** This connection's security protocol, known at its first request. */
    private SecurityProtocol protocol;
    /** An answer that ends the connection is queued: later frames are dropped unread. */
    private boolean closing;
    private String connectionId = "?";
    /** When a quota's throttle ends reads resume; null while not throttled. */
    private java.util.concurrent.ScheduledFuture<?> throttleEnd;
    private long throttledUntilNanos;
    /** A login's frame that waits for the node to catch up (SaslAuthenticator's Wait), or null. */
    private ByteBuf waitingFrame;
    /** Frames decoded while a login waits, in order, handed on after it. */
    private final ArrayDeque<ByteBuf> afterWaiting = new ArrayDeque<>();

    KafkaConnectionHandler(RequestDispatcher dispatcher, Time time, String logPrefix, int socketRequestMaxBytes,
                           RequestMemoryPool pool, ReadGate gate, String listenerName, boolean tls,
                           SaslAuthenticator sasl, ConnectionPrincipals principals) {
        this.sasl = sasl;
        this.principals = principals;
        this.listenerName = listenerName;
        this.tls = tls;
        this.dispatcher = dispatcher;
        this.time = time;
        this.logPrefix = logPrefix;
        this.socketRequestMaxBytes = socketRequestMaxBytes;
        this.handlerExecutor = new SerialExecutor(dispatcher.executor());
        this.pool = pool;
        this.gate = gate;
    }

    private static final class Slot {
        Optional<Send> response;
        boolean done;
        /** The connection closes once this response is sent (a failed authentication). */
        boolean closeAfter;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connectionId = ctx.channel().localAddress() + "-" + ctx.channel().remoteAddress();
        lifetime.onThrottle(throttleTimeMs -> {
            try {
                ctx.executor().execute(() -> throttle(ctx, throttleTimeMs));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the node is stopping: nothing is read any more
            }
        });
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf frame = (ByteBuf) msg;
        if (closing) {
            pool.release(RequestFrameDecoder.frameSize(frame));
            frame.release();
            return;
        }
        if (waitingFrame != null) {
            afterWaiting.add(frame); // already decoded from what was read: kept in order behind the waiting one
            return;
        }
        if (sasl != null && authenticates(ctx, frame)) {
            return;
        }
        RequestBytes bytes = new RequestBytes(RequestFrameDecoder.frameSize(frame));
        ByteBuffer buffer;
        // Produce requests are parsed in place: their records are slices of the pooled frame, which is
        // released once the handler has appended them (RequestContext.releaseRequestBytes), else with the response.
        // That saves a heap copy of every produced byte (the bulk of the broker's garbage while ingesting)
        // and the JDK's copy into a temporary direct buffer when the records are written to the log.
        // Other requests are small; they get one copy onto the heap, as their parsed form may keep
        // slices of it for as long as a handler likes.
        ByteBuf retained = null;
        if (isProduce(frame) && frame.nioBufferCount() == 1) {
            buffer = frame.nioBuffer();
            retained = frame;
            bytes.frame = frame;
        } else {
            try {
                buffer = ByteBuffer.allocate(frame.readableBytes());
                frame.readBytes(buffer);
                buffer.flip();
            } finally {
                frame.release();
            }
        }
        RequestDecoder.Decoded decoded;
        try {
            decoded = RequestDecoder.decode(buffer);
        } catch (InvalidRequestException e) {
            bytes.release();
            log.info("{}Closing connection from {}: {}", logPrefix, ctx.channel().remoteAddress(), e.getMessage());
            ctx.close();
            return;
        }
        Slot slot = new Slot();
        inFlight.add(slot);
        updateReading(ctx);
        if (decoded instanceof RequestDecoder.Decoded.UnsupportedApiVersions unsupported) {
            bytes.release();
            complete(ctx, slot, Optional.of(dispatcher.unsupportedApiVersions(unsupported.correlationId())));
            return;
        }
        KafkaRequest request = ((RequestDecoder.Decoded.Request) decoded).request();
        if (retained == null) {
            bytes.release(); // parsed into objects: as Kafka, the pool has its bytes back at once
        }
        KafkaPrincipal caller;
        try {
            caller = principal(ctx);
        } catch (RuntimeException e) {
            bytes.release();
            log.info("{}Closing connection from {} on listener {}: its principal cannot be built: {}", logPrefix,
                    ctx.channel().remoteAddress(), listenerName, e.toString());
            ctx.close();
            return;
        }
        RequestContext context = new RequestContext(request.header(),
                (InetSocketAddress) ctx.channel().remoteAddress(), connectionId, time.milliseconds(), lifetime,
                bytes::release, listenerName, caller, securityProtocol(ctx));
        dispatcher.dispatch(context, request, handlerExecutor).whenComplete((response, error) -> {
            bytes.release();
            if (error != null) {
                Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                        ? error.getCause() : error;
                if (cause instanceof InvalidRequestException) {
                    log.info("{}Closing connection from {}: {}", logPrefix, ctx.channel().remoteAddress(),
                            cause.getMessage());
                } else {
                    log.error("{}Closing connection from {}: no response could be built for {}", logPrefix,
                            ctx.channel().remoteAddress(), request, error);
                }
                ctx.close();
                return;
            }
            if (ctx.executor().inEventLoop()) {
                complete(ctx, slot, response);
            } else {
                ctx.executor().execute(() -> complete(ctx, slot, response));
            }
        });
    }

    /** The connection's security protocol (SASL or not, over TLS or not), found at its first request. */
    private SecurityProtocol securityProtocol(ChannelHandlerContext ctx) {
        if (protocol == null) {
            boolean tls = KafkaServer.tlsSession(ctx.channel()).isPresent();
            protocol = sasl != null ? (tls ? SecurityProtocol.SASL_SSL : SecurityProtocol.SASL_PLAINTEXT)
                    : (tls ? SecurityProtocol.SSL : SecurityProtocol.PLAINTEXT);
        }
        return protocol;
    }

    /**
     * Who sends this connection's requests: the SASL user, else what the listener's principal builder makes of the
     * connection once (for SSL, from the client's certificate: the handshake is done before any request is read).
     */
    private KafkaPrincipal principal(ChannelHandlerContext ctx) {
        if (sasl != null) {
            return sasl.principal();
        }
        if (principal == null) {
            Optional<javax.net.ssl.SSLSession> session = KafkaServer.tlsSession(ctx.channel());
            principal = session.isPresent() ? principals.ssl(session.get(), ctx.channel().remoteAddress())
                    : principals.plaintext(ctx.channel().remoteAddress());
        }
        return principal;
    }

    /**
     * Lets the SASL authenticator decide about a frame: true when it took it (answered it, or closed the connection)
     * and gave its bytes back, false when the frame is to be served as on any listener.
     */
    private boolean authenticates(ChannelHandlerContext ctx, ByteBuf frame) {
        SaslAuthenticator.Verdict verdict = sasl.onFrame(frame);
        if (verdict instanceof SaslAuthenticator.Verdict.Serve) {
            return false;
        }
        if (verdict instanceof SaslAuthenticator.Verdict.Wait wait) {
            // Nothing blocks: the connection stops reading, keeps the frame (and its share of the pool), and
            // hands it back to the authenticator on this event loop when the wait is over.
            waitingFrame = frame;
            gate.set(ReadGate.Reason.LOGIN_WAIT, true);
            wait.until().whenComplete((ignored, error) -> {
                try {
                    ctx.executor().execute(() -> endWait(ctx));
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    // the node is stopping: the connection goes with it
                }
            });
            return true;
        }
        pool.release(RequestFrameDecoder.frameSize(frame));
        frame.release();
        if (verdict instanceof SaslAuthenticator.Verdict.Answer answer) {
            Slot slot = new Slot();
            slot.closeAfter = answer.thenClose();
            closing = answer.thenClose();
            inFlight.add(slot);
            complete(ctx, slot, Optional.ofNullable(answer.response()));
        } else {
            closing = true;
            ctx.close();
        }
        return true;
    }

    /** A login's wait is over: its frame is decided now, then the frames that came behind it are served in order. */
    private void endWait(ChannelHandlerContext ctx) {
        ByteBuf frame = waitingFrame;
        if (frame == null) {
            return; // the connection closed meanwhile
        }
        waitingFrame = null;
        gate.set(ReadGate.Reason.LOGIN_WAIT, false);
        channelRead(ctx, frame);
        while (waitingFrame == null && !afterWaiting.isEmpty()) {
            channelRead(ctx, afterWaiting.poll());
        }
    }

    /** Gives back the frames kept for a waiting login (the connection closed). */
    private void releaseWaiting() {
        if (waitingFrame != null) {
            afterWaiting.addFirst(waitingFrame);
            waitingFrame = null;
        }
        for (ByteBuf frame = afterWaiting.poll(); frame != null; frame = afterWaiting.poll()) {
            pool.release(RequestFrameDecoder.frameSize(frame));
            frame.release();
        }
    }

    /**
     * A request's share of the {@link RequestMemoryPool}, and the pooled frame a produce's records are read from:
     * both are given back once, by whichever comes first of the handler being done with the records and the
     * response. Thread-safe.
     */
    private final class RequestBytes {
        private final int reserved;
        private ByteBuf frame;
        private final java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();

        RequestBytes(int reserved) {
            this.reserved = reserved;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                if (frame != null) {
                    frame.release();
                }
                pool.release(reserved);
            }
        }
    }

    private static boolean isProduce(ByteBuf frame) {
        return frame.readableBytes() >= 2 && frame.getShort(frame.readerIndex()) == ApiKeys.PRODUCE.id;
    }

    private void complete(ChannelHandlerContext ctx, Slot slot, Optional<Send> response) {
        slot.response = response == null ? Optional.empty() : response;
        slot.done = true;
        boolean wrote = false;
        while (!inFlight.isEmpty() && inFlight.peek().done) {
            Slot next = inFlight.poll();
            Optional<Send> send = next.response;
            if (next.closeAfter) {
                if (wrote) {
                    ctx.flush();
                }
                long delayMs = sasl == null ? 0 : sasl.failureDelayMs();
                Runnable answerAndClose = () -> {
                    if (send.isPresent() && ctx.channel().isActive()) {
                        ctx.writeAndFlush(tls ? new SendChunks(send.get()) : new SendFileRegion(send.get()))
                                .addListener(ChannelFutureListener.CLOSE);
                    } else {
                        ctx.close();
                    }
                };
                if (delayMs > 0) {
                    ctx.executor().schedule(answerAndClose, delayMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                } else {
                    answerAndClose.run();
                }
                return;
            }
            if (send.isPresent() && ctx.channel().isActive()) {
                ctx.write(tls ? new SendChunks(send.get()) : new SendFileRegion(send.get()), ctx.voidPromise());
                wrote = true;
            }
        }
        if (wrote) {
            ctx.flush();
        }
        updateReading(ctx);
    }

    /**
     * Stops reading for a quota's throttle time (KIP-219), or longer if an earlier throttle ends later. Posted by the
     * handler before its response, so the response is still written at once; the requests read meanwhile wait.
     */
    private void throttle(ChannelHandlerContext ctx, long throttleTimeMs) {
        long until = time.nanoseconds() + TimeUnit.MILLISECONDS.toNanos(throttleTimeMs);
        if (throttleEnd != null && until - throttledUntilNanos <= 0) {
            return;
        }
        if (throttleEnd != null) {
            throttleEnd.cancel(false);
        }
        throttledUntilNanos = until;
        gate.set(ReadGate.Reason.THROTTLED, true);
        throttleEnd = ctx.executor().schedule(() -> {
            throttleEnd = null;
            gate.set(ReadGate.Reason.THROTTLED, false);
        }, throttleTimeMs, TimeUnit.MILLISECONDS);
    }

    /**
     * Ends the work parked for this connection's requests (long polls, acks=all produces) now rather than at their
     * timeouts, which frees their requests' bytes. On the request threads: ending a long poll reads the log.
     */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        releaseWaiting();
        if (sasl != null) {
            sasl.dispose();
        }
        try {
            dispatcher.executor().execute(lifetime::close);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // the node is stopping: its parked work goes with it
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        updateReading(ctx);
        super.channelWritabilityChanged(ctx);
    }

    /**
     * Reads the next requests only while the client takes its responses (the channel is writable: fewer unsent
     * bytes than the write buffer's high-water mark) and fewer than {@link #MAX_IN_FLIGHT} requests are
     * unanswered (resuming below half of it). A client that sends and never reads thus costs at most one
     * write buffer of responses, like Kafka's muting of such a connection, instead of a heap of them.
     */
    private void updateReading(ChannelHandlerContext ctx) {
        int limit = gate.holds(ReadGate.Reason.IN_FLIGHT) ? MAX_IN_FLIGHT / 2 : MAX_IN_FLIGHT;
        gate.set(ReadGate.Reason.IN_FLIGHT, inFlight.size() >= limit);
        gate.set(ReadGate.Reason.UNWRITABLE, !ctx.channel().isWritable());
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            if (!inFlight.isEmpty()) {
                return; // waiting on a long poll or a slow write is not idleness
            }
            log.debug("{}Closing idle connection from {}", logPrefix, ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException tlsFailure) {
            // A failed handshake (no or an untrusted client certificate, no common protocol) or a non-TLS client on
            // a TLS listener: the client's doing, as Kafka's failed authentication logs at INFO.
            log.info("{}Closing connection from {} on listener {}: TLS failed: {}", logPrefix,
                    ctx.channel().remoteAddress(), listenerName, tlsFailure.getMessage());
        } else if (cause instanceof RequestFrameDecoder.SaslFrameTooLargeException) {
            log.info("{}Failed authentication with {} on listener {} ({})", logPrefix, ctx.channel().remoteAddress(),
                    listenerName, cause.getMessage());
        } else if (cause instanceof TooLongFrameException) {
            log.info("{}Closing connection from {}: request larger than socket.request.max.bytes ({})",
                    logPrefix, ctx.channel().remoteAddress(), socketRequestMaxBytes);
        } else if (cause instanceof DecoderException) {
            // A malformed frame (a negative size prefix, ...): the client's fault, not the node's.
            log.info("{}Closing connection from {}: malformed request frame ({})", logPrefix,
                    ctx.channel().remoteAddress(), cause.getMessage());
        } else if (cause instanceof java.io.IOException) {
            log.debug("{}Connection from {} failed: {}", logPrefix, ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("{}Closing connection from {} after an unexpected error", logPrefix,
                    ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }
}
