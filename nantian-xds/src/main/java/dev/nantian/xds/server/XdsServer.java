package dev.nantian.xds.server;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.server.internal.AdsStream;
import dev.nantian.xds.server.internal.DeltaAdsStream;
import dev.nantian.xds.server.internal.EncodedSnapshot;
import dev.nantian.xds.server.internal.XdsStream;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.BindableService;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The xDS control plane: serves {@link ConfigSnapshot}s to data planes over Envoy v3 ADS ({@code
 * envoy.service.discovery.v3.AggregatedDiscoveryService}), state-of-the-world and incremental, and records, per
 * connected client, which versions it was sent, accepted and rejected.
 *
 * <p>It forces no transport: bind {@link #service()} on any gRPC server, with whatever TLS the app chooses.
 *
 * <pre>{@code
 * try (XdsServer xds = XdsServer.builder().build()) {
 *     Server grpc = NettyServerBuilder.forPort(18000).addService(xds.service()).build().start();
 *     xds.setDefaultSnapshot(snapshot);          // every node
 *     xds.setSnapshot("proxy-eu-1", canary);     // one node, overriding the default
 *     List<ClientState> clients = xds.clients(); // for /api/v1/clients
 * }
 * }</pre>
 *
 * <p>A snapshot is encoded once with {@link EnvoyCodec#encode} when it is set; its version becomes the {@code
 * version_info} of every response built from it.
 *
 * <p>Protocol, per Envoy's xDS documentation:
 *
 * <ul>
 *   <li>A type is sent when a client first asks for it (whatever {@code version_info} it reports, so a reconnecting
 *       client resyncs), when its resource names change, and when the version served to its node changes. Clients
 *       are sent a type again only when the version changes, so give every new snapshot a new version.
 *   <li>On a version change every subscribed type is sent in {@link XdsResources#TYPE_URLS} order: clusters and
 *       endpoints before listeners and routes, so clients warm clusters before the listeners that use them.
 *   <li>A request whose {@code response_nonce} is not that of the last response of its type is stale and ignored.
 *       A current one with {@code error_detail} is a NACK: it is recorded in {@link #clients()} and that version is
 *       not sent again; one without is an ACK.
 *   <li>Empty {@code resource_names} are a wildcard for listeners and clusters (the legacy form) and mean "nothing"
 *       for the other types; {@code *} is a wildcard for any type; other names select resources by name (route
 *       configurations by name, cluster load assignments by cluster name, ...).
 *   <li>Incremental ADS ({@code DeltaAggregatedResources}) is served too, with per-resource versions, initial
 *       resource versions on reconnect, removals and subscribe/unsubscribe; see {@link DeltaAdsStream} for the
 *       rules. Both kinds of stream share the snapshots and the per-client views ({@link ClientState#incremental()}
 *       tells them apart).
 *   <li>Proxyless gRPC clients ({@code xds:///NAME} targets) subscribe to listener {@code NAME} by name: a named
 *       listener that is not a socket listener of the snapshot is answered with the api listener {@link
 *       EnvoyCodec#apiListener} derives for it, when some virtual host serves that name. Wildcard subscribers
 *       (Envoy, our data plane) never see api listeners.
 * </ul>
 *
 * <p>Thread-safe. Setting a snapshot writes the affected responses on the calling thread before returning; gRPC
 * buffers them, so it does not block on slow clients.
 */
public final class XdsServer implements AutoCloseable {
    private final Clock clock;
    private final Map<String, EncodedSnapshot> byNode = new ConcurrentHashMap<>();
    private final Map<Long, XdsStream> streams = new ConcurrentHashMap<>();
    private final AtomicLong streamIds = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final BindableService service = new AdsService();
    private volatile EncodedSnapshot defaultSnapshot;

    private XdsServer(Builder builder) {
        this.clock = builder.clock;
    }

    /** Starts a builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The ADS service to bind on a gRPC server. The same instance on every call. */
    public BindableService service() {
        return service;
    }

    /**
     * Serves {@code snapshot} to every client whose node id has no snapshot of its own, and pushes it to those
     * clients now.
     */
    public void setDefaultSnapshot(ConfigSnapshot snapshot) {
        defaultSnapshot = EncodedSnapshot.of(requireNonNull(snapshot, "snapshot"));
        pushAll();
    }

    /** Serves {@code snapshot} to clients with node id {@code nodeId}, instead of the default, and pushes it now. */
    public void setSnapshot(String nodeId, ConfigSnapshot snapshot) {
        requireNonNull(nodeId, "nodeId");
        byNode.put(nodeId, EncodedSnapshot.of(requireNonNull(snapshot, "snapshot")));
        push(nodeId);
    }

    /**
     * Serves {@code resources} to clients with node id {@code nodeId} exactly as given, without an IR snapshot
     * behind them and without validation: for resources encoded elsewhere, and for testing how clients handle bad
     * ones.
     */
    public void setResources(String nodeId, XdsResources resources) {
        requireNonNull(nodeId, "nodeId");
        byNode.put(nodeId, EncodedSnapshot.of(requireNonNull(resources, "resources")));
        push(nodeId);
    }

    /**
     * Stops serving {@code nodeId} its own snapshot; its clients get the default from now on, if there is one (a
     * client keeps what it has while there is nothing to serve it).
     */
    public void removeSnapshot(String nodeId) {
        if (byNode.remove(requireNonNull(nodeId, "nodeId")) != null) {
            push(nodeId);
        }
    }

    /** The default snapshot, if one is set. */
    public Optional<ConfigSnapshot> defaultSnapshot() {
        EncodedSnapshot s = defaultSnapshot;
        return s == null ? Optional.empty() : s.snapshot();
    }

    /**
     * The snapshot served to {@code nodeId}: its own, else the default. Empty when nothing is served to it or when
     * it is served raw {@linkplain #setResources resources}.
     */
    public Optional<ConfigSnapshot> snapshot(String nodeId) {
        EncodedSnapshot s = lookup(requireNonNull(nodeId, "nodeId"));
        return s == null ? Optional.empty() : s.snapshot();
    }

    /** The version served to {@code nodeId}, if anything is. */
    public Optional<String> version(String nodeId) {
        EncodedSnapshot s = lookup(requireNonNull(nodeId, "nodeId"));
        return s == null ? Optional.empty() : Optional.of(s.version());
    }

    /** Every open ADS stream, oldest first, as immutable views. */
    public List<ClientState> clients() {
        List<ClientState> out = new ArrayList<>();
        streams.values().forEach(s -> out.add(s.view()));
        out.sort(Comparator.comparingLong(ClientState::streamId));
        return List.copyOf(out);
    }

    private EncodedSnapshot lookup(String nodeId) {
        EncodedSnapshot own = byNode.get(nodeId);
        return own != null ? own : defaultSnapshot;
    }

    private void push(String nodeId) {
        for (XdsStream s : streams.values()) {
            if (s.nodeId().equals(nodeId)) {
                s.snapshotChanged();
            }
        }
    }

    private void pushAll() {
        streams.values().forEach(XdsStream::snapshotChanged);
    }

    /**
     * Ends every open stream with {@code UNAVAILABLE}, so clients reconnect elsewhere or later, and refuses new
     * ones. Idempotent. Does not touch the gRPC server the service is bound on.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            Status status = Status.UNAVAILABLE.withDescription("xDS server closed");
            new ArrayList<>(streams.values()).forEach(s -> s.close(status));
        }
    }

    private final class AdsService extends AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceImplBase {
        @Override
        public StreamObserver<DiscoveryRequest> streamAggregatedResources(
                StreamObserver<DiscoveryResponse> responseObserver) {
            AdsStream stream = new AdsStream(
                    streamIds.incrementAndGet(),
                    responseObserver,
                    XdsServer.this::lookup,
                    s -> streams.remove(s.id()),
                    clock);
            if (responseObserver instanceof ServerCallStreamObserver<DiscoveryResponse> call) {
                // Without a handler gRPC throws from onNext once the client cancels.
                call.setOnCancelHandler(stream::cancelled);
            }
            register(stream);
            return stream;
        }

        @Override
        public StreamObserver<DeltaDiscoveryRequest> deltaAggregatedResources(
                StreamObserver<DeltaDiscoveryResponse> responseObserver) {
            DeltaAdsStream stream = new DeltaAdsStream(
                    streamIds.incrementAndGet(),
                    responseObserver,
                    XdsServer.this::lookup,
                    s -> streams.remove(s.id()),
                    clock);
            if (responseObserver instanceof ServerCallStreamObserver<DeltaDiscoveryResponse> call) {
                call.setOnCancelHandler(stream::cancelled);
            }
            register(stream);
            return stream;
        }

        private void register(XdsStream stream) {
            streams.put(stream.id(), stream);
            if (closed.get()) {
                // close() may have run between the check and the put; closing twice is harmless.
                stream.close(Status.UNAVAILABLE.withDescription("xDS server closed"));
            }
        }
    }

    /** Builds {@link XdsServer}s. */
    public static final class Builder {
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** The clock for {@link ClientState#connectedSince()} and NACK times; the system UTC clock by default. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        public XdsServer build() {
            return new XdsServer(this);
        }
    }
}
