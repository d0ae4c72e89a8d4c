package dev.nantian.xds.client.internal;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.nantian.xds.codec.XdsResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Incremental ADS ({@code DeltaAggregatedResources}), client side. The client subscribes to {@code *} for every
 * type and keeps, per type, the resources the server sent (by name, with their versions), applying each response's
 * additions and removals as it arrives. This held state mirrors what the server believes the client has, whether
 * or not the data plane took it: a rejected set stays held (the server sends the rejected resources again with its
 * next change, and a later set may fix them), while the data plane keeps serving the last accepted set.
 *
 * <p>A set is complete when every type's latest response on this stream carries one {@code system_version_info}:
 * the server answers every subscribed type, even with an empty response, when it is first subscribed and whenever
 * its snapshot version changes. Resources of a type are handed to the decoder ordered by name, since incremental
 * updates carry no order.
 *
 * <p>On a new stream the held versions go out as {@code initial_resource_versions}, so the server sends only what
 * changed while the client was away, and removes what went.
 */
final class DeltaProtocol implements AdsProtocol {
    private static final List<String> WILDCARD = List.of("*");

    /** Per type, by name: what the client holds. Survives streams. */
    private final Map<String, Map<String, Resource>> held = new HashMap<>();
    /** Per type: the latest response on this stream. */
    private final Map<String, Latest> latest = new HashMap<>();

    private Map<String, List<Any>> applied = Map.of();
    private String appliedVersion;

    @Override
    @SuppressWarnings("unchecked") // erased: the call carries DeltaDiscoveryRequest/DeltaDiscoveryResponse
    public MethodDescriptor<Message, Message> method() {
        return (MethodDescriptor<Message, Message>)
                (MethodDescriptor<?, ?>) AggregatedDiscoveryServiceGrpc.getDeltaAggregatedResourcesMethod();
    }

    @Override
    public List<Message> open(Node node) {
        latest.clear();
        List<Message> out = new ArrayList<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            DeltaDiscoveryRequest.Builder b =
                    DeltaDiscoveryRequest.newBuilder().setTypeUrl(typeUrl).addAllResourceNamesSubscribe(WILDCARD);
            held.getOrDefault(typeUrl, Map.of())
                    .forEach((name, r) -> b.putInitialResourceVersions(name, r.getVersion()));
            if (out.isEmpty()) {
                b.setNode(node);
            }
            out.add(b.build());
        }
        return out;
    }

    @Override
    public List<Message> received(Message message) {
        DeltaDiscoveryResponse response = (DeltaDiscoveryResponse) message;
        String typeUrl = response.getTypeUrl();
        if (!ResourceSet.isKnownType(typeUrl)) {
            return List.of(nack(typeUrl, response.getNonce(), "unsupported type URL " + typeUrl));
        }
        Map<String, Resource> resources = held.computeIfAbsent(typeUrl, t -> new HashMap<>());
        for (Resource r : response.getResourcesList()) {
            resources.put(r.getName(), r);
        }
        response.getRemovedResourcesList().forEach(resources::remove);
        Latest l = latest.computeIfAbsent(typeUrl, t -> new Latest());
        l.systemVersion = response.getSystemVersionInfo();
        l.unanswered.add(response.getNonce());
        return List.of();
    }

    @Override
    public Optional<String> completeVersion() {
        String version = null;
        boolean unanswered = false;
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Latest l = latest.get(typeUrl);
            if (l == null || (version != null && !version.equals(l.systemVersion))) {
                return Optional.empty();
            }
            version = l.systemVersion;
            unanswered |= !l.unanswered.isEmpty();
        }
        return unanswered ? Optional.of(version) : Optional.empty();
    }

    @Override
    public Map<String, List<Any>> resources() {
        Map<String, List<Any>> out = new LinkedHashMap<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            List<Any> anys = new ArrayList<>();
            new TreeMap<>(held.getOrDefault(typeUrl, Map.of())).values().forEach(r -> anys.add(r.getResource()));
            out.put(typeUrl, List.copyOf(anys));
        }
        return out;
    }

    @Override
    public boolean isApplied(String version) {
        return version.equals(appliedVersion) && resources().equals(applied);
    }

    @Override
    public List<Message> accept(String version) {
        applied = resources();
        appliedVersion = version;
        List<Message> out = new ArrayList<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Latest l = latest.get(typeUrl);
            if (l != null) {
                l.unanswered.forEach(nonce -> out.add(DeltaDiscoveryRequest.newBuilder()
                        .setTypeUrl(typeUrl)
                        .setResponseNonce(nonce)
                        .build()));
                l.unanswered.clear();
            }
        }
        return out;
    }

    @Override
    public List<Message> reject(String errorDetail) {
        List<Message> out = new ArrayList<>();
        for (String typeUrl : XdsResources.TYPE_URLS) {
            Latest l = latest.get(typeUrl);
            if (l != null) {
                l.unanswered.forEach(nonce -> out.add(nack(typeUrl, nonce, errorDetail)));
                l.unanswered.clear();
            }
        }
        return out;
    }

    private static DeltaDiscoveryRequest nack(String typeUrl, String nonce, String errorDetail) {
        return DeltaDiscoveryRequest.newBuilder()
                .setTypeUrl(typeUrl)
                .setResponseNonce(nonce)
                .setErrorDetail(com.google.rpc.Status.newBuilder()
                        .setCode(Status.Code.INVALID_ARGUMENT.value())
                        .setMessage(errorDetail))
                .build();
    }

    /** The latest response of one type on this stream, and the nonces not answered yet. */
    private static final class Latest {
        String systemVersion;
        final List<String> unanswered = new ArrayList<>();
    }
}
