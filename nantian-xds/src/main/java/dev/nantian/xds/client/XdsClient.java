package dev.nantian.xds.client;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Message;
import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.client.internal.AdsProtocol;
import dev.nantian.xds.client.internal.Backoff;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's xDS client: one ADS stream to a control plane, state-of-the-world by default or incremental
 * (delta, {@link Builder#incremental}), subscribed to every resource type the codec knows (listeners, routes,
 * clusters, endpoints, secrets, extension configs).
 *
 * <pre>{@code
 * ManagedChannel channel = NettyChannelBuilder.forTarget("controller:18000").build(); // the app picks the transport
 * try (XdsClient xds = XdsClient.builder(() -> channel, "proxy-eu-1", proxy::swapConfig).build()) {
 *     xds.start();                        // completes with the first config applied
 *     XdsClientStatus status = xds.status(); // for /api/v1/xds/status
 * }
 * }</pre>
 *
 * <p>Config is applied whole or not at all. The client collects the latest response of every type; once all types
 * have arrived at one version (the control plane pushes a snapshot as one version across types), it parses and
 * decodes them together with {@link EnvoyCodec#decode} and hands the snapshot to the {@link ConfigListener}. Only if
 * both succeed does it ACK every type; otherwise it NACKs every type with an {@code error_detail} listing all the
 * errors, and the previous config keeps serving. A set identical to the one applied (a resend after a reconnect) is
 * ACKed without bothering the listener again. Config lives in memory only.
 *
 * <p>Incremental mode keeps the resources it was sent, by name and version, applies each response's additions and
 * removals, and treats a set as complete when every type's latest response carries one {@code system_version_info}
 * (our {@link dev.nantian.xds.server.XdsServer} sends every subscribed type on each version change); on a new
 * stream it reports what it holds as {@code initial_resource_versions}, so only changes travel. Resources of a type
 * reach the decoder ordered by name.
 *
 * <p>When the stream ends, the client opens a new one after an exponential backoff with jitter (100 ms doubling up
 * to 30 s by default, starting over after a stream that received something), resends the versions it accepted, and
 * counts the reconnect. It never gives up until {@link #close()}d.
 *
 * <p>Threading: all protocol work and every {@link ConfigListener} call run one at a time on the client's
 * executor. Status and config reads are lock-free and may come from any thread.
 */
public final class XdsClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XdsClient.class);
    /** Bounds a NACK: a message is not the place for thousands of errors, and some servers cap request size. */
    static final int MAX_ERROR_DETAIL_CHARS = 16 * 1024;

    private final Supplier<? extends Channel> channels;
    private final Node node;
    private final ConfigListener listener;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Executor callExecutor;
    private final SynchronizationContext syncContext;
    private final Backoff backoff;
    private final AdsProtocol protocol;
    private final CompletableFuture<ConfigSnapshot> firstConfig = new CompletableFuture<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();

    // Guarded by syncContext.
    private ClientCall<Message, Message> call;
    private SynchronizationContext.ScheduledHandle retry;
    private boolean heardOnStream;
    private long streamsOpened;
    private boolean connected;
    private XdsClientStatus.Ack lastAck;
    private XdsClientStatus.Nack lastNack;
    private String lastStreamError;

    private volatile ConfigSnapshot config;
    private volatile XdsClientStatus status;

    private XdsClient(Builder b) {
        this.channels = b.channels;
        this.node =
                Node.newBuilder().setId(b.nodeId).setUserAgentName("nantian").build();
        this.listener = b.listener;
        this.protocol = b.incremental ? AdsProtocol.incremental() : AdsProtocol.stateOfTheWorld();
        this.clock = b.clock;
        this.ownsScheduler = b.scheduler == null;
        this.scheduler = ownsScheduler
                ? Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "nantian-xds-client-" + b.nodeId);
                    t.setDaemon(true);
                    return t;
                })
                : b.scheduler;
        // After close(), gRPC may still deliver the cancelled call's end; an executor shut down by then must not
        // turn that into an error on a transport thread.
        this.callExecutor = command -> {
            try {
                scheduler.execute(command);
            } catch (RejectedExecutionException e) {
                if (!closed.get()) {
                    throw e;
                }
            }
        };
        this.syncContext = new SynchronizationContext(
                (thread, e) -> log.error("xDS client {} failed unexpectedly", node.getId(), e));
        this.backoff = new Backoff(b.initialBackoff, b.maxBackoff, b.random);
        this.status = new XdsClientStatus(
                false, 0, false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /**
     * Starts a builder.
     *
     * @param channels gives the channel for each new stream; the same channel every time is typical (gRPC channels
     *     reconnect by themselves). The client never shuts channels down: their owner does, after closing the client
     * @param nodeId this data plane's {@code node.id}, which the control plane picks snapshots by
     * @param listener receives every config to apply
     */
    public static Builder builder(Supplier<? extends Channel> channels, String nodeId, ConfigListener listener) {
        return new Builder(channels, nodeId, listener);
    }

    /**
     * Opens the ADS stream. Idempotent.
     *
     * @return completes with the first config applied; fails with {@link CancellationException} if the client is
     *     closed before that
     */
    public CompletionStage<ConfigSnapshot> start() {
        if (closed.get()) {
            throw new IllegalStateException("xDS client closed");
        }
        if (started.compareAndSet(false, true)) {
            syncContext.execute(this::openStream);
        }
        return firstConfig.minimalCompletionStage();
    }

    /** Whether a config was ever applied: the data plane's readiness. */
    public boolean ready() {
        return config != null;
    }

    /** The config last applied, if any. */
    public Optional<ConfigSnapshot> config() {
        return Optional.ofNullable(config);
    }

    /** The client's state now. */
    public XdsClientStatus status() {
        return status;
    }

    private void openStream() {
        retry = null;
        if (closed.get()) {
            return;
        }
        streamsOpened++;
        heardOnStream = false;
        ClientCall<Message, Message> c;
        try {
            c = channels.get().newCall(protocol.method(), CallOptions.DEFAULT.withExecutor(callExecutor));
        } catch (RuntimeException e) {
            log.warn("xDS client {} could not open a stream", node.getId(), e);
            streamEnded(Status.UNAVAILABLE.withDescription("no channel").withCause(e));
            return;
        }
        call = c;
        c.start(new StreamListener(c), new Metadata());
        c.request(1);
        send(protocol.open(node));
        publishStatus();
    }

    private void onResponse(Message response) {
        if (!heardOnStream) {
            heardOnStream = true;
            connected = true;
            lastStreamError = null;
        }
        List<Message> immediate = protocol.received(response);
        if (!immediate.isEmpty()) {
            log.warn("xDS client {} rejected a response it cannot use", node.getId());
            send(immediate);
            publishStatus();
            return;
        }
        Optional<String> complete = protocol.completeVersion();
        if (complete.isPresent()) {
            String version = complete.get();
            if (protocol.isApplied(version)) {
                send(protocol.accept(version));
            } else {
                apply(version);
            }
        }
        publishStatus();
    }

    private void apply(String version) {
        String error = decodeAndApply(version);
        if (error == null) {
            send(protocol.accept(version));
            lastAck = new XdsClientStatus.Ack(version, clock.instant());
            log.info("xDS client {} applied version {}", node.getId(), version);
        } else {
            String detail = truncate(error);
            send(protocol.reject(detail));
            lastNack = new XdsClientStatus.Nack(version, detail, clock.instant());
            log.warn("xDS client {} rejected version {}: {}", node.getId(), version, detail);
        }
    }

    /** Returns {@code null} when the set at {@code version} is now the config, else why not. */
    private String decodeAndApply(String version) {
        ConfigSnapshot snapshot;
        try {
            snapshot = EnvoyCodec.decode(XdsResources.fromAnyByTypeUrl(version, protocol.resources()));
        } catch (ConfigValidationException e) {
            return e.getMessage();
        } catch (RuntimeException | LinkageError | AssertionError e) {
            // a decoder bug must cost one version, not the data plane
            log.error("xDS client {} failed to decode version {}", node.getId(), version, e);
            return "internal error decoding the resources: " + e;
        }
        try {
            listener.onConfig(snapshot);
        } catch (ConfigValidationException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while applying the config";
        } catch (Exception | LinkageError | AssertionError e) {
            return "the data plane rejected the config: " + (e.getMessage() != null ? e.getMessage() : e.toString());
        }
        config = snapshot;
        firstConfig.complete(snapshot);
        return null;
    }

    private static String truncate(String error) {
        if (error.length() <= MAX_ERROR_DETAIL_CHARS) {
            return error;
        }
        return error.substring(0, MAX_ERROR_DETAIL_CHARS) + "... (" + (error.length() - MAX_ERROR_DETAIL_CHARS)
                + " more characters)";
    }

    private void send(List<Message> requests) {
        if (call != null) {
            requests.forEach(call::sendMessage);
        }
    }

    private void streamEnded(Status s) {
        call = null;
        connected = false;
        if (closed.get()) {
            publishStatus();
            return;
        }
        lastStreamError = s.isOk()
                ? "stream closed by the server"
                : s.getCode() + (s.getDescription() != null ? ": " + s.getDescription() : "");
        if (heardOnStream) {
            backoff.reset();
        }
        long delay = backoff.nextDelayNanos();
        log.info(
                "xDS client {} stream ended ({}); reconnecting in {} ms",
                node.getId(),
                lastStreamError,
                TimeUnit.NANOSECONDS.toMillis(delay));
        retry = syncContext.schedule(this::openStream, delay, TimeUnit.NANOSECONDS, scheduler);
        publishStatus();
    }

    private void publishStatus() {
        ConfigSnapshot c = config;
        status = new XdsClientStatus(
                connected,
                Math.max(0, streamsOpened - 1),
                c != null,
                c == null ? Optional.empty() : Optional.of(c.version()),
                Optional.ofNullable(lastAck),
                Optional.ofNullable(lastNack),
                Optional.ofNullable(lastStreamError));
    }

    /**
     * Ends the stream and stops reconnecting; the last config stays readable. Shuts down the executor if the client
     * made it. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        syncContext.execute(() -> {
            if (retry != null) {
                retry.cancel();
                retry = null;
            }
            if (call != null) {
                call.cancel("xDS client closed", null);
                call = null;
            }
            connected = false;
            publishStatus();
        });
        firstConfig.completeExceptionally(new CancellationException("xDS client closed before the first config"));
        if (ownsScheduler) {
            scheduler.shutdown();
        }
    }

    /** Receives one stream's events on the call executor and moves them into the synchronization context. */
    private final class StreamListener extends ClientCall.Listener<Message> {
        private final ClientCall<Message, Message> stream;

        StreamListener(ClientCall<Message, Message> stream) {
            this.stream = stream;
        }

        @Override
        public void onMessage(Message message) {
            syncContext.execute(() -> {
                if (call == stream) {
                    onResponse(message);
                    // one response at a time: gRPC holds the rest until we are done with this one
                    stream.request(1);
                }
            });
        }

        @Override
        public void onClose(Status s, Metadata trailers) {
            syncContext.execute(() -> {
                if (call == stream) {
                    streamEnded(s);
                }
            });
        }
    }

    /** Builds {@link XdsClient}s. */
    public static final class Builder {
        private final Supplier<? extends Channel> channels;
        private final String nodeId;
        private final ConfigListener listener;
        private Clock clock = Clock.systemUTC();
        private ScheduledExecutorService scheduler;
        private Duration initialBackoff = Duration.ofMillis(100);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Random random = new Random();
        private boolean incremental;

        private Builder(Supplier<? extends Channel> channels, String nodeId, ConfigListener listener) {
            this.channels = requireNonNull(channels, "channels");
            this.nodeId = requireNonNull(nodeId, "nodeId");
            this.listener = requireNonNull(listener, "listener");
        }

        /** The clock for ACK and NACK times; the system UTC clock by default. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /**
         * The executor for protocol work, reconnect timers and {@link ConfigListener} calls. The caller keeps owning
         * it. By default the client makes a single daemon thread and shuts it down on {@link #close()}.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The reconnect backoff bounds: 100 ms and 30 s by default. */
        public Builder backoff(Duration initial, Duration max) {
            requireNonNull(initial, "initial");
            requireNonNull(max, "max");
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + " and " + max);
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Whether to speak incremental (delta) ADS, {@code DeltaAggregatedResources}, instead of state-of-the-world;
         * off by default. Incremental mode sends only what changed, which matters for large configs, and needs a
         * control plane that serves it.
         */
        public Builder incremental(boolean incremental) {
            this.incremental = incremental;
            return this;
        }

        /** The source of backoff jitter; seed one for reproducible tests. */
        public Builder random(Random random) {
            this.random = requireNonNull(random, "random");
            return this;
        }

        public XdsClient build() {
            return new XdsClient(this);
        }
    }
}
