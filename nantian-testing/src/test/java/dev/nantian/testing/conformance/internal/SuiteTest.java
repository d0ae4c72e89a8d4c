package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Suite's pure judgements: the percentage-mirror band and the vectors' WebSocket messages. */
class SuiteTest {

    private static final HttpCase.MirroredBackend V2_20 =
            new HttpCase.MirroredBackend("gateway-conformance-infra", "infra-backend-v2", 20);

    @Test
    void mirrorShareWithinThreeBinomialStandardDeviationsPasses() {
        // 500 requests at 20 %: 100 expected, sd = sqrt(500 * 0.2 * 0.8) = 8.94, band 73.2 to 126.8.
        assertThat(Suite.judgeMirrorShares(Map.of("infra-backend-v2", 100), List.of(V2_20), 500))
                .isNull();
        assertThat(Suite.judgeMirrorShares(Map.of("infra-backend-v2", 74), List.of(V2_20), 500))
                .isNull();
        assertThat(Suite.judgeMirrorShares(Map.of("infra-backend-v2", 126), List.of(V2_20), 500))
                .isNull();
    }

    @Test
    void mirrorShareOutsideTheBandFailsNamingTheBackend() {
        assertThat(Suite.judgeMirrorShares(Map.of("infra-backend-v2", 73), List.of(V2_20), 500))
                .contains("infra-backend-v2 got 73 mirrored copies of 500 requests");
        assertThat(Suite.judgeMirrorShares(Map.of("infra-backend-v2", 500), List.of(V2_20), 500))
                .contains("infra-backend-v2");
        assertThat(Suite.judgeMirrorShares(Map.of(), List.of(V2_20), 500)).contains("got 0 mirrored copies");
    }

    @Test
    void requestIdQueryIsAddedToRequestAndExpectedPaths() throws Exception {
        JsonNode vectors = Json.JSON.readTree("""
                {"request": {"path": "/percent-mirror"}, "expectedRequest": {"path": "/percent-mirror"},
                 "backend": {"namespace": "ns", "service": "infra-backend-v1"},
                 "mirroredTo": [{"namespace": "ns", "service": "infra-backend-v2", "percent": 35}],
                 "target": {"gateway": {"namespace": "ns", "name": "gw"}},
                 "sentBy": [{"mode": "http"}, {"mode": "mirror-distribution"}]}
                """);
        HttpCase c = HttpCase.parse(0, vectors);

        HttpCase tagged = c.withRequestIdQuery();

        assertThat(c.mirrorDistribution()).isTrue();
        assertThat(c.mirroredTo()).containsExactly(new HttpCase.MirroredBackend("ns", "infra-backend-v2", 35));
        assertThat(tagged.request().path())
                .isEqualTo("/percent-mirror?gateway-api-conformance-request-id=" + HttpCase.UUID_PER_CASE);
        assertThat(tagged.expectedRequest().path()).isEqualTo(tagged.request().path());
        assertThatThrownBy(tagged::withRequestIdQuery).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void webSocketMessagesComeFromTheVectorsExchange() throws Exception {
        JsonNode text = Json.JSON.readTree("""
                {"send": "text", "data": "Websocket Support!", "expectEcho": true}""");
        JsonNode binary = Json.JSON.readTree("""
                {"send": "binary", "data": [1, 2, 255], "expectEcho": true}""");

        assertThat(Suite.webSocketMessage(text).binary()).isFalse();
        assertThat(new String(Suite.webSocketMessage(text).payload(), StandardCharsets.UTF_8))
                .isEqualTo("Websocket Support!");
        assertThat(Suite.webSocketMessage(binary).binary()).isTrue();
        assertThat(Suite.webSocketMessage(binary).payload()).containsExactly(1, 2, -1);
    }
}
