package io.cairn.server;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Serves {@code GET /metrics} in Prometheus text format, and the node's health probes {@code GET /health/live}
 * and {@code GET /health/ready} (200 or 503 with the reason as one line of text, see {@link NodeHealth}), on Netty, which Cairn runs anyway: no connection can
 * hold up another (the JDK's HTTP server read each request on its one worker thread, so one client that
 * stalled mid-request blocked every scrape), a connection that sends nothing for {@link #READ_TIMEOUT_SECONDS}
 * is closed, and a request is at most {@link #MAX_REQUEST_BYTES}.
 *
 * <p>Thread-safe.
 */
final class MetricsHttpServer implements AutoCloseable {

    static final int READ_TIMEOUT_SECONDS = 10;
    static final int MAX_REQUEST_BYTES = 8192;

    private final EventLoopGroup group;
    private final Channel channel;

    /**
     * @param beforeScrape run before each scrape renders the registry (meters whose rows are copied from state
     *                     confined to other threads refresh themselves); the scrape waits for its future, which must
     *                     complete within a bound and may complete on any thread
     */
    MetricsHttpServer(String host, int port, PrometheusMeterRegistry registry,
                      Supplier<CompletableFuture<?>> beforeScrape, NodeHealth health) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("cairn-metrics-http", true),
                NioIoHandler.newFactory());
        try {
            channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new ReadTimeoutHandler(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS))
                                    .addLast(new HttpServerCodec(MAX_REQUEST_BYTES, MAX_REQUEST_BYTES, MAX_REQUEST_BYTES))
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast(new Scrape(registry, beforeScrape, health));
                        }
                    })
                    .bind(host, port).sync().channel();
        } catch (RuntimeException | InterruptedException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw e;
        }
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Answers one request: the registry's text for GET /metrics, a probe's verdict, 404 or 405 otherwise. */
    private static final class Scrape extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final PrometheusMeterRegistry registry;
        private final Supplier<CompletableFuture<?>> beforeScrape;
        private final NodeHealth health;

        Scrape(PrometheusMeterRegistry registry, Supplier<CompletableFuture<?>> beforeScrape, NodeHealth health) {
            this.registry = registry;
            this.beforeScrape = beforeScrape;
            this.health = health;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            boolean keepAlive = HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            if (!request.decoderResult().isSuccess()) {
                respond(ctx, empty(HttpResponseStatus.BAD_REQUEST), keepAlive);
            } else if (!request.method().equals(HttpMethod.GET)) {
                respond(ctx, empty(HttpResponseStatus.METHOD_NOT_ALLOWED), keepAlive);
            } else if (request.uri().equals("/health/live")) {
                respond(ctx, verdict(health.liveness()), keepAlive);
            } else if (request.uri().equals("/health/ready")) {
                respond(ctx, verdict(health.readiness()), keepAlive);
            } else if (!request.uri().equals("/metrics") && !request.uri().startsWith("/metrics?")) {
                respond(ctx, empty(HttpResponseStatus.NOT_FOUND), keepAlive);
            } else {
                // The request is released when this returns; the answer needs nothing of it. The registry is
                // rendered on this connection's thread, not on whichever completed the refresh.
                beforeScrape.get().whenCompleteAsync((ignored, error) -> {
                    byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
                    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                            HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
                    respond(ctx, response, keepAlive);
                }, ctx.executor());
            }
        }

        private static void respond(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
            HttpUtil.setKeepAlive(response, keepAlive);
            var written = ctx.writeAndFlush(response);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a read timeout or a broken client: nothing to tell anyone
        }

        private static FullHttpResponse verdict(NodeHealth.Verdict verdict) {
            byte[] body = (verdict.reason() + "\n").getBytes(StandardCharsets.UTF_8);
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    verdict.ok() ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    Unpooled.wrappedBuffer(body));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            return response;
        }

        private static FullHttpResponse empty(HttpResponseStatus status) {
            return new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
