package dev.nantian.gateway;

import static java.util.Objects.requireNonNull;

import dev.nantian.ai.AiGateway;
import dev.nantian.core.admin.AdminResponse;
import dev.nantian.core.admin.AdminServer;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.watch.DirectoryWatcher;
import dev.nantian.k8s.source.LoadError;
import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.k8s.translate.GatewayTranslator;
import dev.nantian.k8s.translate.TranslationResult;
import dev.nantian.proxy.NantianProxy;
import dev.nantian.proxy.admin.ProxyAdmin;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Serves a directory of Gateway API YAML: loads it, translates it, hands the snapshot to a {@link NantianProxy},
 * and does it again whenever the directory settles after a change. The admin API reports what was loaded.
 *
 * <pre>{@code
 * try (StandaloneGateway gateway = StandaloneGateway.builder(Path.of("examples/quickstart"))
 *         .adminAddress(new InetSocketAddress("127.0.0.1", 8082))
 *         .build()) {
 *     gateway.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Only a clean configuration is applied: when any file fails to load, or the translation or the proxy rejects
 * the result, the proxy keeps serving the last good configuration and {@code /api/v1/status} says why. Statuses
 * always describe the newest files, so a user sees the problems of an edit even while it is not served.
 *
 * <p>Admin API: {@code GET /api/v1/status} ({@code revision}, {@code servingRevision}, {@code errors}, and every
 * object's status), {@code GET /api/v1/config/version}, {@code GET /api/v1/config} (redacted),
 * {@code GET /api/v1/backends/health}, {@code GET /api/v1/features}, {@code /healthz},
 * {@code /readyz} (ready once a configuration is served).
 */
public final class StandaloneGateway implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StandaloneGateway.class);
    private static final long APPLY_TIMEOUT_SECONDS = 30;

    private final Path configDir;
    private final YamlDirectoryLoader loader;
    private final GatewayTranslator translator;
    private final NantianProxy proxy;
    private final AiGateway ai;
    private final PrometheusMeterRegistry metrics;
    /** The snapshot being applied, whose Secrets the AI filters' API keys come from; set under reloadLock. */
    private volatile ConfigSnapshot applying;

    private final AdminServer admin;
    private final DirectoryWatcher watcher;
    private final GenerationTracker generations;
    private final StatusDocument statusDocument;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object reloadLock = new Object();
    private volatile State state = State.INITIAL;

    /** What the last reload saw and what is being served; replaced as a whole. */
    private record State(
            String revision, String servingRevision, String servingVersion, List<String> errors, String statusJson) {
        static final State INITIAL = new State("", "", "", List.of("not loaded yet"), "[]");
    }

    private StandaloneGateway(Builder b) {
        this.configDir = b.configDir;
        JsonMapper mapper = JsonMapper.builder()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
        this.loader = YamlDirectoryLoader.builder().build();
        this.translator = GatewayTranslator.builder()
                .addressAllocator(b.addressAllocator)
                .clock(b.clock)
                .build();
        this.generations = new GenerationTracker(mapper, b.clock);
        this.statusDocument = new StatusDocument(mapper);
        this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // AIService backends and TokenPolicy filters; API keys are read from the Secrets of the snapshot being
        // applied, while the proxy compiles it (inside proxy.update, under reloadLock).
        this.ai = AiGateway.builder()
                .secrets(name -> {
                    ConfigSnapshot s = applying;
                    return s == null ? Optional.empty() : s.secret(name);
                })
                .meterRegistry(metrics)
                .build();
        NantianProxy.Builder proxyBuilder = NantianProxy.builder()
                .meterRegistry(metrics)
                .filterRegistry(FilterRegistry.builder()
                        .register(ai.tokenPolicyFilterFactory())
                        .register(ai.aiServiceFilterFactory())
                        .build());
        b.proxyCustomizer.accept(proxyBuilder);
        this.proxy = proxyBuilder.build();
        ProxyAdmin proxyAdmin = ProxyAdmin.of(proxy);
        this.admin = AdminServer.builder(b.adminAddress)
                .route(ProxyAdmin.CONFIG_PATH, proxyAdmin::config)
                .route(ProxyAdmin.METRICS_PATH, proxyAdmin::metrics)
                .route(ProxyAdmin.BACKENDS_HEALTH_PATH, proxyAdmin::backendHealth)
                .route("/api/v1/status", req -> statusResponse())
                .route(
                        "/api/v1/config/version",
                        req -> AdminResponse.json(
                                Map.of("version", state.servingVersion(), "revision", state.servingRevision())))
                .route("/api/v1/features", req -> AdminResponse.json(Map.of("features", SupportedFeatures.FEATURES)))
                .readiness(() -> !state.servingRevision().isEmpty())
                .build();
        // The poll is a safety net for lost file events (network mounts, a directory created and filled before the
        // watch on it was registered); a reload that finds the same revision returns at once.
        this.watcher = DirectoryWatcher.builder(configDir, this::reloadQuietly)
                .settleDelay(b.settleDelay)
                .pollInterval(b.pollInterval)
                .build();
    }

    /** Starts a builder serving {@code configDir}. */
    public static Builder builder(Path configDir) {
        return new Builder(configDir);
    }

    /**
     * Starts the proxy and the admin API, loads the directory once and starts watching it. A configuration that
     * does not load is reported, not thrown: the gateway runs and picks up the next good edit.
     *
     * @throws IllegalStateException when the proxy or the admin API cannot start (e.g. a port is taken)
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("gateway already started or closed");
        }
        join(proxy.start(), "start the proxy");
        join(admin.start(), "start the admin API");
        reload();
        watcher.start();
    }

    /** The admin API's bound address. */
    public InetSocketAddress adminAddress() {
        return admin.address();
    }

    /** The revision of the configuration being served, empty before the first good one. */
    public String servingRevision() {
        return state.servingRevision();
    }

    /** The errors of the last reload; empty when it was applied cleanly. */
    public List<String> errors() {
        return state.errors();
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            log.error("reloading {} failed", configDir, e);
        }
    }

    /** Loads, translates and applies the directory if it changed since the last reload. */
    void reload() {
        synchronized (reloadLock) {
            if (closed.get()) {
                return;
            }
            // The revision is taken before reading the files: if they change meanwhile, the next event reloads
            // again, and a revision is never reported for content older than it.
            String revision = ConfigRevision.of(configDir);
            if (revision.equals(state.revision())) {
                return;
            }
            List<String> errors = new ArrayList<>();
            LoadResult loaded;
            try {
                loaded = loader.load(configDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + configDir, e);
            }
            for (LoadError e : loaded.errors()) {
                errors.add(e.toString());
            }
            List<HasMetadata> objects = loaded.resources().all();
            generations.stamp(objects);
            TranslationResult result = translator.translate(loaded.resources());
            errors.addAll(result.errors());
            String servingRevision = state.servingRevision();
            String servingVersion = state.servingVersion();
            if (errors.isEmpty() && result.snapshot().isPresent()) {
                ConfigSnapshot snapshot = result.snapshot().get();
                applying = snapshot;
                try {
                    join(proxy.update(snapshot), "apply configuration " + snapshot.version());
                    servingRevision = revision;
                    servingVersion = snapshot.version();
                } catch (RuntimeException e) {
                    errors.add("the proxy rejected the configuration: " + rootMessage(e));
                }
            }
            String statusJson = statusDocument.resources(objects, result.allStatuses());
            state = new State(revision, servingRevision, servingVersion, List.copyOf(errors), statusJson);
            if (errors.isEmpty()) {
                log.info("serving {} (revision {}, {} objects)", servingVersion, abbrev(revision), objects.size());
            } else {
                log.warn(
                        "configuration revision {} not applied, still serving {}: {}",
                        abbrev(revision),
                        servingRevision.isEmpty() ? "nothing" : abbrev(servingRevision),
                        errors);
            }
        }
    }

    private AdminResponse statusResponse() {
        State s = state;
        return new AdminResponse(
                200,
                "application/json",
                statusDocument.document(s.revision(), s.servingRevision(), s.errors(), s.statusJson()));
    }

    private static String abbrev(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null) {
            c = c.getCause();
        }
        return c.getMessage() == null ? c.toString() : c.getMessage();
    }

    private static <T> T join(java.util.concurrent.CompletionStage<T> stage, String what) {
        try {
            return stage.toCompletableFuture().get(APPLY_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to " + what, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out waiting to " + what, e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(
                    "cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Stops watching, then drains and stops the proxy and the admin API. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watcher.close();
        synchronized (reloadLock) {
            proxy.close();
        }
        ai.close();
        admin.close();
        metrics.close();
    }

    /** Builds {@link StandaloneGateway}s. */
    public static final class Builder {
        private final Path configDir;
        private InetSocketAddress adminAddress = new InetSocketAddress("127.0.0.1", 8082);
        private AddressAllocator addressAllocator = AddressAllocator.fixed("0.0.0.0");
        private Duration settleDelay = Duration.ofMillis(300);
        private Duration pollInterval = Duration.ofSeconds(5);
        private Clock clock = Clock.systemUTC();
        private Consumer<NantianProxy.Builder> proxyCustomizer = p -> {};

        private Builder(Path configDir) {
            this.configDir = requireNonNull(configDir, "configDir");
        }

        /** Where the admin API listens; {@code 127.0.0.1:8082} by default, port 0 for any free port. */
        public Builder adminAddress(InetSocketAddress adminAddress) {
            this.adminAddress = requireNonNull(adminAddress, "adminAddress");
            return this;
        }

        /** How Gateways get addresses; every Gateway binds {@code 0.0.0.0} by default. */
        public Builder addressAllocator(AddressAllocator addressAllocator) {
            this.addressAllocator = requireNonNull(addressAllocator, "addressAllocator");
            return this;
        }

        /** How long the directory must be quiet before a reload; 300 ms by default. */
        public Builder settleDelay(Duration settleDelay) {
            this.settleDelay = requireNonNull(settleDelay, "settleDelay");
            return this;
        }

        /** How often the directory is re-read even without file events; 5 s by default. */
        public Builder pollInterval(Duration pollInterval) {
            this.pollInterval = requireNonNull(pollInterval, "pollInterval");
            return this;
        }

        /** The clock for creation timestamps and status times. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Adjusts the proxy (event loops, limits, timeouts) before it is built. */
        public Builder proxy(Consumer<NantianProxy.Builder> customizer) {
            this.proxyCustomizer = requireNonNull(customizer, "customizer");
            return this;
        }

        public StandaloneGateway build() {
            return new StandaloneGateway(this);
        }
    }
}
