package dev.nantian.testing.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.testing.conformance.internal.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The runner end to end against {@link FakeGateway}: it writes the configuration, starts echo pods, waits for the
 * revision, judges status and HTTP cases, skips undeclared features, and reports.
 */
class ConformanceRunnerIT {

    @TempDir
    Path work;

    @Test
    void cliWaitsForTheRevisionThenPassesDeclaredTestsAndSkipsTheRest() throws Exception {
        try (FakeGateway gateway = new FakeGateway(work.resolve("config"), List.of("Gateway", "HTTPRoute"), 3)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Path report = work.resolve("report.json");

            int exit = ConformanceMain.run(
                    List.of(
                            "--vectors", fixtures().toString(),
                            "--gateway-cmd", "none",
                            "--admin-addr", gateway.adminAddress(),
                            "--work-dir", work.toString(),
                            "--only", "FixtureRoute,FixtureNeedsGRPC",
                            "--report", report.toString()),
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));

            List<String> lines = out.toString(StandardCharsets.UTF_8).lines().toList();
            assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
            assertThat(exit).isZero();
            assertThat(lines).contains("PASS FixtureRoute (3/3 cases)", "SKIP FixtureNeedsGRPC: feature GRPCRoute");
            assertThat(lines.get(lines.size() - 1)).isEqualTo("3 passed, 0 failed");
            assertThat(gateway.stalePolls()).isGreaterThanOrEqualTo(3);

            JsonNode json = Json.JSON.readTree(report.toFile());
            assertThat(json.path("passedCases").asInt()).isEqualTo(3);
            assertThat(json.path("declaredFeatures").size()).isEqualTo(2);
            assertThat(json.path("tests").get(0).path("cases").size()).isEqualTo(3);
        }
    }

    @Test
    void mismatchingCaseFailsTheTestWithItsFirstDifference() throws Exception {
        try (FakeGateway gateway = new FakeGateway(work.resolve("config"), List.of("Gateway", "HTTPRoute"), 0)) {
            ConformanceReport report =
                    fastRunner(gateway).only("FixtureWrongBackend").build().run();

            ConformanceReport.TestResult result = report.tests().get(0);
            assertThat(result.outcome()).isEqualTo(ConformanceReport.Outcome.FAIL);
            assertThat(result.line())
                    .startsWith("FAIL FixtureWrongBackend: request to /wrong: echoed pod \"infra-backend-v1-")
                    .contains("want prefix \"infra-backend-v2\"")
                    .endsWith("(0/1 cases)");
            assertThat(report.allPassed()).isFalse();
            assertThat(report.summaryLine()).isEqualTo("0 passed, 1 failed");
        }
    }

    @Test
    void gatewayThatNeverServesTheConfigurationFailsEveryCaseOfTheTest() throws Exception {
        try (FakeGateway frozen = new FakeGateway(work.resolve("config"), List.of("Gateway", "HTTPRoute"), -1)) {
            ConformanceReport report = fastRunner(frozen)
                    .revisionTimeout(Duration.ofMillis(600))
                    .only("FixtureRoute")
                    .build()
                    .run();

            ConformanceReport.TestResult result = report.tests().get(0);
            assertThat(result.outcome()).isEqualTo(ConformanceReport.Outcome.FAIL);
            assertThat(result.reason()).contains("setup: gateway still serves revision");
            assertThat(result.failedCases()).isEqualTo(3);
        }
    }

    @Test
    void badArgumentsExitWithTwo() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream sink = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThat(ConformanceMain.run(
                        List.of("--only", "X"), sink, new PrintStream(err, true, StandardCharsets.UTF_8)))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--vectors DIR is required");
    }

    private ConformanceRunner.Builder fastRunner(FakeGateway gateway) throws URISyntaxException {
        return ConformanceRunner.builder(fixtures())
                .externalGateway()
                .adminAddress(gateway.adminAddress())
                .workDirectory(work)
                .maxTimeToConsistency(Duration.ofSeconds(1))
                .retryInterval(Duration.ofMillis(100))
                .requestTimeout(Duration.ofSeconds(2))
                .statusTimeout(Duration.ofMillis(500))
                .startupTimeout(Duration.ofSeconds(5));
    }

    private static Path fixtures() throws URISyntaxException {
        return Path.of(ConformanceRunnerIT.class
                .getResource("/conformance-fixtures/vectors")
                .toURI());
    }
}
