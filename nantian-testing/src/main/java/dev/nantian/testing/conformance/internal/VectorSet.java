package dev.nantian.testing.conformance.internal;

import static dev.nantian.testing.conformance.internal.Json.nodes;
import static dev.nantian.testing.conformance.internal.Json.strings;
import static dev.nantian.testing.conformance.internal.Json.text;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * A vectors directory in the format of the repository's {@code conformance/vectors}: {@code http.json},
 * {@code status.json}, {@code other-traffic.json} (each optional, at least one present),
 * {@code base-manifests.yaml} and {@code tests/}. Parsed once; immutable.
 *
 * @param directory where the vectors live
 * @param baseManifests the text of {@code base-manifests.yaml}
 * @param suiteCreatedResources {@code http.json}'s {@code suiteCreatedResources} (certificates to generate)
 * @param tests the tests in file order: {@code status.json} first, then tests only found in the other files
 */
public record VectorSet(
        Path directory, String baseManifests, List<JsonNode> suiteCreatedResources, List<ConformanceTest> tests) {

    public VectorSet {
        requireNonNull(directory, "directory");
        requireNonNull(baseManifests, "baseManifests");
        suiteCreatedResources = List.copyOf(suiteCreatedResources);
        tests = List.copyOf(tests);
    }

    /**
     * Upstream tests (v1.6.1) whose code returns at once when the implementation supports a feature, because they
     * check how a gateway without it must behave. The vectors do not carry this guard; a test object may state it
     * itself as {@code "exemptFeatures": [...]}, which then wins over this table.
     */
    static final Map<String, List<String>> UPSTREAM_EXEMPT_FEATURES = Map.of(
            "TLSRouteListenerTerminateNotSupported", List.of("TLSRouteModeTerminate"),
            "TLSRouteListenerMixedTerminationNotSupported", List.of("TLSRouteModeMixed"));

    /**
     * Loads and validates {@code directory}.
     *
     * @throws IllegalArgumentException naming the file and test when the vectors are malformed
     * @throws UncheckedIOException when a file cannot be read
     */
    public static VectorSet load(Path directory) {
        requireNonNull(directory, "directory");
        JsonNode status = readJson(directory.resolve("status.json"));
        JsonNode http = readJson(directory.resolve("http.json"));
        JsonNode other = readJson(directory.resolve("other-traffic.json"));
        if (status == null && http == null && other == null) {
            throw new IllegalArgumentException(
                    directory + " holds none of status.json, http.json, other-traffic.json: not a vectors directory");
        }
        Path base = directory.resolve("base-manifests.yaml");
        if (!Files.isRegularFile(base)) {
            throw new IllegalArgumentException(directory + " has no base-manifests.yaml");
        }

        Map<String, Builder> byName = new LinkedHashMap<>();
        for (JsonNode test : nodes(status, "tests")) {
            builder(byName, test).statusChecks.addAll(nodes(test, "checks"));
        }
        for (JsonNode test : nodes(http, "tests")) {
            Builder b = builder(byName, test);
            b.httpTest = test;
            List<JsonNode> cases = nodes(test, "cases");
            for (int i = 0; i < cases.size(); i++) {
                try {
                    b.httpCases.add(HttpCase.parse(i, cases.get(i)));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException(
                            "http.json: test " + b.name + " case " + i + ": " + e.getMessage(), e);
                }
            }
        }
        for (JsonNode test : nodes(other, "tests")) {
            builder(byName, test).otherTraffic = test;
        }
        List<ConformanceTest> tests = new ArrayList<>();
        byName.values().forEach(b -> tests.add(b.build()));
        return new VectorSet(directory, read(base), nodes(http, "suiteCreatedResources"), tests);
    }

    /** The text of a test manifest: the file under the vectors directory, else the inlined copy. */
    public String manifest(ConformanceTest test, String file) {
        Path path = directory.resolve(file).normalize();
        if (!path.startsWith(directory.normalize())) {
            throw new IllegalArgumentException(
                    "test " + test.name() + " names a manifest outside the vectors: " + file);
        }
        if (Files.isRegularFile(path)) {
            return read(path);
        }
        String inline = test.inlineManifests().get(file);
        if (inline != null) {
            return inline;
        }
        throw new IllegalArgumentException("test " + test.name() + ": manifest " + file + " not found");
    }

    private static Builder builder(Map<String, Builder> byName, JsonNode test) {
        String name = text(test, "name");
        if (name == null) {
            throw new IllegalArgumentException(
                    "a test has no name: " + test.toString().substring(0, 80));
        }
        Builder b = byName.computeIfAbsent(name, Builder::new);
        if (b.features.isEmpty()) {
            b.features.addAll(strings(test, "features"));
        }
        if (b.manifests.isEmpty()) {
            b.manifests.addAll(strings(test, "manifests"));
        }
        if (test.has("exemptFeatures")) {
            b.exemptFeatures = strings(test, "exemptFeatures");
        }
        b.provisional |= test.path("provisional").asBoolean(false);
        b.inline.putAll(Json.stringMap(test, "manifestYaml"));
        return b;
    }

    private static JsonNode readJson(Path path) {
        if (!Files.isRegularFile(path)) {
            return null;
        }
        try {
            return Json.JSON.readTree(path.toFile());
        } catch (JacksonException e) {
            throw new IllegalArgumentException(path + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static final class Builder {
        final String name;
        final List<String> features = new ArrayList<>();
        final List<String> manifests = new ArrayList<>();
        List<String> exemptFeatures;
        final List<JsonNode> statusChecks = new ArrayList<>();
        final List<HttpCase> httpCases = new ArrayList<>();
        boolean provisional;
        final Map<String, String> inline = new LinkedHashMap<>();
        JsonNode httpTest;
        JsonNode otherTraffic;

        Builder(String name) {
            this.name = name;
        }

        ConformanceTest build() {
            return new ConformanceTest(
                    name,
                    features,
                    exemptFeatures != null ? exemptFeatures : UPSTREAM_EXEMPT_FEATURES.getOrDefault(name, List.of()),
                    provisional,
                    manifests,
                    inline,
                    statusChecks,
                    httpCases,
                    httpTest,
                    otherTraffic);
        }
    }
}
