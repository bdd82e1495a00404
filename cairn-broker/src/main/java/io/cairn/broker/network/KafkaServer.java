package io.cairn.broker.network;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

import io.cairn.protocol.RequestDispatcher;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener: a Netty server speaking Kafka's size-prefixed framing. NIO transport, so that
 * fetch responses go out with sendfile through {@link io.cairn.protocol.SendFileRegion}.
 *
 * <p>Thread-safe: start and stop from any one thread.
 */
public final class KafkaServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

    private final NetworkConfig config;
    private final RequestDispatcher dispatcher;
    private final Time time;
    private final String logPrefix;
    private EventLoopGroup bossGroup;
    private EventLoopGroup workerGroup;
    private Channel serverChannel;

    public KafkaServer(NetworkConfig config, RequestDispatcher dispatcher, Time time, String logPrefix) {
        this.config = config;
        this.dispatcher = dispatcher;
        this.time = time;
        this.logPrefix = logPrefix;
    }

    /** Binds the listener; returns the bound address (the real port when 0 was asked for). */
    public InetSocketAddress start() throws InterruptedException {
        bossGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        workerGroup = new MultiThreadIoEventLoopGroup(config.networkThreads(), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(bossGroup, workerGroup)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast("idle", new IdleStateHandler(0, 0, config.connectionsMaxIdleMs(),
                                        TimeUnit.MILLISECONDS))
                                .addLast("frame", new LengthFieldBasedFrameDecoder(
                                        config.socketRequestMaxBytes() + 4, 0, 4, 0, 4, true))
                                .addLast("kafka", new KafkaConnectionHandler(dispatcher, time, logPrefix,
                                        config.socketRequestMaxBytes()));
                    }
                });
        serverChannel = bootstrap.bind(config.host(), config.port()).sync().channel();
        InetSocketAddress bound = (InetSocketAddress) serverChannel.localAddress();
        log.info("{}Kafka listener bound to {}:{}", logPrefix, bound.getHostString(), bound.getPort());
        return bound;
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (bossGroup != null) {
            bossGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            workerGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
