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
                // Upstream's code edits these objects between checks; the vectors do not carry the edits.
                .exclude("GatewayModifyListeners", "adds and removes listeners between checks (edit not in vectors)")
                .exclude("HTTPRouteReferenceGrant", "deletes a ReferenceGrant between checks (edit not in vectors)")
                .exclude("BackendTLSPolicy", "edits a CA ConfigMap between checks (edit not in vectors)")
                .exclude("GatewayObservedGenerationBump", "bumps the spec between checks (edit not in vectors)")
                .exclude("GatewayClassObservedGenerationBump", "bumps the spec between checks (edit not in vectors)")
                .exclude("HTTPRouteObservedGenerationBump", "bumps the spec between checks (edit not in vectors)")
                .exclude(
                        "BackendTLSPolicyObservedGenerationBump", "bumps the spec between checks (edit not in vectors)")
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
