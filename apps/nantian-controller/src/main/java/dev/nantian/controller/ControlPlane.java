package dev.nantian.controller;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.admin.AdminResponse;
import dev.nantian.core.admin.AdminServer;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.watch.DirectoryWatcher;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.GatewayTranslator;
import dev.nantian.xds.server.XdsServer;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The control plane: watches a directory of Gateway API YAML, translates it on every settled change and serves the
 * result to data planes over xDS (ADS on a grpc-netty-shaded server, optionally TLS or mutual TLS), with the admin
 * API of DESIGN.md section 4.
 *
 * <pre>{@code
 * try (ControlPlane controller = ControlPlane.builder(ControllerConfig.load(Path.of("controller.yaml"))).build()) {
 *     controller.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Only clean reconciles are served: when a file fails to load or the translation fails, data planes keep the
 * last good snapshot and {@code /api/v1/status} says why. Statuses always describe the newest files.
 *
 * <p>Admin API: {@code /api/v1/config/snapshot/version}, {@code /api/v1/config/snapshot} (redacted),
 * {@code /api/v1/clients}, {@code /api/v1/status}, {@code /metrics} (Prometheus), {@code /healthz}, {@code /readyz}
 * (ready once a snapshot is served and the xDS port is bound).
 *
 * <p>Threading: reconciles run on the directory watcher's thread (and once on the thread calling {@link #start()}),
 * one at a time; admin handlers read one immutable {@code State} per request.
 */
public final class ControlPlane implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

    private final ControllerConfig config;
    private final DirectoryReconciler reconciler;
    private final XdsServer xds;
    private final StatusDocument statusDocument;
    private final SnapshotView snapshotView;
    private final PrometheusMeterRegistry registry;
    private final Counter reconcilesApplied;
    private final Counter reconcilesRejected;
    private final ScheduledExecutorService tlsReloader;
    private final Duration tlsCheckInterval;
    private final AdminServer admin;
    private final DirectoryWatcher watcher;
    private final Object reloadLock = new Object();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private ServerTls serverTls;
    private volatile Server grpc;
    private volatile State state;

    /**
     * What the last reconcile saw and what is served; replaced as a whole.
     *
     * @param statusJson the status document, rendered on first use: rendering every route's status is work the
     *     path from an edit to the data planes should not wait for
     * @param snapshotJson the served snapshot, redacted, rendered on first use, once per snapshot
     */
    private record State(
            String revision,
            String servingRevision,
            Optional<ConfigSnapshot> serving,
            List<String> errors,
            Rendered statusJson,
            Rendered snapshotJson) {}

    /** A JSON document rendered at most once, when first asked for. Thread-safe. */
    private static final class Rendered {
        private final Supplier<String> render;
        private volatile String json;

        Rendered(Supplier<String> render) {
            this.render = render;
        }

        static Rendered of(String json) {
            Rendered r = new Rendered(() -> json);
            r.json = json;
            return r;
        }

        String get() {
            String j = json;
            if (j == null) {
                synchronized (this) {
                    j = json;
                    if (j == null) {
                        j = render.get();
                        json = j;
                    }
                }
            }
            return j;
        }
    }

    private ControlPlane(Builder b) {
        this.config = b.config;
        JsonMapper mapper = JsonMapper.builder()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
        this.reconciler = new DirectoryReconciler(
                config.sourceDirectory(),
                YamlDirectoryLoader.builder()
                        .maxObjects(Math.max(YamlDirectoryLoader.DEFAULT_MAX_OBJECTS, config.maxInputObjects()))
                        .build(),
                GatewayTranslator.builder()
                        .controllerName(config.controllerName())
                        .addressAllocator(config.addressAllocator())
                        .maxInputObjects(config.maxInputObjects())
                        .clock(b.clock)
                        .build(),
                mapper,
                b.clock);
        this.xds = XdsServer.builder().clock(b.clock).build();
        this.statusDocument = new StatusDocument(mapper);
        this.snapshotView = new SnapshotView(mapper);
        this.state = new State(
                "",
                "",
                Optional.empty(),
                List.of("not loaded yet"),
                Rendered.of(statusDocument.initial()),
                Rendered.of("{}\n"));
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.reconcilesApplied = Counter.builder("nantian.controller.reconciles")
                .description("Reconciles of the source, by outcome")
                .tag("result", "applied")
                .register(registry);
        this.reconcilesRejected = Counter.builder("nantian.controller.reconciles")
                .description("Reconciles of the source, by outcome")
                .tag("result", "rejected")
                .register(registry);
        Gauge.builder("nantian.controller.xds.clients", xds, x -> x.clients().size())
                .description("Open ADS streams")
                .register(registry);
        Gauge.builder("nantian.controller.config.errors", this, c -> c.state
                        .errors()
                        .size())
                .description("Errors of the last reconcile; the last good snapshot is served while above 0")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        this.tlsCheckInterval = b.tlsCheckInterval;
        this.tlsReloader = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "nantian-controller-tls-reload");
            t.setDaemon(true);
            return t;
        });
        this.admin = config.adminAuth()
                .applyTo(AdminServer.builder(config.adminAddr()))
                .route(
                        "/api/v1/config/snapshot/version",
                        req -> AdminResponse.json(Map.of(
                                "version",
                                state.serving().map(ConfigSnapshot::version).orElse(""),
                                "revision",
                                state.servingRevision())))
                .route(
                        "/api/v1/config/snapshot",
                        req -> json(state.snapshotJson().get()))
                .route(
                        "/api/v1/clients",
                        req -> AdminResponse.json(ClientsView.render(
                                state.serving().map(ConfigSnapshot::version).orElse(""), xds.clients())))
                .route("/api/v1/status", req -> json(state.statusJson().get()))
                .route(
                        "/metrics",
                        req -> new AdminResponse(200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape()))
                .readiness(() -> grpc != null && state.serving().isPresent())
                .build();
        this.watcher = DirectoryWatcher.builder(config.sourceDirectory(), this::reloadQuietly)
                .settleDelay(config.settleDelay())
                .build();
    }

    /** Starts a builder for {@code config}. */
    public static Builder builder(ControllerConfig config) {
        return new Builder(config);
    }

    /**
     * Binds the xDS and admin ports, reconciles once and starts watching. A source that does not reconcile cleanly is
     * reported, not thrown: the controller runs and serves the next good edit.
     *
     * @throws IllegalStateException when a port cannot be bound or the TLS files are unusable
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("controller already started or closed");
        }
        try {
            serverTls = ServerTls.create(config.grpcTls(), tlsReloader, tlsCheckInterval);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot load grpcTLS files: " + e.getMessage(), e);
        }
        try {
            grpc = NettyServerBuilder.forAddress(config.xdsAddr(), serverTls.credentials())
                    .addService(xds.service())
                    // Find data planes that vanished without closing their stream, so /api/v1/clients is true.
                    .keepAliveTime(30, TimeUnit.SECONDS)
                    .keepAliveTimeout(10, TimeUnit.SECONDS)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .build()
                    .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot bind the xDS port " + config.xdsAddr() + ": " + e.getMessage(), e);
        }
        log.info(
                "xDS server listening on {}{}",
                grpc.getListenSockets(),
                config.grpcTls().enabled() ? " (TLS)" : "");
        try {
            admin.start().toCompletableFuture().join();
        } catch (CompletionException e) {
            throw new IllegalStateException(
                    "cannot start the admin API on " + config.adminAddr() + ": "
                            + e.getCause().getMessage(),
                    e);
        }
        reload();
        watcher.start();
    }

    /** The bound xDS address. */
    public InetSocketAddress xdsAddress() {
        if (grpc == null) {
            throw new IllegalStateException("not started");
        }
        return (InetSocketAddress) grpc.getListenSockets().get(0);
    }

    /** The bound admin address. */
    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    /** The snapshot served to data planes, if any. */
    public Optional<ConfigSnapshot> servedSnapshot() {
        return state.serving();
    }

    /** The errors of the last reconcile; empty when it was served cleanly. */
    public List<String> errors() {
        return state.errors();
    }

    /** The xDS server, for its per-client views. */
    public XdsServer xdsServer() {
        return xds;
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            log.error("reconciling {} failed", config.sourceDirectory(), e);
        }
    }

    /** Reconciles the directory if it changed since the last time, and serves the result if it is clean. */
    void reload() {
        synchronized (reloadLock) {
            if (closed.get()) {
                return;
            }
            State before = state;
            // Taken before reading: a change during the read triggers another reconcile, never a stale revision.
            String revision = reconciler.revision();
            if (revision.equals(before.revision())) {
                return;
            }
            DirectoryReconciler.Outcome outcome = reconciler.reconcile(revision);
            List<String> errors = outcome.errors();
            Optional<ConfigSnapshot> serving = before.serving();
            String servingRevision = before.servingRevision();
            Rendered snapshotJson = before.snapshotJson();
            if (outcome.clean()) {
                ConfigSnapshot snapshot = outcome.translation().snapshot().orElseThrow();
                try {
                    // Versions are content hashes: an edit that changes nothing served pushes nothing.
                    if (serving.isEmpty() || !serving.get().version().equals(snapshot.version())) {
                        xds.setDefaultSnapshot(snapshot);
                        snapshotJson = new Rendered(() -> snapshotView.render(snapshot));
                    }
                    serving = Optional.of(snapshot);
                    servingRevision = revision;
                } catch (RuntimeException e) {
                    // The codec rejected what the translator made: a bug, but data planes keep the last good one.
                    log.error("cannot encode snapshot {} for xDS", snapshot.version(), e);
                    errors = List.of("cannot encode the snapshot for xDS: " + e.getMessage());
                }
            }
            String rev = servingRevision;
            List<String> errs = errors;
            Rendered statusJson = new Rendered(() -> statusDocument.render(
                    revision,
                    rev,
                    errs,
                    outcome.objects(),
                    outcome.translation().allStatuses()));
            state = new State(revision, servingRevision, serving, errors, statusJson, snapshotJson);
            if (errors.isEmpty()) {
                reconcilesApplied.increment();
                log.info(
                        "serving {} (revision {}, {} objects)",
                        serving.map(ConfigSnapshot::version).orElse(""),
                        abbrev(revision),
                        outcome.objects().size());
            } else {
                reconcilesRejected.increment();
                log.warn(
                        "revision {} not served, data planes keep {}: {}",
                        abbrev(revision),
                        serving.map(ConfigSnapshot::version).orElse("nothing"),
                        errors);
            }
        }
    }

    private static AdminResponse json(String body) {
        return new AdminResponse(200, "application/json", body);
    }

    private static String abbrev(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision;
    }

    /**
     * Stops watching, ends every xDS stream with {@code UNAVAILABLE} (data planes keep their config and reconnect),
     * then releases the ports. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watcher.close();
        xds.close();
        if (grpc != null) {
            grpc.shutdown();
            try {
                if (!grpc.awaitTermination(5, TimeUnit.SECONDS)) {
                    grpc.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                grpc.shutdownNow();
            }
        }
        admin.close();
        if (serverTls != null) {
            serverTls.close();
        }
        tlsReloader.shutdownNow();
        registry.close();
    }

    /** Builds {@link ControlPlane}s. */
    public static final class Builder {
        private final ControllerConfig config;
        private Clock clock = Clock.systemUTC();
        private Duration tlsCheckInterval = Duration.ofSeconds(10);

        private Builder(ControllerConfig config) {
            this.config = requireNonNull(config, "config");
        }

        /** The clock for status times, generations and xDS client times; system UTC by default. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** How often the {@code grpcTLS} files are checked for changes; 10 s by default. */
        public Builder tlsCheckInterval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("tlsCheckInterval must be positive, got " + interval);
            }
            this.tlsCheckInterval = interval;
            return this;
        }

        public ControlPlane build() {
            return new ControlPlane(this);
        }
    }
}
