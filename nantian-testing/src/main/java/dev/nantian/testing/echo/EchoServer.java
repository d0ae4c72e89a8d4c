package dev.nantian.testing.echo;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.echo.internal.EchoChannelInitializer;
import dev.nantian.testing.echo.internal.EchoJson;
import dev.nantian.testing.echo.internal.EchoResponder;
import dev.nantian.testing.echo.internal.PortKind;
import dev.nantian.testing.echo.internal.ServerTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One backend pod of the Gateway API conformance suite: an in-process twin of the upstream {@code echo-basic}
 * server, answering every request with the JSON description of what it received (path, host, method, proto,
 * canonicalised headers, the pod's identity and, over TLS, SNI, ALPN protocol, cipher and client certificates).
 *
 * <p>Listeners, all on {@linkplain Builder#bindAddress one address} (each pod gets its own loopback address):
 *
 * <ul>
 *   <li>the HTTP port (upstream 3000): HTTP/1.x, plus h2c by prior knowledge and by {@code Upgrade: h2c};
 *   <li>an optional strict h2c port (upstream 3001): HTTP/2 only, other HTTP/1.x requests get
 *       {@code 400 Expected h2c request};
 *   <li>an optional HTTPS port (upstream 8443) with ALPN {@code h2} and {@code http/1.1}.
 * </ul>
 *
 * <p>Upstream behaviours: {@code /health}, {@code /status/NNN}, {@code ?delay=<Go duration>}, {@code /retry/...}
 * ({@code uuid}, {@code succeedAfter}, {@code responseCode}, {@code delayRetry}), {@code /ws} WebSocket echo and the
 * {@code X-Echo-Set-Header} request header.
 *
 * <pre>{@code
 * try (EchoServer pod = EchoServer.builder("infra-backend-v1-0", "gateway-conformance-infra")
 *         .bindAddress(InetAddress.getByName("127.0.0.11"))
 *         .httpPort(3000)
 *         .h2cPort(3001)
 *         .build()) {
 *     pod.start().toCompletableFuture().join();
 *     // send requests to 127.0.0.11:3000
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #start()} and {@link #close()} must not be called from one of the server's event loops.
 */
public final class EchoServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EchoServer.class);

    private final String podName;
    private final InetAddress bindAddress;
    private final Map<PortKind, Integer> requestedPorts;
    private final Function<Channel, ChannelHandler> tlsHandlerFactory;
    private final EventLoopGroup borrowedGroup;
    private final EchoResponder responder;

    // Guarded by this.
    private CompletableFuture<EchoServer> started;
    private boolean closed;
    private EventLoopGroup group;
    private ChannelGroup channels;
    private final Map<PortKind, Integer> boundPorts = new EnumMap<>(PortKind.class);

    private EchoServer(Builder builder, Function<Channel, ChannelHandler> tlsHandlerFactory) {
        this.podName = builder.podName;
        this.bindAddress = builder.bindAddress;
        this.requestedPorts = new EnumMap<>(builder.ports);
        this.tlsHandlerFactory = tlsHandlerFactory;
        this.borrowedGroup = builder.eventLoopGroup;
        EchoJson.Identity identity =
                new EchoJson.Identity(builder.namespace, builder.ingressName, builder.serviceName, builder.podName);
        Consumer<String> requestLog = builder.requestLog;
        this.responder = new EchoResponder(identity, Integer.toString(requestedPorts.get(PortKind.HTTP)), requestLog);
    }

    /**
     * Starts a builder for the pod {@code podName} in {@code namespace} (upstream's {@code POD_NAME} and
     * {@code NAMESPACE}); the conformance suite checks that the echoed pod name starts with the Deployment name.
     */
    public static Builder builder(String podName, String namespace) {
        return new Builder(podName, namespace);
    }

    /**
     * Binds every listener. The returned stage completes once all of them are bound and accepting connections (so
     * the port getters work), or exceptionally when a bind fails, in which case nothing stays bound. Calling it
     * again returns the same stage. The stage completes on an event loop thread: dependent actions must not block
     * (join it, or use the {@code *Async} variants).
     *
     * @throws IllegalStateException if the server was closed
     */
    public synchronized CompletionStage<EchoServer> start() {
        if (closed) {
            throw new IllegalStateException("echo server " + podName + " is closed");
        }
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        group = borrowedGroup != null
                ? borrowedGroup
                : new MultiThreadIoEventLoopGroup(
                        1, new DefaultThreadFactory("nantian-echo-" + podName, true), NioIoHandler.newFactory());
        channels = new DefaultChannelGroup("nantian-echo-" + podName, group.next());
        Map<PortKind, ChannelFuture> binds = new EnumMap<>(PortKind.class);
        for (Map.Entry<PortKind, Integer> port : requestedPorts.entrySet()) {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    // Accept nothing until every port is bound and httpPort is known (see below).
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new EchoChannelInitializer(port.getKey(), responder, channels, tlsHandlerFactory));
            ChannelFuture bind = bootstrap.bind(new InetSocketAddress(bindAddress, port.getValue()));
            channels.add(bind.channel());
            binds.put(port.getKey(), bind);
        }
        CompletableFuture<?>[] all =
                binds.values().stream().map(EchoServer::toCompletable).toArray(CompletableFuture[]::new);
        CompletableFuture.allOf(all).whenComplete((ignored, failure) -> bound(binds, failure));
        return started;
    }

    private void bound(Map<PortKind, ChannelFuture> binds, Throwable failure) {
        CompletableFuture<EchoServer> result;
        synchronized (this) {
            result = started;
            if (failure == null && !closed) {
                binds.forEach((kind, future) -> boundPorts.put(
                        kind, ((InetSocketAddress) future.channel().localAddress()).getPort()));
                // Upstream reports HTTP_PORT in every echo; with an ephemeral port that is the port actually bound.
                responder.httpPort(Integer.toString(boundPorts.get(PortKind.HTTP)));
                binds.values().forEach(future -> future.channel().config().setAutoRead(true));
                log.debug("echo server {} listening on {} {}", podName, bindAddress.getHostAddress(), boundPorts);
            }
        }
        if (failure != null) {
            // Leave nothing half-bound. This runs on an event loop, so release without waiting.
            result.completeExceptionally(failure);
            closeWithoutWaiting();
        } else if (!result.isDone()) {
            result.complete(this);
        }
    }

    private void closeWithoutWaiting() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            boundPorts.clear();
        }
        channels.close();
        if (group != borrowedGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    private static CompletableFuture<Void> toCompletable(ChannelFuture future) {
        CompletableFuture<Void> completable = new CompletableFuture<>();
        future.addListener(f -> {
            if (f.isSuccess()) {
                completable.complete(null);
            } else {
                completable.completeExceptionally(f.cause());
            }
        });
        return completable;
    }

    /** The pod name echoed in the {@code pod} field. */
    public String podName() {
        return podName;
    }

    /** The address every listener binds to. */
    public InetAddress address() {
        return bindAddress;
    }

    /**
     * The bound HTTP port (the actual port when {@code 0} was requested).
     *
     * @throws IllegalStateException before {@link #start()} has completed
     */
    public int httpPort() {
        return bound(PortKind.HTTP).orElseThrow();
    }

    /**
     * The bound strict h2c port, or empty when none was configured.
     *
     * @throws IllegalStateException before {@link #start()} has completed
     */
    public OptionalInt h2cPort() {
        return bound(PortKind.H2C);
    }

    /**
     * The bound HTTPS port, or empty when TLS was not configured.
     *
     * @throws IllegalStateException before {@link #start()} has completed
     */
    public OptionalInt httpsPort() {
        return bound(PortKind.HTTPS);
    }

    private synchronized OptionalInt bound(PortKind kind) {
        if (!requestedPorts.containsKey(kind)) {
            return OptionalInt.empty();
        }
        Integer port = boundPorts.get(kind);
        if (port == null) {
            throw new IllegalStateException("echo server " + podName + " is not started");
        }
        return OptionalInt.of(port);
    }

    /**
     * Closes the listeners and every open connection and, if the server created its own event loop group, shuts it
     * down; a borrowed group stays running. Idempotent; blocks until done.
     */
    @Override
    public void close() {
        EventLoopGroup ownGroup;
        ChannelGroup toClose;
        CompletableFuture<EchoServer> pendingStart;
        synchronized (this) {
            ownGroup = group != null && group != borrowedGroup ? group : null;
            if (closed) {
                // Possibly closed by a failed start on an event loop, which could not wait for the group.
                if (ownGroup != null && !ownGroup.next().inEventLoop()) {
                    ownGroup.terminationFuture().awaitUninterruptibly();
                }
                return;
            }
            closed = true;
            toClose = channels;
            pendingStart = started;
            boundPorts.clear();
        }
        if (toClose != null) {
            toClose.close().awaitUninterruptibly();
        }
        if (ownGroup != null) {
            ownGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        if (pendingStart != null) {
            pendingStart.completeExceptionally(new IllegalStateException("echo server " + podName + " was closed"));
        }
    }

    @Override
    public String toString() {
        return "EchoServer{pod=" + podName + ", address=" + bindAddress.getHostAddress() + "}";
    }

    /** Configures an {@link EchoServer}; not thread-safe. */
    public static final class Builder {

        private final String podName;
        private final String namespace;
        private String serviceName = "";
        private String ingressName = "";
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private final Map<PortKind, Integer> ports = new EnumMap<>(PortKind.class);
        private Integer httpsPort;
        private String certificateChainPem;
        private String privateKeyPem;
        private final Map<String, String[]> sniCertificates = new LinkedHashMap<>();
        private ServerTls.ClientCertificates clientCertificates = ServerTls.ClientCertificates.NONE;
        private String clientCaPem;
        private EventLoopGroup eventLoopGroup;
        private Consumer<String> requestLog = line -> log.debug("{}", line);

        private Builder(String podName, String namespace) {
            this.podName = requireNonNull(podName, "podName");
            this.namespace = requireNonNull(namespace, "namespace");
            ports.put(PortKind.HTTP, 3000);
        }

        /** The {@code service} field (upstream's {@code SERVICE_NAME}); empty by default. */
        public Builder serviceName(String serviceName) {
            this.serviceName = requireNonNull(serviceName, "serviceName");
            return this;
        }

        /** The {@code ingress} field (upstream's {@code INGRESS_NAME}); empty by default. */
        public Builder ingressName(String ingressName) {
            this.ingressName = requireNonNull(ingressName, "ingressName");
            return this;
        }

        /** The address all listeners bind to; the loopback address by default. */
        public Builder bindAddress(InetAddress bindAddress) {
            this.bindAddress = requireNonNull(bindAddress, "bindAddress");
            return this;
        }

        /** The HTTP port, 3000 by default; {@code 0} picks a free port (see {@link EchoServer#httpPort()}). */
        public Builder httpPort(int port) {
            ports.put(PortKind.HTTP, checkPort(port));
            return this;
        }

        /** Enables upstream's strict h2c listener (3001 upstream); {@code 0} picks a free port. Off by default. */
        public Builder h2cPort(int port) {
            ports.put(PortKind.H2C, checkPort(port));
            return this;
        }

        /**
         * The HTTPS port, 8443 by default; {@code 0} picks a free port. HTTPS is enabled by
         * {@link #tlsCertificate}.
         */
        public Builder httpsPort(int port) {
            this.httpsPort = checkPort(port);
            return this;
        }

        /**
         * Enables HTTPS with this certificate (upstream's {@code TLS_SERVER_CERT} and {@code TLS_SERVER_PRIVKEY}),
         * served when the client's SNI matches no {@link #sniCertificate} (or sends none).
         *
         * @param certificateChainPem the leaf certificate followed by any intermediates, PEM
         * @param privateKeyPem the leaf's private key, PKCS#8 PEM ({@code BEGIN PRIVATE KEY})
         */
        public Builder tlsCertificate(String certificateChainPem, String privateKeyPem) {
            this.certificateChainPem = requireNonNull(certificateChainPem, "certificateChainPem");
            this.privateKeyPem = requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /**
         * Serves another certificate to clients whose SNI matches {@code hostname} ({@code *.example.com} wildcards
         * allowed). Requires {@link #tlsCertificate}.
         */
        public Builder sniCertificate(String hostname, String certificateChainPem, String privateKeyPem) {
            requireNonNull(hostname, "hostname");
            sniCertificates.put(hostname, new String[] {
                requireNonNull(certificateChainPem, "certificateChainPem"),
                requireNonNull(privateKeyPem, "privateKeyPem")
            });
            return this;
        }

        /**
         * Asks TLS clients for a certificate and verifies one that is presented against these CAs, while still
         * accepting clients without one (upstream's {@code TLS_CLIENT_CACERTS}). Presented certificates are echoed
         * in {@code tls.peerCertificates}.
         */
        public Builder clientCaCertificates(String caCertificatesPem) {
            this.clientCaPem = requireNonNull(caCertificatesPem, "caCertificatesPem");
            this.clientCertificates = ServerTls.ClientCertificates.VERIFY_IF_GIVEN;
            return this;
        }

        /**
         * Asks TLS clients for a certificate and accepts any (or none) without verification, so tests can see
         * exactly what a gateway presents in {@code tls.peerCertificates}.
         */
        public Builder requestAnyClientCertificate() {
            this.clientCaPem = null;
            this.clientCertificates = ServerTls.ClientCertificates.REQUEST_ANY;
            return this;
        }

        /**
         * Runs the server on {@code group}, which the caller owns and shuts down; by default the server creates
         * a one-thread group and shuts it down on {@link EchoServer#close()}.
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.eventLoopGroup = requireNonNull(group, "group");
            return this;
        }

        /**
         * Receives, for every echoed request, the line upstream prints to stdout ({@code Echoing back request made
         * to <RequestURI> to client (<RemoteAddr>)}); the mirror tests look for it. Called on an event loop: must
         * be fast and must not block. By default the line is logged at debug level.
         */
        public Builder requestLog(Consumer<String> requestLog) {
            this.requestLog = requireNonNull(requestLog, "requestLog");
            return this;
        }

        /**
         * Validates the configuration and creates the (not yet started) server.
         *
         * @throws IllegalStateException when an HTTPS port or SNI certificates are set without a default certificate
         * @throws IllegalArgumentException when the TLS material cannot be used
         */
        public EchoServer build() {
            Function<Channel, ChannelHandler> tls = null;
            if (certificateChainPem == null) {
                if (httpsPort != null
                        || !sniCertificates.isEmpty()
                        || clientCertificates != ServerTls.ClientCertificates.NONE) {
                    throw new IllegalStateException("HTTPS settings need tlsCertificate(...)");
                }
                ports.remove(PortKind.HTTPS);
            } else {
                tls = ServerTls.handlerFactory(
                        certificateChainPem, privateKeyPem, sniCertificates, clientCertificates, clientCaPem);
                ports.put(PortKind.HTTPS, httpsPort == null ? 8443 : httpsPort);
            }
            List<Integer> fixed = new ArrayList<>();
            for (int port : ports.values()) {
                if (port != 0 && fixed.contains(port)) {
                    throw new IllegalStateException("echo server ports must differ: " + ports);
                }
                fixed.add(port);
            }
            return new EchoServer(this, tls);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
