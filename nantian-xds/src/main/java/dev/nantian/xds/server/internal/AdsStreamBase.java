package dev.nantian.xds.server.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.xds.codec.XdsResources;
import dev.nantian.xds.server.ClientState;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;

/**
 * What the state-of-the-world ({@link AdsStream}) and incremental ({@link DeltaAdsStream}) ADS streams share: identity,
 * the node, per-type subscriptions with their ACK/NACK record, ending the stream once from either side, and the
 * Admin API view. Subclasses hold this object's lock whenever they touch its state, as these methods do.
 *
 * @param <Q> the request message
 * @param <R> the response message
 * @param <S> the subscription kept per type URL
 */
abstract class AdsStreamBase<Q, R, S extends AdsStreamBase.Subscription> implements StreamObserver<Q>, XdsStream {
    static final String WILDCARD = "*";
    /** The most of a client's error_detail kept: the client writes it, so it must not grow our memory at will. */
    static final int MAX_ERROR_DETAIL_CHARS = 16 * 1024;

    private final Logger log;
    private final String kind;
    private final boolean incremental;
    final long id;
    final StreamObserver<R> responses;
    final Function<String, EncodedSnapshot> snapshots;
    private final Consumer<? super XdsStream> onDone;
    final Clock clock;
    private final Instant connectedSince;
    /** Per type URL, in the order the client first asked. */
    final Map<String, S> subscriptions = new LinkedHashMap<>();

    String nodeId = "";
    long nonces;
    boolean done;
    private String lastLoggedNackVersion;

    /**
     * @param kind how log lines name this kind of stream
     * @param snapshots what to serve a node id, or {@code null} while there is nothing to serve it
     * @param onDone called once when the stream ends, whichever side ends it
     */
    AdsStreamBase(
            Logger log,
            String kind,
            boolean incremental,
            long id,
            StreamObserver<R> responses,
            Function<String, EncodedSnapshot> snapshots,
            Consumer<? super XdsStream> onDone,
            Clock clock) {
        this.log = requireNonNull(log, "log");
        this.kind = requireNonNull(kind, "kind");
        this.incremental = incremental;
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

    /**
     * Starts handling a request: learns the node id from the first request that names it (Envoy may send the node
     * only on a stream's first request) and returns false, logged, for a type this server does not serve (e.g. RTDS
     * or VHDS from an Envoy: an empty answer would be a false promise), which the request then ignores.
     */
    final boolean admit(boolean hasNode, String requestNodeId, String typeUrl) {
        if (nodeId.isEmpty() && hasNode) {
            nodeId = requestNodeId;
        }
        if (!XdsResources.TYPE_URLS.contains(typeUrl)) {
            log.debug("{} {} (node {}) asked for unsupported type {}", kind, id, nodeId, typeUrl);
            return false;
        }
        return true;
    }

    /** Records the client's NACK of {@code version} for {@code sub}, logging once per version across types. */
    final void recordNack(S sub, String version, String errorDetail) {
        String detail = errorDetail.length() <= MAX_ERROR_DETAIL_CHARS
                ? errorDetail
                : errorDetail.substring(0, MAX_ERROR_DETAIL_CHARS) + "...";
        sub.lastNack = new ClientState.Nack(version, detail, clock.instant());
        // a client NACKs every type of a bad set with one message: log it once per version
        if (!version.equals(lastLoggedNackVersion)) {
            lastLoggedNackVersion = version;
            log.warn("node {} rejected version {}: {}", nodeId, version, detail);
        }
    }

    /** Writes {@code response}; a call that went away under us is tidied up by onCancelled/onError. */
    final void write(R response) {
        try {
            responses.onNext(response);
        } catch (RuntimeException e) {
            log.debug("{} {} (node {}) could not be written", kind, id, nodeId, e);
        }
    }

    @Override
    public void onError(Throwable t) {
        log.debug("{} {} (node {}) failed", kind, id, nodeId(), t);
        finish(null);
    }

    @Override
    public void onCompleted() {
        finish(Status.OK);
    }

    @Override
    public void cancelled() {
        finish(null);
    }

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
                    log.debug("{} {} (node {}) could not be closed", kind, id, nodeId, e);
                }
            }
        }
        onDone.accept(this);
    }

    @Override
    public synchronized ClientState view() {
        Map<String, ClientState.TypeState> types = new LinkedHashMap<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            S sub = subscriptions.get(typeUrl);
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
        return new ClientState(nodeId, id, connectedSince, incremental, types);
    }

    /** One type URL's subscription on a stream. Guarded by the stream's lock. */
    static class Subscription {
        final String typeUrl;
        boolean wildcard;
        Set<String> names;
        String lastSentVersion;
        String lastAckedVersion;
        ClientState.Nack lastNack;

        Subscription(String typeUrl, Set<String> names) {
            this.typeUrl = typeUrl;
            this.names = names;
        }
    }
}
