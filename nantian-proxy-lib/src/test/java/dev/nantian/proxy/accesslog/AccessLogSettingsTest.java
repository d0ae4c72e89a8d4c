package dev.nantian.proxy.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessLogSettingsTest {

    @Test
    void defaultsAreTheDocumentedOnes() {
        AccessLogSettings s = AccessLogSettings.builder().build();
        assertThat(s.enabled()).isTrue();
        assertThat(s.path()).isEmpty();
        assertThat(s.mode()).isEqualTo(AccessLogSettings.Mode.TEXT);
        assertThat(s.sampleRate()).isEqualTo(0.5);
        assertThat(s.format()).contains("%CLIENT_IP%", "%STATUS%", "%LATENCY_MS%", "%UPSTREAM_ADDR%");
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        assertThatThrownBy(() -> AccessLogSettings.builder()
                        .format("%NOPE%")
                        .sampleRate(1.5)
                        .queueCapacity(0)
                        .build())
                .isInstanceOf(ConfigValidationException.class)
                .satisfies(ex ->
                        assertThat(((ConfigValidationException) ex).errors()).hasSize(3));
        assertThatThrownBy(
                        () -> AccessLogSettings.builder().sampleRate(Double.NaN).build())
                .hasMessageContaining("sampleRate");
    }

    @Test
    void configBlockMapsTheDocumentedKeys() {
        AccessLogSettings s = AccessLogSettings.fromConfig(Map.of(
                "enabled", true,
                "path", "/tmp/access.log",
                "format", "%STATUS%",
                "mode", "JSON",
                "sampleRate", 1));
        assertThat(s)
                .isEqualTo(new AccessLogSettings(
                        true,
                        Optional.of(Path.of("/tmp/access.log")),
                        "%STATUS%",
                        AccessLogSettings.Mode.JSON,
                        1.0,
                        AccessLogSettings.DEFAULT_QUEUE_CAPACITY));
        assertThat(AccessLogSettings.fromConfig(Map.of()))
                .isEqualTo(AccessLogSettings.builder().build());
    }

    @Test
    void configBlockRejectsUnknownKeysAndBadValuesTogether() {
        Map<String, Object> access = new LinkedHashMap<>();
        access.put("enabeld", true);
        access.put("mode", "xml");
        access.put("sampleRate", "half");
        access.put("format", "%WHO%");
        assertThatThrownBy(() -> AccessLogSettings.fromConfig(access))
                .isInstanceOf(ConfigValidationException.class)
                .satisfies(ex -> assertThat(((ConfigValidationException) ex).errors())
                        .hasSize(4)
                        .anySatisfy(m -> assertThat(m).contains("access.enabeld is not a known setting"))
                        .anySatisfy(m -> assertThat(m).contains("json or text"))
                        .anySatisfy(m -> assertThat(m).contains("access.sampleRate must be a number"))
                        .anySatisfy(m -> assertThat(m).contains("%WHO%")));
    }
}
