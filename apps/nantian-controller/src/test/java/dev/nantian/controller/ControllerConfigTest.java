package dev.nantian.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.testing.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControllerConfigTest {
    @TempDir
    Path dir;

    private String base() {
        return "xdsAddr: \"127.0.0.1:18000\"\nsource: {directory: " + dir + "}\n";
    }

    private static ConfigValidationException rejected(String yaml) {
        try {
            ControllerConfig.parse(yaml);
        } catch (ConfigValidationException e) {
            return e;
        }
        throw new AssertionError("accepted: " + yaml);
    }

    @Test
    void minimalConfigGetsTheDocumentedDefaults() {
        ControllerConfig c = ControllerConfig.parse(base());

        assertThat(c.xdsAddr().getPort()).isEqualTo(18000);
        assertThat(c.adminAddr()).isEqualTo(ControllerConfig.DEFAULT_ADMIN_ADDR);
        assertThat(c.adminAddr().getPort()).isEqualTo(8081);
        assertThat(c.sourceDirectory()).isEqualTo(dir);
        assertThat(c.settleDelay()).isEqualTo(Duration.ofMillis(300));
        assertThat(c.maxInputObjects()).isEqualTo(50_000);
        assertThat(c.controllerName()).isEqualTo("gateway.networking.k8s.io/nantian-gw");
        assertThat(c.gatewayAddresses()).isEmpty();
        assertThat(c.adminAuth()).isEqualTo(AdminAuth.NONE);
        assertThat(c.grpcTls().enabled()).isFalse();
    }

    @Test
    void everySettingIsRead() throws Exception {
        TestCertificates ca = new TestCertificates("ca");
        Path[] server = ca.issue(dir, "server", "controller");
        Path caFile = ca.writeCa(dir.resolve("ca.crt"));
        Path token = Files.writeString(dir.resolve("token"), "t0k3n\n");

        ControllerConfig c = ControllerConfig.parse(base()
                + "adminAddr: \"0.0.0.0:9081\"\n"
                + "reconcilerRunner: {settleDelay: 1.5s}\n"
                + "translatorLimits: {maxInputObjects: 1000}\n"
                + "controllerName: example.com/gw\n"
                + "gatewayAddresses: 127.0.1.0/24\n"
                + "adminAuth: {bearerTokenFile: " + token + "}\n"
                + "grpcTLS: {enabled: true, certPath: " + server[0] + ", keyPath: " + server[1]
                + ", clientCAPath: " + caFile + ", requireClientCert: true}\n");

        assertThat(c.adminAddr().getPort()).isEqualTo(9081);
        assertThat(c.settleDelay()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.maxInputObjects()).isEqualTo(1000);
        assertThat(c.controllerName()).isEqualTo("example.com/gw");
        assertThat(c.gatewayAddresses()).contains("127.0.1.0/24");
        assertThat(c.adminAuth().bearerTokenFile()).contains(token);
        assertThat(c.grpcTls())
                .isEqualTo(new GrpcTls(
                        true,
                        java.util.Optional.of(server[0]),
                        java.util.Optional.of(server[1]),
                        java.util.Optional.of(caFile),
                        true));
    }

    @Test
    void unknownKeysAreRejectedWithTheirPath() {
        ConfigValidationException e = rejected(
                base() + "grpcTLS: {enabled: false, certPth: x}\nreconcilerRunner: {settleDelai: 1s}\nxdsAdr: x\n");

        assertThat(e.errors())
                .anySatisfy(m -> assertThat(m).startsWith("grpcTLS.certPth: unknown key"))
                .anySatisfy(m -> assertThat(m)
                        .startsWith("reconcilerRunner.settleDelai: unknown key")
                        .contains("settleDelay"))
                .anySatisfy(m -> assertThat(m).startsWith("xdsAdr: unknown key").contains("xdsAddr"));
    }

    @Test
    void kubernetesSourceIsNotSupportedYet() {
        ConfigValidationException e = rejected("xdsAddr: \"127.0.0.1:18000\"\nsource: {kubernetes: {}}\n");

        assertThat(e.errors())
                .anySatisfy(m -> assertThat(m).isEqualTo("source.kubernetes: not supported yet; use source.directory"));
    }

    @Test
    void badValuesAreAllReportedAtOnce() {
        ConfigValidationException e = rejected("xdsAddr: localhost\n"
                + "adminAddr: 8081\n"
                + "source: {directory: /no/such/dir}\n"
                + "reconcilerRunner: {settleDelay: 300}\n"
                + "translatorLimits: {maxInputObjects: 0}\n"
                + "gatewayAddresses: 10.0.0.0/40\n"
                + "adminAuth: {bearerToken: a, bearerTokenFile: /no/such/file}\n"
                + "grpcTLS: {enabled: true, requireClientCert: yes-please}\n");

        assertThat(e.errors())
                .anySatisfy(m -> assertThat(m).startsWith("xdsAddr: expected HOST:PORT"))
                .anySatisfy(m -> assertThat(m).startsWith("adminAddr: must be a non-empty string"))
                .anySatisfy(m -> assertThat(m).startsWith("source.directory: not a directory"))
                .anySatisfy(m -> assertThat(m).startsWith("reconcilerRunner.settleDelay: must be a duration"))
                .anySatisfy(m -> assertThat(m).startsWith("translatorLimits.maxInputObjects: must be at least 1"))
                .anySatisfy(m -> assertThat(m).startsWith("gatewayAddresses: "))
                .anySatisfy(m -> assertThat(m).startsWith("adminAuth.bearerTokenFile: no readable file"))
                .anySatisfy(m -> assertThat(m).startsWith("grpcTLS.certPath: required"))
                .anySatisfy(m -> assertThat(m).startsWith("grpcTLS.requireClientCert: must be true or false"));
    }

    @Test
    void requiredSettingsAreNamed() {
        assertThat(rejected("adminAddr: \"127.0.0.1:1\"\n").errors())
                .anySatisfy(m -> assertThat(m).startsWith("xdsAddr: required"))
                .anySatisfy(m -> assertThat(m).startsWith("source: required"));
        assertThatThrownBy(() -> ControllerConfig.parse("- a list\n"))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("mapping");
        assertThatThrownBy(() -> ControllerConfig.parse("xdsAddr: a\nxdsAddr: b\n"))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("Duplicate");
    }

    @Test
    void mainExitsNonZeroOnBadConfigAndPrintsEveryError() throws Exception {
        Path file = Files.writeString(dir.resolve("c.yaml"), base() + "bogus: 1\nadminAuth: {token: x}\n");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int code = ControllerMain.run(
                new String[] {"--config", file.toString()},
                new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("invalid config", "bogus: unknown key", "adminAuth.token: unknown key");
    }

    @Test
    void mainPrintsHelpAndRejectsBadArguments() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(ControllerMain.run(new String[] {"--help"}, new PrintStream(out), new PrintStream(err)))
                .isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: nantian-controller --config FILE");
        assertThat(ControllerMain.run(new String[] {}, new PrintStream(out), new PrintStream(err)))
                .isEqualTo(2);
        assertThat(ControllerMain.run(
                        new String[] {"--config", "/no/such.yaml"}, new PrintStream(out), new PrintStream(err)))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--config is required", "cannot read config file");
    }
}
