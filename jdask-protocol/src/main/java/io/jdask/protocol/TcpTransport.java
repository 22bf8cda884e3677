package io.jdask.protocol;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@link Transport} over TCP with Netty: its native epoll transport on Linux, its NIO transport elsewhere.
 *
 * <p>Why epoll: with edge-triggered epoll and eventfd wake-ups a message costs fewer system calls and less work per
 * read than with the JDK selector, which matters because a task's cost is mostly messages (BENCHMARKS.md). The
 * system property {@code jdask.transport} ({@code epoll}, {@code nio}, default {@code auto}) picks one by hand;
 * {@code auto} takes epoll when Netty's native library loads ({@link Epoll#isAvailable()}) and the JVM allows native
 * access without a warning, NIO otherwise; both speak the same bytes, so processes on either can talk.
 *
 * <p>Pipeline per connection: with TLS ({@link CommOptions#tls()}, addresses {@code tls://}) an {@link SslHandler}
 * and {@link TlsFailures}, then {@link FrameDecoder} then {@link NettyComm}. Outbound frames are
 * complete buffers built by {@link MessageCodec#encodeFrame}, so there is no outbound encoder.
 * TCP_NODELAY is on: batching is done by {@link NettyComm}, so Nagle would only add latency.
 *
 * <p>Owns one event-loop group shared by its servers and connections, and a channel group
 * holding every channel so that {@link #close()} closes them all.
 */
final class TcpTransport implements Transport {
    private final CommOptions options;
    private final MessageCodec<Message> codec;
    private final Handshake local;
    private final EventLoopGroup group;
    private final Flavor flavor;
    /** Every server and connection channel of this transport; closed channels leave by themselves. */
    private final ChannelGroup channels = new DefaultChannelGroup("jdask-tcp", GlobalEventExecutor.INSTANCE);
    /** Each listener's handshake bound, by its real address (tests read them). */
    private final java.util.Map<String, HandshakeGate> gates = new java.util.concurrent.ConcurrentHashMap<>();

    TcpTransport(CommOptions options) {
        this.options = options;
        this.codec = MessageCodec.messages();
        this.local = new Handshake(Protocol.VERSION, codec.fingerprint(), options.role(), options.name());
        this.flavor = Flavor.chosen();
        this.group = new MultiThreadIoEventLoopGroup(
                options.ioThreads(), new DefaultThreadFactory("jdask-io-" + options.role(), true), flavor.ioHandlers());
    }

    /** Which of Netty's socket implementations this transport uses. */
    enum Flavor {
        EPOLL,
        NIO;

        /** The flavor the {@code jdask.transport} property asks for, or the best available one. */
        static Flavor chosen() {
            String asked = io.jdask.Settings.current().get(io.jdask.Settings.TRANSPORT);
            return switch (asked) {
                case "nio" -> NIO;
                case "epoll" -> {
                    if (!Epoll.isAvailable()) {
                        throw new IllegalStateException(
                                "jdask.transport=epoll, but Netty's native epoll transport is not" + " available here: "
                                        + Epoll.unavailabilityCause() + "; use jdask.transport=nio or auto");
                    }
                    yield EPOLL;
                }
                case "auto", "" -> nativeAccessEnabled() && Epoll.isAvailable() ? EPOLL : NIO;
                default ->
                    throw new IllegalArgumentException(
                            "jdask.transport=" + asked + " is not a transport; use epoll, nio or auto");
            };
        }

        /**
         * Whether this code may load native libraries without the JDK printing a warning (JDK 24+ warns unless the JVM
         * runs with {@code --enable-native-access=ALL-UNNAMED}, which jdask's launchers, worker processes and notebook
         * kernel pass); {@code auto} takes NIO rather than print into a user's console.
         */
        static boolean nativeAccessEnabled() {
            try {
                java.lang.reflect.Method m = Module.class.getMethod("isNativeAccessEnabled");
                return (boolean) m.invoke(TcpTransport.class.getModule());
            } catch (NoSuchMethodException e) {
                return true; // JDK 21: no such restriction
            } catch (ReflectiveOperationException | RuntimeException e) {
                return false;
            }
        }

        IoHandlerFactory ioHandlers() {
            return this == EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        }

        Class<? extends ServerChannel> serverChannel() {
            return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
        }

        Class<? extends SocketChannel> socketChannel() {
            return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
        }
    }

    /** How many accepted connections of this listener are in their handshake now (tests). */
    int handshaking(CommServer listener) {
        HandshakeGate gate = gates.get(listener.address());
        return gate == null ? 0 : gate.handshaking();
    }

    /** The socket implementation in use (tests, logs). */
    Flavor flavor() {
        return flavor;
    }

    @Override
    public ScheduledExecutorService sharedIoThread() {
        return options.ioThreads() == 1 ? group.next() : null;
    }

    @Override
    public String scheme() {
        return options.tls() != null ? "tls" : "tcp";
    }

    @Override
    public CommServer listen(String address, Consumer<Comm> onAccept) {
        InetSocketAddress bindTo = Addresses.socket(address, scheme());
        HandshakeGate gate = new HandshakeGate(options.maxHandshaking(), address);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(flavor.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.SO_KEEPALIVE, true)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, receiveBuffers())
                .childHandler(initializer(gate, onAccept::accept, r -> {}));
        deadPeerOptions().forEach((option, value) -> b.childOption(option, value));
        ChannelFuture bound = b.bind(bindTo).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            Throwable cause = bound.cause();
            throw new UncheckedIOException(
                    new IOException("could not listen on " + address + ": " + cause.getMessage(), cause));
        }
        Channel server = bound.channel();
        channels.add(server);
        String real = Addresses.format(server.localAddress(), scheme());
        gates.put(real, gate);
        return new CommServer() {
            @Override
            public String address() {
                return real;
            }

            @Override
            public void close() {
                gates.remove(real);
                server.close().awaitUninterruptibly();
            }

            @Override
            public String toString() {
                return "CommServer[" + real + "]";
            }
        };
    }

    @Override
    public CompletableFuture<Comm> connect(String address, Duration timeout) {
        InetSocketAddress target = Addresses.socket(address, scheme());
        CompletableFuture<Comm> result = new CompletableFuture<>();
        long timeoutMillis = Math.max(1, timeout.toMillis());
        Bootstrap b = new Bootstrap()
                .group(group)
                .channel(flavor.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.RCVBUF_ALLOCATOR, receiveBuffers())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .handler(initializer(
                        null,
                        comm -> {
                            if (!result.complete(comm)) {
                                comm.close(); // the caller gave up (timeout) before the handshake finished
                            }
                        },
                        reason -> result.completeExceptionally(
                                connectFailure(address, timeout, failureDetail(reason), reason.cause()))));
        deadPeerOptions().forEach((option, value) -> b.option(option, value));
        ChannelFuture connecting = b.connect(target);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(connectFailure(
                        address, timeout, String.valueOf(f.cause().getMessage()), f.cause()));
            }
        });
        group.schedule(
                () -> {
                    if (result.completeExceptionally(
                            connectFailure(address, timeout, "no connection and handshake within the timeout", null))) {
                        connecting.channel().close();
                    }
                },
                timeoutMillis,
                TimeUnit.MILLISECONDS);
        return result;
    }

    @Override
    public void close() {
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "TcpTransport[" + flavor + ", " + options + "]";
    }

    /**
     * The pipeline of a new connection: with TLS, an {@link SslHandler} (server side of an accepted connection, client
     * side of an opened one) and {@link TlsFailures} first. {@code gate} is the listener's bound on connections still
     * handshaking (null for connections this side opens): a connection over it is closed before it costs anything,
     * and one within it leaves the gate when its handshake succeeds or it closes.
     */
    private ChannelInitializer<SocketChannel> initializer(
            HandshakeGate gate, Consumer<NettyComm> onReady, Consumer<CloseReason> onFailure) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                Consumer<NettyComm> ready = onReady;
                Consumer<CloseReason> failed = onFailure;
                if (gate != null) {
                    if (!gate.enter(ch)) {
                        ch.close();
                        return;
                    }
                    ready = comm -> {
                        gate.leave();
                        onReady.accept(comm);
                    };
                    failed = reason -> {
                        gate.leave();
                        onFailure.accept(reason);
                    };
                }
                channels.add(ch);
                Tls tls = options.tls();
                if (tls != null) {
                    SslHandler ssl = gate != null
                            ? tls.server().newHandler(ch.alloc())
                            : tls.client().newHandler(ch.alloc());
                    // NettyComm's own timer covers the TLS and jdask handshakes together.
                    ssl.setHandshakeTimeoutMillis(0);
                    ch.pipeline().addLast("tls", ssl).addLast("tls-failures", new TlsFailures(gate != null));
                }
                FrameDecoder frames = new FrameDecoder(options.maxFrameBytes());
                NettyComm comm = new NettyComm(
                        ch, codec, local, frames, options.handshakeTimeout().toNanos(), ready, failed);
                ch.pipeline().addLast("frames", frames).addLast("comm", comm);
            }
        };
    }

    /** Why a connection failed before its handshake, with a hint where the usual cause is a scheme mismatch. */
    private String failureDetail(CloseReason reason) {
        String detail = reason.detail();
        if (options.tls() == null && reason.kind() == CloseReason.Kind.REMOTE) {
            return detail + " before the handshake (if that cluster uses TLS, connect to its tls:// address with the"
                    + " cluster's credentials)";
        }
        return detail;
    }

    /**
     * Socket options that close a connection whose peer's machine stopped answering (see {@link
     * CommOptions.Builder#deadPeerTimeout}): keepalive probes from a third of the timeout on, every sixth, four of
     * them, and (epoll only) TCP_USER_TIMEOUT for data in flight.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private java.util.Map<ChannelOption<Object>, Object> deadPeerOptions() {
        int seconds = (int) options.deadPeerTimeout().toSeconds();
        int idle = Math.max(1, seconds / 3);
        int interval = Math.max(1, seconds / 6);
        java.util.Map<ChannelOption, Object> o = new java.util.LinkedHashMap<>();
        if (flavor == Flavor.EPOLL) {
            o.put(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPIDLE, idle);
            o.put(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPINTVL, interval);
            o.put(io.netty.channel.epoll.EpollChannelOption.TCP_KEEPCNT, 4);
            o.put(io.netty.channel.epoll.EpollChannelOption.TCP_USER_TIMEOUT, seconds * 1000);
        } else {
            o.put(io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE), idle);
            o.put(
                    io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPINTERVAL),
                    interval);
            o.put(io.netty.channel.socket.nio.NioChannelOption.of(jdk.net.ExtendedSocketOptions.TCP_KEEPCOUNT), 4);
        }
        return (java.util.Map) o;
    }

    /**
     * Read buffers that start small and grow while reads fill them, up to 1 MB (Netty's default stops at 64 KB): a
     * 100 MB value then arrives in about 100 reads instead of 1,600, each a system call and a pass down the pipeline.
     */
    private static AdaptiveRecvByteBufAllocator receiveBuffers() {
        return new AdaptiveRecvByteBufAllocator(512, 16 * 1024, 1 << 20);
    }

    static ConnectException connectFailure(String address, Duration timeout, String why, Throwable cause) {
        ConnectException e =
                new ConnectException("could not connect to " + address + " (timeout " + timeout + "): " + why);
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }
}
