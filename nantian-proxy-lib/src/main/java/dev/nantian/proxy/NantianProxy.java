package dev.nantian.proxy;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.NantianException;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.proxy.internal.CompiledConfig;
import dev.nantian.proxy.internal.ListenerManager;
import dev.nantian.proxy.internal.ProxyContext;
import dev.nantian.proxy.internal.ProxySettings;
import dev.nantian.proxy.internal.Telemetry;
import dev.nantian.proxy.internal.Transport;
import dev.nantian.proxy.internal.UpstreamHealth;
import dev.nantian.proxy.internal.UpstreamPools;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: serves a {@link ConfigSnapshot}'s listeners and forwards to its clusters over pooled connections:
 * HTTP (HTTP/1.1 and cleartext HTTP/2, by prior knowledge or {@code Upgrade: h2c}), HTTPS (certificates chosen by
 * SNI, ALPN {@code h2} and {@code http/1.1}, client-certificate validation, 421 for misdirected requests), TLS
 * (passthrough or terminated, routed by SNI, sharing ports with HTTPS), TCP and UDP. Clusters may be reached over
 * TLS (CA bundles or system trust, SNI, SAN verification, client certificates). TLS contexts are built with each
 * config, never per connection.
 *
 * <pre>{@code
 * try (NantianProxy proxy = NantianProxy.builder().eventLoopThreads(4).build()) {
 *     proxy.start().toCompletableFuture().join();
 *     proxy.update(snapshot).toCompletableFuture().join(); // binds the snapshot's listeners
 *     ...
 * }
 * }</pre>
 *
 * <p><b>Config updates</b> are compiled on the proxy's config thread, never on an event loop, and published with one
 * reference swap; requests already started finish on the config they started with. Listening sockets follow the
 * snapshots: sockets that stay keep their connections, new ones open, removed ones stop accepting and drain. An
 * update that does not compile, or whose sockets cannot be bound, fails its stage and changes nothing.
 *
 * <p><b>Extension filters</b> ({@code ExtensionRef} route and backend filters, extension backends such as an
 * {@code AIService}) run through the {@link dev.nantian.core.filter.FilterChain} SPI with the filter kinds of
 * {@link Builder#filterRegistry}; routes without them take the plain path and pay nothing for it.
 *
 * <p><b>Observability</b> is opt-in: {@link Builder#accessLog} writes an access log off the event loops and
 * {@link Builder#meterRegistry} records the meters named in {@link dev.nantian.proxy.metrics.ProxyMetrics};
 * {@link dev.nantian.proxy.admin.ProxyAdmin} serves both, with the config, on an admin endpoint.
 *
 * <p>Thread-safe. Two proxies in one JVM share nothing.
 */
public final class NantianProxy implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NantianProxy.class);

    private final ProxySettings settings;
    private final Transport transport;
    private final EventLoopGroup group;
    private final ExecutorService configThread;
    private final AtomicReference<CompiledConfig> config = new AtomicReference<>(CompiledConfig.empty());
    private final UpstreamPools pools;
    private final UpstreamHealth health;
    private final ListenerManager listeners;
    private final ConfigSnapshot initial;
    private final FilterRegistry filterRegistry;
    private final Telemetry telemetry;
    private final MeterRegistry meterRegistry;
    private volatile boolean configApplied;
    private final Object lifecycle = new Object();
    private CompletableFuture<Void> started;
    private CompletableFuture<Void> closed;

    private NantianProxy(Builder b) {
        this.settings = new ProxySettings(
                b.allocator,
                b.maxInitialLineLength,
                b.maxHeaderSize,
                b.maxRequestBodyBytes,
                b.maxBufferedBodyBytes,
                b.headerReadTimeout,
                b.idleTimeout,
                b.upstreamIdleTimeout,
                b.maxIdleConnectionsPerEndpoint,
                b.mirrorTimeout,
                b.drainTimeout);
        // First: the only step that can fail (the access log file), before threads exist.
        this.telemetry = Telemetry.create(b.accessLog, b.meterRegistry);
        this.meterRegistry = b.meterRegistry;
        this.transport = Transport.choose(b.preferNativeTransport);
        this.group = transport.newGroup(b.eventLoopThreads, new DefaultThreadFactory("nantian-proxy", true));
        this.configThread = Executors.newSingleThreadExecutor(new DefaultThreadFactory("nantian-proxy-config", true));
        this.pools = new UpstreamPools(transport, settings);
        this.health = new UpstreamHealth(group, transport, settings);
        ProxyContext context = new ProxyContext(settings, config, pools, telemetry);
        this.listeners = new ListenerManager(group, transport, context);
        this.initial = b.initialSnapshot;
        this.filterRegistry = b.filterRegistry;
    }

    /** Starts a builder with defaults suitable for production. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts serving the builder's initial snapshot, if it had one. Idempotent: later calls return the same stage.
     *
     * @return completes when every listener of the initial snapshot is bound, or fails with the reason
     */
    public CompletionStage<Void> start() {
        synchronized (lifecycle) {
            if (closed != null) {
                return CompletableFuture.failedFuture(new IllegalStateException("proxy is closed"));
            }
            if (started == null) {
                started = initial == null ? CompletableFuture.completedFuture(null) : apply(initial);
                log.info("proxy started with {} transport", transport);
            }
            return started;
        }
    }

    /**
     * Replaces the served snapshot. Compiles off the event loops and swaps atomically.
     *
     * @return completes once the new snapshot serves new requests; fails with a
     *     {@link dev.nantian.core.ConfigValidationException} or a {@link NantianException} when the snapshot was
     *     rejected, in which case the previous one keeps serving
     */
    public CompletionStage<Void> update(ConfigSnapshot snapshot) {
        requireNonNull(snapshot, "snapshot");
        synchronized (lifecycle) {
            if (closed != null) {
                return CompletableFuture.failedFuture(new IllegalStateException("proxy is closed"));
            }
            if (started == null) {
                return CompletableFuture.failedFuture(new IllegalStateException("start() the proxy first"));
            }
            return started.thenCompose(v -> apply(snapshot));
        }
    }

    private CompletableFuture<Void> apply(ConfigSnapshot snapshot) {
        return CompletableFuture.runAsync(
                () -> {
                    CompiledConfig next;
                    try {
                        next = CompiledConfig.compile(snapshot, filterRegistry, health);
                        listeners.apply(next, () -> config.set(next));
                    } catch (RuntimeException e) {
                        telemetry.configRejected();
                        throw e;
                    }
                    configApplied = true;
                    health.apply(next);
                    telemetry.configApplied(next, health::healthyGauge);
                    pools.retainOnly(next.endpointKeys());
                    log.info("serving config version {}", snapshot.version());
                },
                configThread);
    }

    /**
     * The health of endpoint {@code authority} ({@code host:port}, IPv6 in brackets, as
     * {@link dev.nantian.core.model.Endpoint#authority()}) of the served cluster {@code cluster}, or empty when the
     * served config has no such endpoint. Active health checks ({@link dev.nantian.core.model.HealthCheck}) and
     * outlier detection ({@link dev.nantian.core.model.OutlierDetection}) decide it; endpoints of clusters with
     * neither are always {@link EndpointHealth#HEALTHY}. Any thread.
     */
    public Optional<EndpointHealth> endpointHealth(String cluster, String authority) {
        return health.status(requireNonNull(cluster, "cluster"), requireNonNull(authority, "authority"));
    }

    /** The version of the snapshot that new requests are served with; empty before the first one. */
    public String configVersion() {
        return config.get().version();
    }

    /** The snapshot that new requests are served with; an empty one before the first update. */
    public ConfigSnapshot configSnapshot() {
        return config.get().snapshot();
    }

    /** True once a snapshot was applied: the initial one, or an update. What readiness probes ask. */
    public boolean isConfigApplied() {
        return configApplied;
    }

    /** The registry the proxy records its meters on, if the builder was given one. */
    public Optional<MeterRegistry> meterRegistry() {
        return Optional.ofNullable(meterRegistry);
    }

    /** True when the native epoll transport is in use, false for NIO. */
    public boolean isNativeTransport() {
        return transport == Transport.EPOLL;
    }

    /** The addresses the proxy listens on now. */
    public List<InetSocketAddress> localAddresses() {
        try {
            return CompletableFuture.supplyAsync(listeners::localAddresses, configThread)
                    .get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NantianException(NantianException.Category.INTERNAL, "interrupted", e);
        } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            throw new NantianException(NantianException.Category.INTERNAL, "cannot list listeners", e);
        }
    }

    /**
     * Stops accepting, lets open connections finish their current request (up to the drain timeout), then releases
     * every resource. Idempotent.
     */
    public CompletionStage<Void> closeAsync() {
        synchronized (lifecycle) {
            if (closed == null) {
                closed = new CompletableFuture<>();
                CompletableFuture.supplyAsync(listeners::closeAll, configThread)
                        .thenCompose(drained -> drained)
                        // Off the event loops: flushing the access log may block on the disk.
                        .whenCompleteAsync((v, e) -> telemetry.close(), configThread)
                        .whenComplete((v, e) -> {
                            health.close();
                            pools.close();
                            configThread.shutdown();
                            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).addListener(f -> closed.complete(null));
                        });
            }
            return closed;
        }
    }

    /** Closes gracefully and waits for it; see {@link #closeAsync()}. */
    @Override
    public void close() {
        try {
            closeAsync().toCompletableFuture().get(settings.drainTimeout().toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("proxy did not close cleanly", e);
        }
    }

    /** Builds {@link NantianProxy} instances. Every setting has a default. */
    public static final class Builder {
        private int eventLoopThreads = Runtime.getRuntime().availableProcessors();
        private boolean preferNativeTransport = true;
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private int maxInitialLineLength = 8192;
        private int maxHeaderSize = 16384;
        private long maxRequestBodyBytes = 64L * 1024 * 1024;
        private int maxBufferedBodyBytes = 1024 * 1024;
        private Duration headerReadTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofSeconds(60);
        private Duration upstreamIdleTimeout = Duration.ofSeconds(30);
        private int maxIdleConnectionsPerEndpoint = 1024;
        private Duration mirrorTimeout = Duration.ofSeconds(10);
        private Duration drainTimeout = Duration.ofSeconds(30);
        private ConfigSnapshot initialSnapshot;
        private AccessLogSettings accessLog;
        private MeterRegistry meterRegistry;
        private FilterRegistry filterRegistry = FilterRegistry.builder().build();

        private Builder() {}

        /** Event loop threads; defaults to the number of processors. */
        public Builder eventLoopThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("eventLoopThreads must be >= 1, got " + threads);
            }
            this.eventLoopThreads = threads;
            return this;
        }

        /** Whether to use native epoll when it is available (the default); NIO otherwise. */
        public Builder preferNativeTransport(boolean preferNative) {
            this.preferNativeTransport = preferNative;
            return this;
        }

        /** The buffer allocator; defaults to Netty's pooled allocator. */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = requireNonNull(allocator, "allocator");
            return this;
        }

        /** Longest request line accepted (default 8 KiB); longer requests get 414. */
        public Builder maxInitialLineLength(int bytes) {
            this.maxInitialLineLength = positive(bytes, "maxInitialLineLength");
            return this;
        }

        /** Largest request header block accepted (default 16 KiB); larger requests get 431. */
        public Builder maxHeaderSize(int bytes) {
            this.maxHeaderSize = positive(bytes, "maxHeaderSize");
            return this;
        }

        /** Largest request body accepted (default 64 MiB); larger requests get 413. */
        public Builder maxRequestBodyBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxRequestBodyBytes must be >= 0, got " + bytes);
            }
            this.maxRequestBodyBytes = bytes;
            return this;
        }

        /**
         * Largest body buffered for routes that retry or mirror and so must send it more than once (default 1 MiB);
         * larger requests on such routes get 413.
         */
        public Builder maxBufferedBodyBytes(int bytes) {
            this.maxBufferedBodyBytes = positive(bytes, "maxBufferedBodyBytes");
            return this;
        }

        /**
         * How long a client may take to send an HTTP/1.1 request head (default 10 s), timed from its first byte (from
         * accept for a connection's first request); 408 when it had started, else the connection just closes. An
         * idle keep-alive connection between requests is governed by {@link #idleTimeout} instead.
         */
        public Builder headerReadTimeout(Duration timeout) {
            this.headerReadTimeout = nonNegative(timeout, "headerReadTimeout");
            return this;
        }

        /** How long a downstream connection may sit without a request (default 60 s). */
        public Builder idleTimeout(Duration timeout) {
            this.idleTimeout = nonNegative(timeout, "idleTimeout");
            return this;
        }

        /** How long an idle pooled upstream connection is kept (default 30 s). */
        public Builder upstreamIdleTimeout(Duration timeout) {
            this.upstreamIdleTimeout = nonNegative(timeout, "upstreamIdleTimeout");
            return this;
        }

        /**
         * Idle upstream connections kept per endpoint and event loop (default 1024). Each request in flight to an
         * HTTP/1.1 backend holds a connection of its own, and one HTTP/2 client may have up to 1000 streams open:
         * a cap below the usual concurrency closes connections after every burst only to open them again for the
         * next, which costs a connect, a close and a {@code TIME_WAIT} socket per request. Idle connections close
         * after {@link #upstreamIdleTimeout} anyway.
         */
        public Builder maxIdleConnectionsPerEndpoint(int count) {
            this.maxIdleConnectionsPerEndpoint = positive(count, "maxIdleConnectionsPerEndpoint");
            return this;
        }

        /** How long a mirrored request may take before it is abandoned (default 10 s). */
        public Builder mirrorTimeout(Duration timeout) {
            this.mirrorTimeout = nonNegative(timeout, "mirrorTimeout");
            return this;
        }

        /** How long connections of a closed listener, or of a closing proxy, may take to finish (default 30 s). */
        public Builder drainTimeout(Duration timeout) {
            this.drainTimeout = nonNegative(timeout, "drainTimeout");
            return this;
        }

        /** The snapshot that {@link NantianProxy#start()} serves; without one the proxy starts empty. */
        public Builder initialSnapshot(ConfigSnapshot snapshot) {
            this.initialSnapshot = requireNonNull(snapshot, "snapshot");
            return this;
        }

        /**
         * Writes an access log as {@code settings} describe; without this call the proxy logs no requests. The
         * settings' own defaults are the product's ({@code enabled}, standard output, sample rate 0.5).
         */
        public Builder accessLog(AccessLogSettings settings) {
            this.accessLog = requireNonNull(settings, "settings");
            return this;
        }

        /**
         * Records the meters of {@link dev.nantian.proxy.metrics.ProxyMetrics} on {@code registry}; without this
         * call the proxy records none. Pass a Prometheus registry for {@link dev.nantian.proxy.admin.ProxyAdmin}'s
         * {@code /metrics}.
         */
        public Builder meterRegistry(MeterRegistry registry) {
            this.meterRegistry = requireNonNull(registry, "registry");
            return this;
        }

        /**
         * The filter kinds that HTTP routes may use through {@code ExtensionRef} filters and extension backends
         * (default: none). On every config, each backend of a route with such filters gets a
         * {@link dev.nantian.core.filter.FilterChain}: the rule's extension filters in order, then the backend's,
         * then, for an extension backend, the backend itself as a filter of kind {@code group/kind} that picks the
         * upstream cluster per request. Each filter is configured with the snapshot's
         * {@link dev.nantian.core.model.ExtensionConfig} of the same group, kind, namespace and name. A snapshot that
         * names an unregistered kind or a missing object, or whose configuration a factory rejects, is rejected as a
         * whole with every problem listed. Routes without extension filters do not pay for this.
         */
        public Builder filterRegistry(FilterRegistry registry) {
            this.filterRegistry = requireNonNull(registry, "registry");
            return this;
        }

        /**
         * Builds the proxy; it binds nothing until {@link NantianProxy#start()}.
         *
         * @throws NantianException when the access log file cannot be opened
         */
        public NantianProxy build() {
            return new NantianProxy(this);
        }

        private static int positive(int value, String name) {
            if (value <= 0) {
                throw new IllegalArgumentException(name + " must be > 0, got " + value);
            }
            return value;
        }

        private static Duration nonNegative(Duration d, String name) {
            requireNonNull(d, name);
            if (d.isNegative()) {
                throw new IllegalArgumentException(name + " must not be negative, got " + d);
            }
            return d;
        }
    }
}
