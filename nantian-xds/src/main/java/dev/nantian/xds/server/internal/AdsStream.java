package dev.nantian.xds.server.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.server.ClientState;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One state-of-the-world ADS stream, server side: subscriptions per type URL, nonces, and ACK/NACK bookkeeping.
 *
 * <p>Protocol, per Envoy's xDS documentation: a request whose {@code response_nonce} is not the nonce of the last
 * response sent for its type is stale and ignored. A current request with {@code error_detail} is a NACK of that
 * response: it is recorded and the same version is not sent again; one without is an ACK. A response is sent for a
 * type when the client first asks for it (always, whatever {@code version_info} it reports, so a reconnecting client
 * resyncs), when its resource names change, and when the served version changes. On a version change every
 * subscribed type is sent in {@link XdsResources#TYPE_URLS} order: clusters and endpoints before listeners and
 * routes, so a client warms clusters before the listeners that use them.
 *
 * <p>An empty {@code resource_names} is a wildcard for listeners and clusters (the legacy form) and means "nothing"
 * for other types; {@code *} among the names is a wildcard for any type.
 *
 * <p>Thread-safe: requests arrive on gRPC's threads, pushes on the thread that sets a snapshot; both hold this
 * object's lock, which also serialises writes to the response observer as gRPC requires.
 */
public final class AdsStream implements StreamObserver<DiscoveryRequest>, XdsStream {
    private static final Logger log = LoggerFactory.getLogger(AdsStream.class);
    private static final String WILDCARD = "*";
    /** The most of a client's error_detail kept: the client writes it, so it must not grow our memory at will. */
    private static final int MAX_ERROR_DETAIL_CHARS = 16 * 1024;

    private final long id;
    private final StreamObserver<DiscoveryResponse> responses;
    private final Function<String, EncodedSnapshot> snapshots;
    private final Consumer<? super AdsStream> onDone;
    private final Clock clock;
    private final Instant connectedSince;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();

    private String nodeId = "";
    private String lastLoggedNackVersion;
    private long nonces;
    private boolean done;

    /**
     * @param snapshots what to serve a node id, or {@code null} while there is nothing to serve it
     * @param onDone called once when the stream ends, whichever side ends it
     */
    public AdsStream(
            long id,
            StreamObserver<DiscoveryResponse> responses,
            Function<String, EncodedSnapshot> snapshots,
            Consumer<? super AdsStream> onDone,
            Clock clock) {
        this.id = id;
        this.responses = requireNonNull(responses, "responses");
        this.snapshots = requireNonNull(snapshots, "snapshots");
        this.onDone = requireNonNull(onDone, "onDone");
        this.clock = requireNonNull(clock, "clock");
        this.connectedSince = clock.instant();
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public synchronized String nodeId() {
        return nodeId;
    }

    @Override
    public synchronized void onNext(DiscoveryRequest request) {
        if (done) {
            return;
        }
        // Envoy may send the node only on a stream's first request; keep what we learnt.
        if (nodeId.isEmpty() && request.hasNode()) {
            nodeId = request.getNode().getId();
        }
        String typeUrl = request.getTypeUrl();
        if (!XdsResources.TYPE_URLS.contains(typeUrl)) {
            // e.g. RTDS or VHDS from an Envoy: we serve none, and an empty answer would be a false promise.
            log.debug("stream {} (node {}) asked for unsupported type {}", id, nodeId, typeUrl);
            return;
        }
        Subscription sub = subscriptions.computeIfAbsent(typeUrl, Subscription::new);
        String nonce = request.getResponseNonce();
        if (!nonce.isEmpty()) {
            if (!nonce.equals(sub.lastSentNonce)) {
                return; // stale: the client has not seen our latest response for this type yet
            }
            if (request.hasErrorDetail()) {
                String detail = bounded(request.getErrorDetail().getMessage());
                sub.lastNack = new ClientState.Nack(sub.lastSentVersion, detail, clock.instant());
                // a client NACKs every type of a bad set with one message: log it once per version
                if (!sub.lastSentVersion.equals(lastLoggedNackVersion)) {
                    lastLoggedNackVersion = sub.lastSentVersion;
                    log.warn("node {} rejected version {}: {}", nodeId, sub.lastSentVersion, detail);
                }
            } else {
                sub.lastAckedVersion = request.getVersionInfo();
            }
        }
        Set<String> names = new LinkedHashSet<>(request.getResourceNamesList());
        boolean explicitWildcard = names.remove(WILDCARD);
        // the legacy wildcard holds from a first empty request for as long as the names stay empty
        boolean legacyWildcard = request.getResourceNamesList().isEmpty()
                && isLegacyWildcardType(typeUrl)
                && (!sub.subscribed || sub.wildcard);
        boolean wildcard = explicitWildcard || legacyWildcard;
        boolean changed = !sub.subscribed || wildcard != sub.wildcard || !names.equals(sub.names);
        sub.subscribed = true;
        sub.wildcard = wildcard;
        sub.names = names;
        if (nonce.isEmpty() || changed) {
            send(sub);
        } else {
            sendIfNewVersion(sub);
        }
    }

    private static String bounded(String detail) {
        return detail.length() <= MAX_ERROR_DETAIL_CHARS ? detail : detail.substring(0, MAX_ERROR_DETAIL_CHARS) + "...";
    }

    /**
     * Legacy wildcard: an empty name list on the first request of LDS or CDS means "everything", and keeps meaning
     * it while the client keeps sending empty lists.
     */
    private static boolean isLegacyWildcardType(String typeUrl) {
        return typeUrl.equals(XdsResources.LISTENER_TYPE_URL) || typeUrl.equals(XdsResources.CLUSTER_TYPE_URL);
    }

    /** Sends every subscribed type whose served version changed, in warming order. */
    @Override
    public synchronized void snapshotChanged() {
        if (done) {
            return;
        }
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Subscription sub = subscriptions.get(typeUrl);
            if (sub != null) {
                sendIfNewVersion(sub);
            }
        }
    }

    private void sendIfNewVersion(Subscription sub) {
        EncodedSnapshot snapshot = snapshots.apply(nodeId);
        if (snapshot != null && !snapshot.version().equals(sub.lastSentVersion)) {
            send(sub);
        }
    }

    private void send(Subscription sub) {
        EncodedSnapshot snapshot = snapshots.apply(nodeId);
        if (snapshot == null || (!sub.wildcard && sub.names.isEmpty())) {
            return;
        }
        List<Any> resources = snapshot.select(sub.typeUrl, sub.wildcard, sub.names);
        String nonce = Long.toString(++nonces);
        sub.lastSentVersion = snapshot.version();
        sub.lastSentNonce = nonce;
        try {
            responses.onNext(DiscoveryResponse.newBuilder()
                    .setVersionInfo(snapshot.version())
                    .setTypeUrl(sub.typeUrl)
                    .setNonce(nonce)
                    .addAllResources(resources)
                    .build());
        } catch (RuntimeException e) {
            // the call went away under us (cancelled); onCancelled/onError tidies up
            log.debug("stream {} (node {}) could not be written", id, nodeId, e);
        }
    }

    @Override
    public void onError(Throwable t) {
        log.debug("stream {} (node {}) failed", id, nodeId(), t);
        finish(null);
    }

    @Override
    public void onCompleted() {
        finish(Status.OK);
    }

    /** The client cancelled the call or went away. */
    @Override
    public void cancelled() {
        finish(null);
    }

    /** Ends the stream from the server side, telling the client {@code status}. */
    @Override
    public void close(Status status) {
        finish(status);
    }

    private void finish(Status status) {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
            if (status != null) {
                try {
                    if (status.isOk()) {
                        responses.onCompleted();
                    } else {
                        responses.onError(status.asRuntimeException());
                    }
                } catch (RuntimeException e) {
                    log.debug("stream {} (node {}) could not be closed", id, nodeId, e);
                }
            }
        }
        onDone.accept(this);
    }

    /** An immutable view of this stream. */
    @Override
    public synchronized ClientState view() {
        Map<String, ClientState.TypeState> types = new LinkedHashMap<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Subscription sub = subscriptions.get(typeUrl);
            if (sub != null) {
                types.put(
                        typeUrl,
                        new ClientState.TypeState(
                                typeUrl,
                                sub.wildcard,
                                new ArrayList<>(sub.names),
                                Optional.ofNullable(sub.lastSentVersion),
                                Optional.ofNullable(sub.lastAckedVersion),
                                Optional.ofNullable(sub.lastNack)));
            }
        }
        return new ClientState(nodeId, id, connectedSince, false, types);
    }

    /** One type URL's subscription on this stream. Guarded by the stream's lock. */
    private static final class Subscription {
        final String typeUrl;
        boolean subscribed;
        boolean wildcard;
        Set<String> names = Set.of();
        String lastSentVersion;
        String lastSentNonce;
        String lastAckedVersion;
        ClientState.Nack lastNack;

        Subscription(String typeUrl) {
            this.typeUrl = typeUrl;
        }
    }
}
