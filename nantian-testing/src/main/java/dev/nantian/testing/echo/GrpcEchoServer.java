package dev.nantian.testing.echo;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.echo.internal.EchoJson;
import dev.nantian.testing.echo.internal.GrpcEchoService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * In-process twin of upstream's {@code echo-basic} in gRPC mode ({@code GRPC_ECHO_SERVER}): the service
 * {@code gateway_api_conformance.echo_basic.grpcecho.GrpcEcho} over real gRPC (grpc-java), in plain text (h2c) on
 * {@code HTTP_PORT} 3000 and, with a certificate, over TLS on {@code HTTPS_PORT} 8443. {@code Echo} and
 * {@code EchoTwo} answer an {@code EchoResponse} whose assertions carry the fully qualified method, the request
 * metadata, the authority, the pod context and (on TLS) the TLS facts; {@code EchoThree} answers UNIMPLEMENTED.
 *
 * <pre>{@code
 * try (GrpcEchoServer pod = GrpcEchoServer.builder("grpc-infra-backend-v1-5f6d-0", "gateway-conformance-infra")
 *         .bindAddress(InetAddress.getByName("127.0.0.20"))
 *         .httpPort(3000)
 *         .build()) {
 *     pod.start().toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class GrpcEchoServer implements AutoCloseable {

    private final EchoJson.Identity identity;
    private final InetAddress bindAddress;
    private final int httpPort;
    private final Integer httpsPort;
    private final String certificatePem;
    private final String keyPem;
    private final Consumer<String> requestLog;

    // Guarded by this.
    private CompletableFuture<GrpcEchoServer> started;
    private boolean closed;
    private final List<Server> servers = new ArrayList<>();
    private int boundHttp = -1;
    private int boundHttps = -1;

    private GrpcEchoServer(Builder b) {
        this.identity = new EchoJson.Identity(b.namespace, b.ingressName, b.serviceName, b.podName);
        this.bindAddress = b.bindAddress;
        this.httpPort = b.httpPort;
        this.httpsPort = b.httpsPort;
        this.certificatePem = b.certificatePem;
        this.keyPem = b.keyPem;
        this.requestLog = b.requestLog;
    }

    /** Starts a builder for the pod {@code podName} in {@code namespace} (upstream's POD_NAME and NAMESPACE). */
    public static Builder builder(String podName, String namespace) {
        return new Builder(podName, namespace);
    }

    /**
     * Binds the ports; the stage completes once both servers listen, or exceptionally (nothing left bound). Calling
     * it again returns the same stage.
     *
     * @throws IllegalStateException if the server was closed
     */
    public synchronized CompletionStage<GrpcEchoServer> start() {
        if (closed) {
            throw new IllegalStateException("gRPC echo server " + identity.pod() + " is closed");
        }
        if (started != null) {
            return started;
        }
        started = new CompletableFuture<>();
        try {
            boundHttp = listen(httpPort, InsecureServerCredentials.create(), false);
            if (httpsPort != null) {
                ServerCredentials tls = TlsServerCredentials.create(
                        new ByteArrayInputStream(certificatePem.getBytes(StandardCharsets.US_ASCII)),
                        new ByteArrayInputStream(keyPem.getBytes(StandardCharsets.US_ASCII)));
                boundHttps = listen(httpsPort, tls, true);
            }
            started.complete(this);
        } catch (IOException | RuntimeException e) {
            started.completeExceptionally(e);
            shutdown();
        }
        return started;
    }

    private int listen(int port, ServerCredentials credentials, boolean tls) throws IOException {
        Server server = NettyServerBuilder.forAddress(new InetSocketAddress(bindAddress, port), credentials)
                .addService(GrpcEchoService.definition(identity, tls, requestLog))
                // The handlers never block: no executor hop.
                .directExecutor()
                .build();
        servers.add(server);
        server.start();
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /** The bound plain-text (h2c) port, once started. */
    public synchronized OptionalInt httpPort() {
        return boundHttp < 0 ? OptionalInt.empty() : OptionalInt.of(boundHttp);
    }

    /** The bound TLS port, once started with a certificate. */
    public synchronized OptionalInt httpsPort() {
        return boundHttps < 0 ? OptionalInt.empty() : OptionalInt.of(boundHttps);
    }

    /** Stops both servers, cancelling calls in flight. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        shutdown();
    }

    private void shutdown() {
        List<Server> toStop;
        synchronized (this) {
            toStop = new ArrayList<>(servers);
            servers.clear();
        }
        for (Server s : toStop) {
            s.shutdownNow();
        }
        for (Server s : toStop) {
            try {
                s.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "GrpcEchoServer[" + identity.pod() + "@" + bindAddress.getHostAddress() + "]";
    }

    /** Configures a {@link GrpcEchoServer}; not thread-safe. */
    public static final class Builder {
        private final String podName;
        private final String namespace;
        private String serviceName = "";
        private String ingressName = "";
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int httpPort = 3000;
        private Integer httpsPort;
        private String certificatePem;
        private String keyPem;
        private Consumer<String> requestLog = line -> {};

        private Builder(String podName, String namespace) {
            this.podName = requireNonNull(podName, "podName");
            this.namespace = requireNonNull(namespace, "namespace");
        }

        /** Upstream's SERVICE_NAME (echoed as {@code context.service_name}); empty by default. */
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

        /** The plain-text port, upstream's HTTP_PORT (3000); 0 = ephemeral. */
        public Builder httpPort(int port) {
            this.httpPort = checkPort(port);
            return this;
        }

        /** Also serves TLS on {@code port} (upstream's HTTPS_PORT) with this chain and PKCS#8 key (PEM). */
        public Builder httpsPort(int port, String certificateChainPem, String privateKeyPem) {
            this.httpsPort = checkPort(port);
            this.certificatePem = requireNonNull(certificateChainPem, "certificateChainPem");
            this.keyPem = requireNonNull(privateKeyPem, "privateKeyPem");
            return this;
        }

        /** Receives upstream's stdout line per RPC; called on transport threads. */
        public Builder requestLog(Consumer<String> requestLog) {
            this.requestLog = requireNonNull(requestLog, "requestLog");
            return this;
        }

        /** Creates the server (not yet bound). */
        public GrpcEchoServer build() {
            return new GrpcEchoServer(this);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
