package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * One upstream conformance test, merged by name across {@code status.json}, {@code http.json} and
 * {@code other-traffic.json}.
 *
 * @param name upstream's ShortName
 * @param features the features the test needs; it is skipped unless the gateway declares all of them
 * @param exemptFeatures features whose support makes upstream's test return at once (it checks the opposite
 *     case); the test is skipped when the gateway declares any of them
 * @param provisional whether upstream marks the test provisional
 * @param manifestFiles the test's manifests, relative to the vectors directory
 * @param inlineManifests the manifests inlined in the vectors ({@code manifestYaml}: file name to YAML), used when
 *     a file is missing
 * @param statusChecks the checks of {@code status.json} (judged by {@link StatusJudge})
 * @param httpCases the cases of {@code http.json}
 * @param httpTest the test's object in {@code http.json} ({@code otherCalls}, {@code websocket}, ...), or null
 * @param otherTraffic the test's object in {@code other-traffic.json}, or null
 */
public record ConformanceTest(
        String name,
        List<String> features,
        List<String> exemptFeatures,
        boolean provisional,
        List<String> manifestFiles,
        Map<String, String> inlineManifests,
        List<JsonNode> statusChecks,
        List<HttpCase> httpCases,
        JsonNode httpTest,
        JsonNode otherTraffic) {

    public ConformanceTest {
        requireNonNull(name, "name");
        features = List.copyOf(features);
        exemptFeatures = List.copyOf(exemptFeatures);
        manifestFiles = List.copyOf(manifestFiles);
        inlineManifests = Map.copyOf(inlineManifests);
        statusChecks = List.copyOf(statusChecks);
        httpCases = List.copyOf(httpCases);
    }

    /** The {@code otherCalls} entry of {@code http.json} with this {@code call}, or null. */
    public JsonNode otherCall(String call) {
        if (httpTest == null) {
            return null;
        }
        for (JsonNode other : Json.nodes(httpTest, "otherCalls")) {
            if (call.equals(Json.text(other, "call"))) {
                return other;
            }
        }
        return null;
    }
}
