package dev.nantian.testing.echo;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.echo.internal.EchoJson;
import dev.nantian.testing.echo.internal.TcpEchoHandler;
import dev.nantian.testing.echo.internal.UdpEchoHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * In-process twin of upstream's layer-4 {@code echo-basic} modes: the TCP echo server ({@code TCP_ECHO_SERVER}: a
 * welcome line, then {@code TEST}/{@code IS_TLS}/{@code PING} commands, plain on {@code TCP_PORT} 3000 and TLS with
 * the pod's own certificate on {@code TLS_PORT} 8443) and the UDP echo server ({@code UDP_ECHO_SERVER}: a JSON
 * envelope per datagram on {@code UDP_PORT} 8080). The conformance runner uses it for TCPRoute, TLSRoute
 * (passthrough and terminate) and UDPRoute traffic.
 *
 * <pre>{@code
 * try (L4EchoServer pod = L4EchoServer.builder("tcp-backend-7d9f-0", "gateway-conformance-infra")
 *         .bindAddress(InetAddress.getByName("127.0.0.12"))
 *         .tcpPort(3000)
 *         .tlsPort(8443, certificateChainPem, privateKeyPem)
 *         .build()) {
 *     pod.start().toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Thread-safe; {@link #start()} and {@link #close()} must not be called from one of the server's event loops.
 */
public final class L4EchoServer implements AutoCloseable {

    private final EchoJson.Identity identity;
    private final InetAddress bindAddress;
    private final Integer tcpPort;
    private final Integer tlsPort;
    private final SslContext tls;
    private final Integer udpPort;
    private final EventLoopGroup borrowedGroup;

    // Guarded by this.
    private CompletableFuture<L4EchoServer> started;
    private boolean closed;
    private EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private int boundTcp = -1;
    private int boundTls = -1;
    private int boundUdp = -1;

    private L4EchoServer(Builder b) {
        this.identity = new EchoJson.Identity(b.namespace, b.ingressName, b.serviceName, b.podName);
        this.bindAddress = b.bindAddress;
        this.tcpPort = b.tcpPort;
        this.tlsPort = b.tlsPort;
        this.tls = b.tls;
        this.udpPort = b.udpPort;
        this.borrowedGroup = b.eventLoopGroup;
    }

    /** Starts a builder for the pod {@code podName} in {@code namespace} (upstream's POD_NAME and NAMESPACE). */
    public static Builder builder(String podName, String namespace) {
        return new Builder(podName, namespace);
    }

    /**
     * Binds every configured port; the stage completes when all are bound, or exceptionally (with nothing left
     * bound) when one fails. Calling it again returns the same stage.
     *
     * @throws IllegalStateException if the server was closed
     */
    public synchronized CompletionStage<L4EchoServer> start() {
        if (closed) {
            throw new IllegalStateException("echo server " + identity.pod() + " is closed");
        }
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        group = borrowedGroup != null
                ? borrowedGroup
                : new MultiThreadIoEventLoopGroup(
                        1,
                        new DefaultThreadFactory("nantian-l4echo-" + identity.pod(), true),
                        NioIoHandler.newFactory());
        // Upstream always reports both ports, TLS_PORT even when no certificate is mounted.
        String tcpName = Integer.toString(tcpPort == null ? 3000 : tcpPort);
        String tlsName = Integer.toString(tlsPort == null ? 8443 : tlsPort);
        try {
            if (tcpPort != null) {
                boundTcp = bindTcp(tcpPort, null, tcpName, tlsName);
            }
            if (tlsPort != null) {
                boundTls = bindTcp(tlsPort, tls, tcpName, tlsName);
            }
            if (udpPort != null) {
                Channel ch = new Bootstrap()
                        .group(group)
                        .channel(NioDatagramChannel.class)
                        .handler(new UdpEchoHandler(identity))
                        .bind(new InetSocketAddress(bindAddress, udpPort))
                        .syncUninterruptibly()
                        .channel();
                channels.add(ch);
                boundUdp = ((InetSocketAddress) ch.localAddress()).getPort();
            }
            started.complete(this);
        } catch (Exception e) { // syncUninterruptibly rethrows the bind's cause, checked or not
            started.completeExceptionally(e);
            closeChannels();
        }
        return started;
    }

    private int bindTcp(int port, SslContext ssl, String tcpName, String tlsName) {
        ChannelFuture bind = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        // Go's bufio.Scanner: lines up to 64 KiB, "\n" or "\r\n" stripped.
                        ch.pipeline().addLast(new LineBasedFrameDecoder(64 * 1024));
                        ch.pipeline().addLast(new TcpEchoHandler(identity, tcpName, tlsName, ssl != null));
                    }
                })
                .bind(new InetSocketAddress(bindAddress, port))
                .syncUninterruptibly();
        channels.add(bind.channel());
        return ((InetSocketAddress) bind.channel().localAddress()).getPort();
    }

    /** The bound plain TCP port, once started. */
    public synchronized OptionalInt tcpPort() {
        return boundTcp < 0 ? OptionalInt.empty() : OptionalInt.of(boundTcp);
    }

    /** The bound TLS port, once started. */
    public synchronized OptionalInt tlsPort() {
        return boundTls < 0 ? OptionalInt.empty() : OptionalInt.of(boundTls);
    }

    /** The bound UDP port, once started. */
    public synchronized OptionalInt udpPort() {
        return boundUdp < 0 ? OptionalInt.empty() : OptionalInt.of(boundUdp);
    }

    /** Unbinds every port and stops the event loop the server owns. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeChannels();
    }

    private void closeChannels() {
        List<Channel> toClose;
        synchronized (this) {
            toClose = new ArrayList<>(channels);
            channels.clear();
        }
        toClose.forEach(ch -> ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS));
        if (group != null && group != borrowedGroup) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    @Override
    public String toString() {
        return "L4EchoServer[" + identity.pod() + "@" + bindAddress.getHostAddress() + "]";
    }

    /** Configures an {@link L4EchoServer}; not thread-safe. At least one port must be set. */
    public static final class Builder {
        private final String podName;
        private final String namespace;
        private String serviceName = "";
        private String ingressName = "";
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private Integer tcpPort;
        private Integer tlsPort;
        private SslContext tls;
        private Integer udpPort;
        private EventLoopGroup eventLoopGroup;

        private Builder(String podName, String namespace) {
            this.podName = requireNonNull(podName, "podName");
            this.namespace = requireNonNull(namespace, "namespace");
        }

        /** Upstream's SERVICE_NAME (echoed as {@code service}); empty by default. */
        public Builder serviceName(String serviceName) {
            this.serviceName = requireNonNull(serviceName, "serviceName");
            return this;
        }

        /** Upstream's INGRESS_NAME; empty by default. */
        public Builder ingressName(String ingressName) {
            this.ingressName = requireNonNull(ingressName, "ingressName");
            return this;
        }

        /** The local address to bind; the loopback address by default. */
        public Builder bindAddress(InetAddress bindAddress) {
            this.bindAddress = requireNonNull(bindAddress, "bindAddress");
            return this;
        }

        /** Serves the TCP echo protocol in plain text on {@code port} (0 = ephemeral). */
        public Builder tcpPort(int port) {
            this.tcpPort = checkPort(port);
            return this;
        }

        /**
         * Serves the TCP echo protocol over TLS on {@code port} (0 = ephemeral) with this certificate chain and
         * PKCS#8 key (PEM), no ALPN, TLS 1.2 and up, as upstream's {@code tls.Listen}.
         *
         * @throws IllegalArgumentException when the PEM material cannot be used
         */
        public Builder tlsPort(int port, String certificateChainPem, String privateKeyPem) {
            requireNonNull(certificateChainPem, "certificateChainPem");
            requireNonNull(privateKeyPem, "privateKeyPem");
            try {
                this.tls = SslContextBuilder.forServer(
                                new ByteArrayInputStream(certificateChainPem.getBytes(StandardCharsets.US_ASCII)),
                                new ByteArrayInputStream(privateKeyPem.getBytes(StandardCharsets.US_ASCII)))
                        .sslProvider(SslProvider.JDK)
                        .protocols("TLSv1.3", "TLSv1.2")
                        .build();
            } catch (SSLException | IllegalArgumentException e) {
                throw new IllegalArgumentException("invalid TLS material for " + podName + ": " + e.getMessage(), e);
            }
            this.tlsPort = checkPort(port);
            return this;
        }

        /** Serves the UDP echo on {@code port} (0 = ephemeral). */
        public Builder udpPort(int port) {
            this.udpPort = checkPort(port);
            return this;
        }

        /** Runs on this group instead of an own single-threaded one (which {@link #close()} then leaves alone). */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = requireNonNull(group, "group");
            return this;
        }

        /**
         * Creates the server (not yet bound).
         *
         * @throws IllegalStateException when no port is configured
         */
        public L4EchoServer build() {
            if (tcpPort == null && tlsPort == null && udpPort == null) {
                throw new IllegalStateException("no port configured for " + podName);
            }
            return new L4EchoServer(this);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
