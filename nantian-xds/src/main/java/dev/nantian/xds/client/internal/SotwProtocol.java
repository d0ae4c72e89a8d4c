package dev.nantian.xds.client.internal;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** State-of-the-world ADS on a {@link ResourceSet}. */
final class SotwProtocol implements AdsProtocol {
    private final ResourceSet set = new ResourceSet();

    @Override
    @SuppressWarnings("unchecked") // erased: the call carries DiscoveryRequest/DiscoveryResponse
    public MethodDescriptor<Message, Message> method() {
        return (MethodDescriptor<Message, Message>)
                (MethodDescriptor<?, ?>) AggregatedDiscoveryServiceGrpc.getStreamAggregatedResourcesMethod();
    }

    @Override
    public List<Message> open(Node node) {
        set.newStream();
        return List.copyOf(set.subscribeAll(node));
    }

    @Override
    public List<Message> received(Message message) {
        DiscoveryResponse response = (DiscoveryResponse) message;
        if (!ResourceSet.isKnownType(response.getTypeUrl())) {
            return List.of(set.rejectUnknown(response));
        }
        set.received(response);
        return List.of();
    }

    @Override
    public Optional<String> completeVersion() {
        return set.completeVersion();
    }

    @Override
    public Map<String, List<Any>> resources() {
        return set.resources();
    }

    @Override
    public boolean isApplied(String version) {
        return set.isApplied(version);
    }

    @Override
    public List<Message> accept(String version) {
        return List.copyOf(set.accept(version));
    }

    @Override
    public List<Message> reject(String errorDetail) {
        return List.copyOf(set.reject(errorDetail));
    }
}
