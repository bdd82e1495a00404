package io.cairn.broker.network;

import java.util.EnumSet;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;

/**
 * Whether a connection reads from its socket, for every reason it may stop (Kafka "mutes" such a channel): too many
 * unanswered requests, unsent responses piling up, no memory left in the pool for its next request, a quota
 * throttling its client, or a login waiting for the node to catch up. It reads again once no reason holds.
 *
 * <p>Stopping is Netty's auto-read off, and more: this handler sits first in the pipeline and swallows the read
 * calls of the handlers behind it while a reason holds. The frame decoder asks for one more read whenever a read
 * gave it no whole frame; without this, a connection waiting for memory would go on reading the very request it
 * has no memory for.
 *
 * <p>Confined to the channel's event loop.
 */
final class ReadGate extends ChannelOutboundHandlerAdapter {

    /** Why a connection does not read. */
    enum Reason {
        /** {@link KafkaConnectionHandler}'s cap on unanswered requests. */
        IN_FLIGHT,
        /** The client does not take its responses: the write buffer is above its high-water mark. */
        UNWRITABLE,
        /** {@link RequestMemoryPool} has no memory for the next request. */
        MEMORY,
        /** A client quota throttles the client (KIP-219: Kafka mutes its channel for the throttle time). */
        THROTTLED,
        /** A SASL login waits for the node to catch up with the cluster metadata ({@link ScramLoginWait}). */
        LOGIN_WAIT
    }

    private final EnumSet<Reason> holding = EnumSet.noneOf(Reason.class);
    private ChannelHandlerContext ctx;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    void set(Reason reason, boolean holds) {
        boolean changed = holds ? holding.add(reason) : holding.remove(reason);
        boolean read = holding.isEmpty();
        if (changed && ctx.channel().config().isAutoRead() != read) {
            // Turning auto-read on reads at once.
            ctx.channel().config().setAutoRead(read);
        }
    }

    boolean holds(Reason reason) {
        return holding.contains(reason);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        if (holding.isEmpty()) {
            ctx.read();
        }
    }
}
