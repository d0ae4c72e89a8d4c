package dev.nantian.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.testing.conformance.ConformanceReport;
import dev.nantian.testing.conformance.ConformanceRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs the Gateway API conformance vectors against the packaged gateway jar, as a black box: the test that proves
 * the declared features ({@link SupportedFeatures}) really pass. Runs in {@code mvn verify} after the jar is built
 * (failsafe, integration-test phase). The gateway runs with paranoid leak detection, and its log must not report
 * a leak.
 */
class ConformanceIT {

    @Test
    void everyDeclaredFeaturePassesTheConformanceVectors() throws Exception {
        Path module = Path.of("").toAbsolutePath();
        Path jar = module.resolve("target/nantian-gateway.jar");
        Path vectors = module.resolve("../../conformance/vectors").normalize();
        Path work = module.resolve("target/conformance");
        assertThat(jar).as("the packaged gateway").exists();

        StringBuilder lines = new StringBuilder();
        ConformanceReport report = ConformanceRunner.builder(vectors)
                .workDirectory(work)
                .gatewayCommand("java -Dio.netty.leakDetection.level=paranoid -jar " + jar
                        + " --config-dir {CONFIG_DIR} --admin-addr {ADMIN_ADDR} --gateway-addresses 127.0.1.0/24")
                .adminAddress("127.0.0.1:19082")
                // Upstream's test code edits, creates or deletes objects between its checks. The vectors carry the
                // initial manifests and every expected result, but neither the edited objects nor when to apply
                // them (only subtest prose such as "after deleting the relevant reference grant"); replaying them
                // would mean inventing data, so these stay out until the vectors carry the steps.
                .exclude(
                        "GatewayModifyListeners",
                        "adds a listener to gateway-add-listener and removes one from gateway-remove-listener"
                                + " between checks; the edited Gateway specs are not in the vectors")
                .exclude(
                        "HTTPRouteReferenceGrant",
                        "deletes the ReferenceGrant between the 200 and the 500 case; no deletion step in the vectors")
                .exclude(
                        "TCPRouteReferenceGrant",
                        "deletes the ReferenceGrant before its RefNotPermitted check; no deletion step in the vectors")
                .exclude(
                        "TCPRouteMultipleRoutesAttachment",
                        "creates TCPRoute tcproute-attach-newer after the first checks; its spec is not in the"
                                + " vectors (only the checks naming it)")
                .exclude(
                        "UDPRouteMultipleRoutesAttachment",
                        "creates UDPRoute udproute-attach-newer after the first checks; its spec is not in the"
                                + " vectors (only the checks naming it)")
                .exclude(
                        "BackendTLSPolicy",
                        "rewrites the CA ConfigMap between cases; the new content is not in the vectors")
                .exclude(
                        "GatewayObservedGenerationBump",
                        "edits the Gateway spec between its two checks; the edit is not in the vectors")
                .exclude(
                        "GatewayClassObservedGenerationBump",
                        "edits the GatewayClass spec between its two checks; the edit is not in the vectors")
                .exclude(
                        "HTTPRouteObservedGenerationBump",
                        "edits the HTTPRoute spec between its two checks; the edit is not in the vectors")
                .exclude(
                        "BackendTLSPolicyObservedGenerationBump",
                        "edits the BackendTLSPolicy spec between its two checks; the edit is not in the vectors")
                .progress(line -> {
                    System.out.println(line);
                    lines.append(line).append('\n');
                })
                .build()
                .run();
        Files.writeString(work.resolve("report.json"), report.toJson());

        assertThat(report.allPassed()).as("conformance results:%n%s", lines).isTrue();
        assertThat(report.passedCases()).isPositive();
        Path log = work.resolve("gateway.log");
        assertThat(Files.readString(log)).as("gateway log %s", log).doesNotContain("LEAK:");
    }
}
