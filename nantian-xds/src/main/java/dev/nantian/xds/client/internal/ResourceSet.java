package dev.nantian.xds.client.internal;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import dev.nantian.xds.codec.XdsResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client's side of state-of-the-world ADS: the latest response per type URL, which of them still await an
 * ACK or NACK, and the version last accepted per type. It decides when the responses form one complete,
 * consistent set (every type of {@link XdsResources#TYPE_URLS} received at one version) and writes the requests
 * that answer them.
 *
 * <p>The client subscribes to everything: an empty name list (the legacy wildcard) for listeners and clusters,
 * {@code *} for the other types, since the data plane needs the whole set and some of it (generic secrets,
 * extensions) is named by nothing the client could read before decoding.
 *
 * <p>Not thread-safe: used from the client's synchronization context only.
 */
public final class ResourceSet {
    private static final List<String> EXPLICIT_WILDCARD = List.of("*");

    private final Map<String, Received> latest = new HashMap<>();
    private final Map<String, String> acceptedVersions = new HashMap<>();
    private final Map<String, List<Any>> applied = new HashMap<>();
    private String appliedVersion;

    /** Forgets the responses of the previous stream; accepted versions and applied resources stay. */
    public void newStream() {
        latest.clear();
    }

    /** The requests that open a stream: one per type, the node on the first, each with the version accepted. */
    public List<DiscoveryRequest> subscribeAll(Node node) {
        List<DiscoveryRequest> out = new ArrayList<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            DiscoveryRequest.Builder b = request(typeUrl).setVersionInfo(acceptedVersions.getOrDefault(typeUrl, ""));
            if (out.isEmpty()) {
                b.setNode(node);
            }
            out.add(b.build());
        }
        return out;
    }

    /** Whether {@code typeUrl} is one the client subscribes to. */
    public static boolean isKnownType(String typeUrl) {
        return XdsResources.TYPE_URLS.contains(typeUrl);
    }

    /** Records a response of a known type as the latest of its type, awaiting an answer. */
    public void received(DiscoveryResponse response) {
        String typeUrl = response.getTypeUrl();
        if (!isKnownType(typeUrl)) {
            throw new IllegalArgumentException("unknown type URL " + typeUrl);
        }
        latest.put(typeUrl, new Received(response.getVersionInfo(), response.getNonce(), response.getResourcesList()));
    }

    /**
     * The version of a complete set that awaits an answer: every type received, all at that version, at least one
     * not yet answered. Empty while a type is missing or the versions differ (the rest of a push is on its way).
     */
    public Optional<String> completeVersion() {
        String version = null;
        boolean unanswered = false;
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Received r = latest.get(typeUrl);
            if (r == null || (version != null && !version.equals(r.version))) {
                return Optional.empty();
            }
            version = r.version;
            unanswered |= !r.answered;
        }
        return unanswered ? Optional.of(version) : Optional.empty();
    }

    /** The latest resources by type URL, every type present, for {@link XdsResources#fromAnyByTypeUrl}. */
    public Map<String, List<Any>> resources() {
        Map<String, List<Any>> out = new LinkedHashMap<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Received r = latest.get(typeUrl);
            out.put(typeUrl, r == null ? List.of() : r.resources);
        }
        return out;
    }

    /** Whether the complete set is exactly what was last applied (a resend after a reconnect, say). */
    public boolean isApplied(String version) {
        return version.equals(appliedVersion) && resources().equals(applied);
    }

    /** Accepts the complete set at {@code version}: remembers it as applied and ACKs every unanswered type. */
    public List<DiscoveryRequest> accept(String version) {
        applied.clear();
        applied.putAll(resources());
        appliedVersion = version;
        List<DiscoveryRequest> out = new ArrayList<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Received r = latest.get(typeUrl);
            if (r != null && !r.answered) {
                r.answered = true;
                acceptedVersions.put(typeUrl, r.version);
                out.add(request(typeUrl)
                        .setVersionInfo(r.version)
                        .setResponseNonce(r.nonce)
                        .build());
            }
        }
        return out;
    }

    /**
     * Rejects every unanswered response: each NACK carries the type's last accepted version (so the server knows
     * what the client still runs) and {@code errorDetail} as an {@code INVALID_ARGUMENT} status.
     */
    public List<DiscoveryRequest> reject(String errorDetail) {
        List<DiscoveryRequest> out = new ArrayList<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Received r = latest.get(typeUrl);
            if (r != null && !r.answered) {
                r.answered = true;
                out.add(nack(typeUrl, r.nonce, errorDetail));
            }
        }
        return out;
    }

    /** Rejects a response of a type the client does not know, at once: it can never become part of a set. */
    public DiscoveryRequest rejectUnknown(DiscoveryResponse response) {
        return DiscoveryRequest.newBuilder()
                .setTypeUrl(response.getTypeUrl())
                .setResponseNonce(response.getNonce())
                .setErrorDetail(com.google.rpc.Status.newBuilder()
                        .setCode(Status.Code.INVALID_ARGUMENT.value())
                        .setMessage("unsupported type URL " + response.getTypeUrl()))
                .build();
    }

    private DiscoveryRequest nack(String typeUrl, String nonce, String errorDetail) {
        return request(typeUrl)
                .setVersionInfo(acceptedVersions.getOrDefault(typeUrl, ""))
                .setResponseNonce(nonce)
                .setErrorDetail(com.google.rpc.Status.newBuilder()
                        .setCode(Status.Code.INVALID_ARGUMENT.value())
                        .setMessage(requireNonNull(errorDetail, "errorDetail")))
                .build();
    }

    private static DiscoveryRequest.Builder request(String typeUrl) {
        DiscoveryRequest.Builder b = DiscoveryRequest.newBuilder().setTypeUrl(typeUrl);
        if (!typeUrl.equals(XdsResources.LISTENER_TYPE_URL) && !typeUrl.equals(XdsResources.CLUSTER_TYPE_URL)) {
            b.addAllResourceNames(EXPLICIT_WILDCARD);
        }
        return b;
    }

    /** The latest response of one type. */
    private static final class Received {
        final String version;
        final String nonce;
        final List<Any> resources;
        boolean answered;

        Received(String version, String nonce, List<Any> resources) {
            this.version = version;
            this.nonce = nonce;
            this.resources = List.copyOf(resources);
        }
    }
}
