package dev.nantian.xds.server.internal;

import com.google.protobuf.Any;
import dev.nantian.xds.codec.XdsResources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
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
public final class AdsStream extends AdsStreamBase<DiscoveryRequest, DiscoveryResponse, AdsStream.Subscription> {
    private static final Logger log = LoggerFactory.getLogger(AdsStream.class);

    /**
     * @param snapshots what to serve a node id, or {@code null} while there is nothing to serve it
     * @param onDone called once when the stream ends, whichever side ends it
     */
    public AdsStream(
            long id,
            StreamObserver<DiscoveryResponse> responses,
            Function<String, EncodedSnapshot> snapshots,
            Consumer<? super XdsStream> onDone,
            Clock clock) {
        super(log, "stream", false, id, responses, snapshots, onDone, clock);
    }

    @Override
    public synchronized void onNext(DiscoveryRequest request) {
        if (done) {
            return;
        }
        String typeUrl = request.getTypeUrl();
        if (!admit(request.hasNode(), request.getNode().getId(), typeUrl)) {
            return;
        }
        Subscription sub = subscriptions.computeIfAbsent(typeUrl, Subscription::new);
        String nonce = request.getResponseNonce();
        if (!nonce.isEmpty()) {
            if (!nonce.equals(sub.lastSentNonce)) {
                return; // stale: the client has not seen our latest response for this type yet
            }
            if (request.hasErrorDetail()) {
                recordNack(sub, sub.lastSentVersion, request.getErrorDetail().getMessage());
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
        write(DiscoveryResponse.newBuilder()
                .setVersionInfo(snapshot.version())
                .setTypeUrl(sub.typeUrl)
                .setNonce(nonce)
                .addAllResources(resources)
                .build());
    }

    /** One type URL's subscription on this stream. Guarded by the stream's lock. */
    static final class Subscription extends AdsStreamBase.Subscription {
        boolean subscribed;
        String lastSentNonce;

        Subscription(String typeUrl) {
            super(typeUrl, Set.of());
        }
    }
}
