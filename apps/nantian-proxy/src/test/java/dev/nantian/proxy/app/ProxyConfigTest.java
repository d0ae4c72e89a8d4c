package dev.nantian.proxy.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.testing.tls.TestCertificates;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProxyConfigTest {
    private static final String BASE = "xds: {address: \"127.0.0.1:18000\", nodeId: proxy-1}\n";

    @TempDir
    Path dir;

    private static ConfigValidationException rejected(String yaml) {
        try {
            ProxyConfig.parse(yaml);
        } catch (ConfigValidationException e) {
            return e;
        }
        throw new AssertionError("accepted: " + yaml);
    }

    @Test
    void minimalConfigGetsTheDocumentedDefaults() {
        ProxyConfig c = ProxyConfig.parse(BASE);

        assertThat(c.xdsAddress()).isEqualTo("127.0.0.1:18000");
        assertThat(c.nodeId()).isEqualTo("proxy-1");
        assertThat(c.xdsIncremental()).isFalse();
        assertThat(c.xdsTls()).isEqualTo(XdsTls.DISABLED);
        assertThat(c.adminAddr().getPort()).isEqualTo(8082);
        assertThat(c.adminAddr().getAddress().isLoopbackAddress()).isTrue();
        assertThat(c.adminAuth()).isEqualTo(AdminAuth.NONE);
        assertThat(c.access().enabled()).isTrue();
        assertThat(c.access().sampleRate()).isEqualTo(0.5);
    }

    @Test
    void everySettingIsRead() {
        TestCertificates ca = new TestCertificates("ca");
        Path[] client = ca.issue(dir, "proxy", "proxy-1");
        Path caFile = ca.writeCa(dir.resolve("ca.crt"));

        ProxyConfig c = ProxyConfig.parse("xds: {address: \"controller.example:18000\", nodeId: eu-1, delta: true}\n"
                + "xdsTls: {enabled: true, caPath: " + caFile + ", certPath: " + client[0] + ", keyPath: " + client[1]
                + ", domainName: controller.example}\n"
                + "access: {enabled: true, mode: json, sampleRate: 1.0, path: " + dir.resolve("access.log") + "}\n"
                + "adminAddr: \"0.0.0.0:9082\"\n"
                + "adminAuth: {bearerToken: s3cret}\n");

        assertThat(c.xdsTls())
                .isEqualTo(new XdsTls(
                        true,
                        Optional.of(caFile),
                        Optional.of(client[0]),
                        Optional.of(client[1]),
                        Optional.of("controller.example")));
        assertThat(c.access().mode()).isEqualTo(AccessLogSettings.Mode.JSON);
        assertThat(c.access().sampleRate()).isEqualTo(1.0);
        assertThat(c.access().path()).contains(dir.resolve("access.log"));
        assertThat(c.adminAddr().getPort()).isEqualTo(9082);
        assertThat(c.adminAuth().bearerToken()).contains("s3cret");
        assertThat(c.adminAuth().toString()).doesNotContain("s3cret");
        assertThat(c.xdsIncremental()).isTrue();
    }

    @Test
    void unknownKeysAreRejectedWithTheirPath() {
        ConfigValidationException e =
                rejected(BASE + "xdsTls: {enabeld: true}\nadminAdr: x\naccess: {sampleRat: 1}\nxds2: {}\n");

        assertThat(e.errors())
                .anySatisfy(m ->
                        assertThat(m).startsWith("xdsTls.enabeld: unknown key").contains("enabled"))
                .anySatisfy(
                        m -> assertThat(m).startsWith("adminAdr: unknown key").contains("adminAddr"))
                .anySatisfy(m -> assertThat(m).startsWith("access.sampleRat is not a known setting"))
                .anySatisfy(m -> assertThat(m).startsWith("xds2: unknown key"));
    }

    @Test
    void badValuesAreAllReportedAtOnce() {
        ConfigValidationException e = rejected("xds: {address: controller, nodeId: 7}\n"
                + "xdsTls: {enabled: true, certPath: /no/such.crt}\n"
                + "access: {sampleRate: 2, mode: yaml}\n"
                + "adminAddr: \"127.0.0.1:99999\"\n"
                + "adminAuth: {bearerToken: \"\"}\n");

        assertThat(e.errors())
                .anySatisfy(m -> assertThat(m).startsWith("xds.address: expected HOST:PORT"))
                .anySatisfy(m -> assertThat(m).startsWith("xds.nodeId: must be a non-empty string"))
                .anySatisfy(m -> assertThat(m).startsWith("xdsTls.certPath: no readable file"))
                .anySatisfy(m -> assertThat(m).startsWith("xdsTls.keyPath: certPath and keyPath go together"))
                .anySatisfy(m -> assertThat(m).startsWith("access.sampleRate must be between 0 and 1"))
                .anySatisfy(m -> assertThat(m).startsWith("access.mode must be json or text"))
                .anySatisfy(m -> assertThat(m).startsWith("adminAddr: port out of range"))
                .anySatisfy(m -> assertThat(m).startsWith("adminAuth.bearerToken: must be a non-empty string"));
    }

    @Test
    void xdsIsRequired() {
        assertThat(rejected("adminAddr: \"127.0.0.1:1\"\n").errors())
                .anySatisfy(m -> assertThat(m).startsWith("xds: required"));
        assertThat(rejected("xds: {nodeId: a}\n").errors())
                .anySatisfy(m -> assertThat(m).startsWith("xds.address: required"));
    }

    @Test
    void mainExitsNonZeroOnBadConfigAndPrintsHelp() throws Exception {
        Path file = Files.writeString(dir.resolve("p.yaml"), BASE + "xdsTls: {enabled: maybe}\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        assertThat(ProxyMain.run(
                        new String[] {"--config", file.toString()}, new PrintStream(out), new PrintStream(err)))
                .isEqualTo(2);
        assertThat(ProxyMain.run(new String[] {"--bogus"}, new PrintStream(out), new PrintStream(err)))
                .isEqualTo(2);
        assertThat(ProxyMain.run(new String[] {"-h"}, new PrintStream(out), new PrintStream(err)))
                .isZero();
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("xdsTls.enabled: must be true or false", "unknown argument --bogus");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("Usage: nantian-proxy --config FILE");
    }
}
