package dev.nantian.xds.server.internal;

import com.google.protobuf.Any;
import dev.nantian.xds.codec.XdsResources;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
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
 * One incremental (delta) ADS stream, server side ({@code DeltaAggregatedResources}): per type URL the
 * subscription, the version of every resource the client has, nonces in flight, and ACK/NACK bookkeeping.
 *
 * <p>Protocol, per Envoy's xDS documentation:
 *
 * <ul>
 *   <li>Subscriptions: {@code resource_names_subscribe} adds names, {@code resource_names_unsubscribe} drops them;
 *       {@code *} is the wildcard for any type; a first request for listeners or clusters that names nothing is a
 *       wildcard too (the legacy form). Unsubscribing {@code *} ends the wildcard.
 *   <li>{@code initial_resource_versions} on a stream's first request of a type tell what the client kept from an
 *       earlier stream; resources at those versions are not sent again, and those gone are removed.
 *   <li>A response carries, per resource, its name and version (a digest of its wire form, see {@link
 *       EncodedSnapshot#resourceVersion}) and lists in {@code removed_resources} the subscribed resources that no
 *       longer exist; a named subscription to a resource that does not exist is answered with its removal once, so
 *       the client need not wait for a does-not-exist timer.
 *   <li>Every subscribed type gets a response when it is first subscribed and whenever the served snapshot version
 *       changes, even when nothing of that type changed (then empty), with the snapshot version as {@code
 *       system_version_info}: so a client can tell which snapshot each type reached. Types are sent in {@link
 *       XdsResources#TYPE_URLS} order (clusters and endpoints before listeners and routes). Other subscription
 *       changes are answered only when they change something.
 *   <li>A request with the {@code response_nonce} of a response in flight answers that response: with {@code
 *       error_detail} it is a NACK, recorded like state-of-the-world's; the resources it carried count as not held
 *       by the client, so they are sent again with the next change, but not before. A nonce not in flight is stale
 *       and ignored.
 * </ul>
 *
 * <p>Thread-safe: requests arrive on gRPC's threads, pushes on the thread that sets a snapshot; both hold this
 * object's lock, which also serialises writes to the response observer as gRPC requires.
 */
public final class DeltaAdsStream
        extends AdsStreamBase<DeltaDiscoveryRequest, DeltaDiscoveryResponse, DeltaAdsStream.Subscription> {
    private static final Logger log = LoggerFactory.getLogger(DeltaAdsStream.class);
    /** Responses awaiting an answer per type; a client that never answers must not grow this without bound. */
    private static final int MAX_IN_FLIGHT = 64;
    /** Stands for "the client holds no usable version": any real version differs from it. */
    private static final String NOT_HELD = "";

    /**
     * @param snapshots what to serve a node id, or {@code null} while there is nothing to serve it
     * @param onDone called once when the stream ends, whichever side ends it
     */
    public DeltaAdsStream(
            long id,
            StreamObserver<DeltaDiscoveryResponse> responses,
            Function<String, EncodedSnapshot> snapshots,
            Consumer<? super XdsStream> onDone,
            Clock clock) {
        super(log, "delta stream", true, id, responses, snapshots, onDone, clock);
    }

    @Override
    public synchronized void onNext(DeltaDiscoveryRequest request) {
        if (done) {
            return;
        }
        String typeUrl = request.getTypeUrl();
        if (!admit(request.hasNode(), request.getNode().getId(), typeUrl)) {
            return;
        }
        boolean first = !subscriptions.containsKey(typeUrl);
        Subscription sub = subscriptions.computeIfAbsent(typeUrl, Subscription::new);
        if (first) {
            sub.held.putAll(request.getInitialResourceVersionsMap());
            sub.wildcard = request.getResourceNamesSubscribeList().isEmpty()
                    && (typeUrl.equals(XdsResources.LISTENER_TYPE_URL)
                            || typeUrl.equals(XdsResources.CLUSTER_TYPE_URL));
        }
        String nonce = request.getResponseNonce();
        if (!nonce.isEmpty()) {
            Sent answered = sub.inFlight.remove(nonce);
            if (answered == null) {
                log.debug("delta stream {} (node {}): stale nonce {} for {}", id, nodeId, nonce, typeUrl);
            } else if (request.hasErrorDetail()) {
                recordNack(sub, answered.systemVersion, request.getErrorDetail().getMessage());
                // the client did not take them: send them again with the next change (not now: same content)
                answered.names.forEach(n -> sub.held.replace(n, NOT_HELD));
            } else {
                sub.lastAckedVersion = answered.systemVersion;
            }
        }
        boolean changed = first;
        for (String name : request.getResourceNamesSubscribeList()) {
            if (name.equals(WILDCARD)) {
                changed |= !sub.wildcard;
                sub.wildcard = true;
            } else {
                changed |= sub.names.add(name);
            }
        }
        for (String name : request.getResourceNamesUnsubscribeList()) {
            if (name.equals(WILDCARD)) {
                sub.wildcard = false;
            } else {
                sub.names.remove(name);
                sub.toldAbsent.remove(name);
            }
        }
        if (!request.getResourceNamesUnsubscribeList().isEmpty() && !sub.wildcard) {
            // the client drops what it no longer subscribes to; no removal is due for it
            sub.held.keySet().removeIf(n -> !sub.names.contains(n));
        }
        if (changed) {
            send(sub, first);
        }
    }

    @Override
    public synchronized void snapshotChanged() {
        if (done) {
            return;
        }
        EncodedSnapshot snapshot = snapshots.apply(nodeId);
        if (snapshot == null) {
            return;
        }
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Subscription sub = subscriptions.get(typeUrl);
            if (sub != null) {
                send(sub, !snapshot.version().equals(sub.lastSentVersion));
            }
        }
    }

    /**
     * Sends what {@code sub}'s client lacks: changed and new resources, removals. With {@code evenIfEmpty} it sends
     * an empty response too, to tell the client the type reached this snapshot version.
     */
    private void send(Subscription sub, boolean evenIfEmpty) {
        EncodedSnapshot snapshot = snapshots.apply(nodeId);
        if (snapshot == null) {
            return;
        }
        DeltaDiscoveryResponse.Builder r = DeltaDiscoveryResponse.newBuilder()
                .setSystemVersionInfo(snapshot.version())
                .setTypeUrl(sub.typeUrl);
        List<String> sentNames = new ArrayList<>();
        Set<String> wanted = new LinkedHashSet<>();
        if (sub.wildcard) {
            wanted.addAll(snapshot.all(sub.typeUrl).keySet());
        }
        wanted.addAll(sub.names);
        for (String name : wanted) {
            Optional<Any> resource = snapshot.resource(sub.typeUrl, name);
            if (resource.isEmpty()) {
                // named but missing: say so once (a wildcard never names what does not exist)
                if (sub.held.get(name) != null || !sub.toldAbsent.contains(name)) {
                    r.addRemovedResources(name);
                    sub.held.remove(name);
                    sub.toldAbsent.add(name);
                }
                continue;
            }
            sub.toldAbsent.remove(name);
            String version = snapshot.resourceVersion(resource.get());
            if (!version.equals(sub.held.get(name))) {
                r.addResources(
                        Resource.newBuilder().setName(name).setVersion(version).setResource(resource.get()));
                sub.held.put(name, version);
                sentNames.add(name);
            }
        }
        // what the client holds that is no longer wanted or no longer exists
        for (Iterator<String> it = sub.held.keySet().iterator(); it.hasNext(); ) {
            String name = it.next();
            if (!wanted.contains(name)) {
                r.addRemovedResources(name);
                it.remove();
            }
        }
        if (r.getResourcesCount() == 0 && r.getRemovedResourcesCount() == 0 && !evenIfEmpty) {
            return;
        }
        String nonce = Long.toString(++nonces);
        r.setNonce(nonce);
        sub.lastSentVersion = snapshot.version();
        if (sub.inFlight.size() >= MAX_IN_FLIGHT) {
            // the oldest answer is not coming; forget it (a late one is then ignored as stale)
            Iterator<String> oldest = sub.inFlight.keySet().iterator();
            oldest.next();
            oldest.remove();
        }
        sub.inFlight.put(nonce, new Sent(snapshot.version(), sentNames));
        write(r.build());
    }

    /** What one response carried, until the client answers it. */
    private record Sent(String systemVersion, List<String> names) {}

    /** One type URL's subscription on this stream. Guarded by the stream's lock. */
    static final class Subscription extends AdsStreamBase.Subscription {
        /** Resource name to the version the client holds (or was sent); {@link #NOT_HELD} after a NACK. */
        final Map<String, String> held = new HashMap<>();
        /** Named resources the client was told do not exist. */
        final Set<String> toldAbsent = new HashSet<>();

        final Map<String, Sent> inFlight = new LinkedHashMap<>();

        Subscription(String typeUrl) {
            super(typeUrl, new LinkedHashSet<>());
        }
    }
}
