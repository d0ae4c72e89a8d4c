package dev.nantian.xds.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.xds.codec.XdsResources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceSetTest {
    private final ResourceSet set = new ResourceSet();

    private static DiscoveryResponse response(String typeUrl, String version, String nonce) {
        return DiscoveryResponse.newBuilder()
                .setTypeUrl(typeUrl)
                .setVersionInfo(version)
                .setNonce(nonce)
                .build();
    }

    private void receiveAll(String version) {
        for (String typeUrl : XdsResources.TYPE_URLS) {
            set.received(response(typeUrl, version, version + "-" + typeUrl));
        }
    }

    @Test
    void subscribesToEveryTypeWithTheNodeOnTheFirstRequestOnly() {
        List<DiscoveryRequest> requests =
                set.subscribeAll(Node.newBuilder().setId("n").build());

        assertThat(requests).extracting(DiscoveryRequest::getTypeUrl).containsExactlyElementsOf(XdsResources.TYPE_URLS);
        assertThat(requests.get(0).getNode().getId()).isEqualTo("n");
        assertThat(requests.subList(1, requests.size())).noneMatch(DiscoveryRequest::hasNode);
        assertThat(requests).allSatisfy(r -> {
            boolean legacyWildcard = r.getTypeUrl().equals(XdsResources.LISTENER_TYPE_URL)
                    || r.getTypeUrl().equals(XdsResources.CLUSTER_TYPE_URL);
            assertThat(r.getResourceNamesList()).isEqualTo(legacyWildcard ? List.of() : List.of("*"));
        });
    }

    @Test
    void aSetIsCompleteOnlyWhenEveryTypeArrivedAtOneVersion() {
        receiveAll("v1");
        assertThat(set.completeVersion()).contains("v1");
        set.accept("v1");
        assertThat(set.completeVersion()).isEmpty();

        set.received(response(XdsResources.CLUSTER_TYPE_URL, "v2", "n"));
        assertThat(set.completeVersion()).as("the rest of v2 is on its way").isEmpty();

        receiveAll("v2");
        assertThat(set.completeVersion()).contains("v2");
    }

    @Test
    void nacksCarryTheLastAcceptedVersionAndTheNonceOfTheRejectedResponse() {
        receiveAll("v1");
        set.accept("v1");
        receiveAll("v2");

        List<DiscoveryRequest> nacks = set.reject("boom");

        assertThat(nacks).hasSize(XdsResources.TYPE_URLS.size()).allSatisfy(r -> {
            assertThat(r.getVersionInfo()).isEqualTo("v1");
            assertThat(r.getResponseNonce()).isEqualTo("v2-" + r.getTypeUrl());
            assertThat(r.getErrorDetail().getMessage()).isEqualTo("boom");
            assertThat(r.getErrorDetail().getCode()).isEqualTo(3);
        });
        assertThat(set.completeVersion()).isEmpty();
    }

    @Test
    void aNewStreamResendsAcceptedVersionsAndRecognisesTheAppliedSet() {
        receiveAll("v1");
        set.accept("v1");

        set.newStream();

        assertThat(set.subscribeAll(Node.getDefaultInstance()))
                .allSatisfy(r -> assertThat(r.getVersionInfo()).isEqualTo("v1"));
        assertThat(set.completeVersion()).isEmpty();
        receiveAll("v1");
        assertThat(set.isApplied("v1")).isTrue();
    }
}
