package dev.nantian.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class GatewayMainTest {

    @Test
    void parsesEveryOption() {
        GatewayMain.Options o = GatewayMain.Options.parse(new String[] {
            "--config-dir",
            "conf",
            "--admin-addr",
            "0.0.0.0:9000",
            "--gateway-addresses",
            "127.0.1.0/24",
            "--settle-delay",
            "1.5s"
        });

        assertThat(o.configDir).isEqualTo(Path.of("conf"));
        assertThat(o.adminAddress.getPort()).isEqualTo(9000);
        assertThat(o.settleDelay).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.addresses.assign(java.util.List.of("ns/gw")).get("ns/gw")).startsWith("127.0.1.");
    }

    @Test
    void accessLogFlagsMapOntoTheDataPlanesAccessSettings() {
        GatewayMain.Options defaults = GatewayMain.Options.parse(new String[] {"--config-dir", "conf"});
        assertThat(defaults.accessLog.enabled()).isTrue();
        assertThat(defaults.accessLog.path()).isEmpty(); // standard output
        assertThat(defaults.accessLog.sampleRate()).isEqualTo(0.5);

        GatewayMain.Options file = GatewayMain.Options.parse(new String[] {
            "--access-log", "/var/log/nantian/access.log",
            "--access-log-mode", "json",
            "--access-log-format", "%STATUS% %FIELD(ai.model)%",
            "--access-log-sample-rate", "1"
        });
        assertThat(file.accessLog.path()).contains(Path.of("/var/log/nantian/access.log"));
        assertThat(file.accessLog.mode()).isEqualTo(dev.nantian.proxy.accesslog.AccessLogSettings.Mode.JSON);
        assertThat(file.accessLog.format()).isEqualTo("%STATUS% %FIELD(ai.model)%");
        assertThat(file.accessLog.sampleRate()).isEqualTo(1.0);

        assertThat(GatewayMain.Options.parse(new String[] {"--access-log", "off"})
                        .accessLog
                        .enabled())
                .isFalse();
        assertThatThrownBy(() -> GatewayMain.Options.parse(new String[] {"--access-log-mode", "xml"}))
                .hasMessageContaining("xml");
        assertThatThrownBy(() -> GatewayMain.Options.parse(new String[] {"--access-log-sample-rate", "2"}))
                .hasMessageContaining("sampleRate");
        assertThatThrownBy(() -> GatewayMain.Options.parse(new String[] {"--access-log-format", "%NOPE%"}))
                .hasMessageContaining("NOPE");
    }

    @Test
    void rejectsBadArgumentsWithUsage() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GatewayMain.run(
                new String[] {"--config-dir"}, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("--config-dir needs a value", "Usage:");
        assertThatThrownBy(() -> GatewayMain.Options.parse(new String[] {"--settle-delay", "5"}))
                .hasMessageContaining("unit");
        assertThatThrownBy(() -> GatewayMain.Options.parse(new String[] {"--admin-addr", "nohost"}))
                .hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> GatewayMain.Options.parse(new String[] {"--bogus"}))
                .hasMessageContaining("unknown argument --bogus");
    }

    @Test
    void missingConfigDirIsAUsageError() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(GatewayMain.run(new String[] {"--config-dir", "/no/such/dir"}, System.out, new PrintStream(err)))
                .isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("not a directory");
    }

    @Test
    void rendersStatusAsATable() {
        String json = "{\"revision\":\"abc\",\"servingRevision\":\"abc\",\"errors\":[\"x.yaml#0 bad\"],"
                + "\"resources\":[{\"kind\":\"HTTPRoute\",\"namespace\":\"default\",\"name\":\"web\","
                + "\"generation\":2,\"status\":{\"parents\":[{\"parentRef\":{\"name\":\"gw\"},\"conditions\":"
                + "[{\"type\":\"Accepted\",\"status\":\"True\",\"reason\":\"Accepted\"}]}]}}]}";

        String table =
                GatewayMain.StatusTable.render(JsonMapper.builder().build().readTree(json));

        assertThat(table)
                .contains("KIND", "HTTPRoute", "default", "web", "parent gw:Accepted=True(Accepted)")
                .contains("error: x.yaml#0 bad");
    }
}
