package dev.nantian.proxy.app;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.AiGateway;
import dev.nantian.core.admin.AdminRequest;
import dev.nantian.core.admin.AdminResponse;
import dev.nantian.core.admin.AdminServer;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.proxy.NantianProxy;
import dev.nantian.proxy.admin.ProxyAdmin;
import dev.nantian.xds.client.XdsClient;
import dev.nantian.xds.client.XdsClientStatus;
import io.grpc.Channel;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane: a {@link NantianProxy} whose config comes from a control plane over xDS. The {@link XdsClient}
 * decodes each complete resource set and hands it to {@link NantianProxy#update}; a set the proxy rejects (a port
 * that cannot be bound, a route that does not compile) is NACKed with the proxy's message as {@code error_detail} and
 * the last good config keeps serving. When the control plane goes away the proxy keeps serving what it has and the
 * client reconnects with backoff; config lives in memory only.
 *
 * <pre>{@code
 * try (DataPlane proxy = DataPlane.builder(ProxyConfig.load(Path.of("proxy.yaml"))).build()) {
 *     proxy.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Admin API: {@link ProxyAdmin}'s paths ({@code /api/v1/config/version}, {@code /api/v1/config} redacted,
 * {@code /api/v1/backends/health}, {@code /metrics}) plus {@code /api/v1/xds/status}, {@code /healthz} and
 * {@code /readyz} (200 only once a config from the control plane is served).
 *
 * <p>Threading: config is applied on the xDS client's thread, which waits for the proxy's config thread to compile
 * and swap it; admin handlers read immutable views.
 */
public final class DataPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DataPlane.class);
    private static final long APPLY_TIMEOUT_SECONDS = 30;

    private final ProxyConfig config;
    private final PrometheusMeterRegistry registry;
    private final NantianProxy proxy;
    private final AiGateway ai;
    /** The snapshot being applied, whose Secrets the AI filters' API keys come from (xDS client thread). */
    private volatile ConfigSnapshot applying;

    private final ScheduledExecutorService tlsReloader;
    private final ChannelTls channelTls;
    private final ManagedChannel channel;
    private final XdsClient xds;
    private final AdminServer admin;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    private DataPlane(Builder b) throws IOException, GeneralSecurityException {
        this.config = b.config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.tlsReloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nantian-proxy-tls-reload");
            t.setDaemon(true);
            return t;
        });
        ChannelTls tls;
        try {
            tls = ChannelTls.create(config.xdsTls(), tlsReloader, b.tlsCheckInterval);
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            tlsReloader.shutdownNow();
            throw e;
        }
        this.channelTls = tls;
        NettyChannelBuilder channelBuilder = NettyChannelBuilder.forTarget(config.xdsAddress(), tls.credentials())
                // A control plane that vanished without closing the stream is noticed within ~40 s.
                .keepAliveTime(30, TimeUnit.SECONDS)
                .keepAliveTimeout(10, TimeUnit.SECONDS)
                .maxInboundMessageSize(b.maxXdsMessageBytes);
        config.xdsTls().domainName().ifPresent(channelBuilder::overrideAuthority);
        this.channel = channelBuilder.build();
        // AIService backends and TokenPolicy filters; API keys come from the Secrets of the snapshot being applied
        // (kept in memory only), read while the proxy compiles it inside apply().
        this.ai = AiGateway.builder()
                .secrets(name -> {
                    ConfigSnapshot s = applying;
                    return s == null ? Optional.empty() : s.secret(name);
                })
                .meterRegistry(registry)
                .build();
        try {
            NantianProxy.Builder proxyBuilder = NantianProxy.builder()
                    .accessLog(config.access())
                    .meterRegistry(registry)
                    .filterRegistry(FilterRegistry.builder()
                            .register(ai.tokenPolicyFilterFactory())
                            .register(ai.aiServiceFilterFactory())
                            .build());
            b.proxyCustomizer.accept(proxyBuilder);
            this.proxy = proxyBuilder.build();
        } catch (RuntimeException e) {
            // e.g. the access log file cannot be opened: release what exists so far
            ai.close();
            channel.shutdownNow();
            tls.close();
            tlsReloader.shutdownNow();
            throw e;
        }
        this.xds = XdsClient.builder(this::nextChannel, config.nodeId(), this::apply)
                .backoff(b.initialBackoff, b.maxBackoff)
                .incremental(config.xdsIncremental())
                .build();
        Gauge.builder("nantian.proxy.xds.connected", xds, x -> x.status().connected() ? 1 : 0)
                .description("1 while the ADS stream to the control plane is up")
                .register(registry);
        Gauge.builder("nantian.proxy.xds.stream.reconnects", xds, x -> x.status()
                        .streamReconnects())
                .description("ADS streams opened after the first")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        this.admin = ProxyAdmin.of(proxy)
                .registerOn(config.adminAuth().applyTo(AdminServer.builder(config.adminAddr())))
                .route("/api/v1/xds/status", this::xdsStatus)
                // Ready only with config from the control plane: the proxy alone starts empty.
                .readiness(() -> xds.ready() && proxy.isConfigApplied())
                .build();
    }

    /** Starts a builder for {@code config}. */
    public static Builder builder(ProxyConfig config) {
        return new Builder(config);
    }

    /**
     * Starts the proxy (empty) and the admin API, and opens the xDS stream. Does not wait for the first config:
     * {@code /readyz} reports it.
     *
     * @throws IllegalStateException when the proxy or the admin API cannot start
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("data plane already started or closed");
        }
        try {
            proxy.start().toCompletableFuture().join();
            admin.start().toCompletableFuture().join();
        } catch (CompletionException e) {
            throw new IllegalStateException("cannot start: " + e.getCause().getMessage(), e.getCause());
        }
        xds.start();
        log.info("data plane {} started; control plane {}", config.nodeId(), config.xdsAddress());
    }

    /** The admin API's bound address. */
    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    /** The xDS client's state now. */
    public XdsClientStatus xdsStatus() {
        return xds.status();
    }

    /** The version the proxy serves, empty before the first config. */
    public String configVersion() {
        return proxy.configVersion();
    }

    /** Whether a config from the control plane is served. */
    public boolean ready() {
        return xds.ready() && proxy.isConfigApplied();
    }

    /**
     * The channel for a new ADS stream. A channel in {@code TRANSIENT_FAILURE} waits out its own connect backoff
     * (up to two minutes) before trying again; resetting it leaves the xDS client's backoff as the only pacing, so
     * a control plane that comes back is found on the client's next attempt.
     */
    private Channel nextChannel() {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        return channel;
    }

    /** The {@link dev.nantian.xds.client.ConfigListener}: runs on the xDS client's thread. */
    private void apply(ConfigSnapshot snapshot) throws Exception {
        applying = snapshot;
        try {
            proxy.update(snapshot).toCompletableFuture().get(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            // The proxy's own exception carries the message the NACK's error_detail should have.
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            throw e;
        } catch (TimeoutException e) {
            throw new TimeoutException("the proxy did not apply version " + snapshot.version() + " within "
                    + APPLY_TIMEOUT_SECONDS + " s");
        }
    }

    private AdminResponse xdsStatus(AdminRequest request) {
        XdsClientStatus s = xds.status();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("node_id", config.nodeId());
        out.put("server", config.xdsAddress());
        out.put("protocol", config.xdsIncremental() ? "delta" : "sotw");
        out.put("connected", s.connected());
        out.put("stream_reconnects", s.streamReconnects());
        out.put("ready", s.ready());
        out.put("config_version", s.configVersion().orElse(null));
        out.put(
                "last_ack",
                s.lastAck()
                        .map(a -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("version", a.version());
                            m.put("at", a.at().toString());
                            return m;
                        })
                        .orElse(null));
        out.put(
                "last_nack",
                s.lastNack()
                        .map(n -> {
                            Map<String, Object> m = new LinkedHashMap<>();
                            m.put("version", n.version());
                            m.put("error_detail", n.errorDetail());
                            m.put("at", n.at().toString());
                            return m;
                        })
                        .orElse(null));
        out.put("last_stream_error", s.lastStreamError().orElse(null));
        return AdminResponse.json(out);
    }

    /**
     * Closes the xDS stream, then drains the proxy (open requests finish), then the admin API. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        xds.close();
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        proxy.close();
        ai.close();
        admin.close();
        channelTls.close();
        tlsReloader.shutdownNow();
        registry.close();
    }

    /** Builds {@link DataPlane}s. */
    public static final class Builder {
        private final ProxyConfig config;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration tlsCheckInterval = Duration.ofSeconds(10);
        private int maxXdsMessageBytes = 64 << 20;
        private Consumer<NantianProxy.Builder> proxyCustomizer = p -> {};

        private Builder(ProxyConfig config) {
            this.config = requireNonNull(config, "config");
        }

        /** The xDS reconnect backoff bounds; 100 ms and 30 s by default. */
        public Builder xdsBackoff(Duration initial, Duration max) {
            this.initialBackoff = requireNonNull(initial, "initial");
            this.maxBackoff = requireNonNull(max, "max");
            return this;
        }

        /** How often the {@code xdsTls} files are checked for changes; 10 s by default. */
        public Builder tlsCheckInterval(Duration interval) {
            this.tlsCheckInterval = requireNonNull(interval, "interval");
            return this;
        }

        /** The largest xDS response accepted; 64 MiB by default (large route tables exceed gRPC's 4 MiB). */
        public Builder maxXdsMessageBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxXdsMessageBytes must be > 0, got " + bytes);
            }
            this.maxXdsMessageBytes = bytes;
            return this;
        }

        /** Adjusts the proxy (event loops, limits, timeouts) before it is built. */
        public Builder proxy(Consumer<NantianProxy.Builder> customizer) {
            this.proxyCustomizer = requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Builds the data plane; nothing is bound until {@link DataPlane#start()}.
         *
         * @throws IllegalStateException when the {@code xdsTls} files are unusable or the access log cannot be opened
         */
        public DataPlane build() {
            try {
                return new DataPlane(this);
            } catch (IOException | GeneralSecurityException e) {
                throw new IllegalStateException("cannot load xdsTls files: " + e.getMessage(), e);
            }
        }
    }
}
