package dev.nantian.proxy.metrics.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.proxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProxyMetersTest {

    @Test
    void requestsAreCountedByRouteClusterAndCode() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyMeters meters = new ProxyMeters(registry);
        meters.recordRequest("ns/r/rule/0", "ns/svc:80", 200, TimeUnit.MILLISECONDS.toNanos(3), 10, 100);
        meters.recordRequest("ns/r/rule/0", "ns/svc:80", 200, TimeUnit.MILLISECONDS.toNanos(5), 0, 50);
        meters.recordRequest("ns/r/rule/0", "ns/svc:80", 503, TimeUnit.MILLISECONDS.toNanos(1), 0, 20);
        meters.recordRequest(ProxyMetrics.NONE, ProxyMetrics.NONE, 404, 1000, 0, 9);

        Counter ok = registry.get(ProxyMetrics.REQUESTS)
                .tags("route", "ns/r/rule/0", "cluster", "ns/svc:80", "code", "200", "code_class", "2xx")
                .counter();
        assertThat(ok.count()).isEqualTo(2);
        assertThat(registry.get(ProxyMetrics.REQUESTS)
                        .tags("code", "503", "code_class", "5xx")
                        .counter()
                        .count())
                .isEqualTo(1);
        assertThat(registry.get(ProxyMetrics.REQUESTS)
                        .tags("route", "none", "code", "404")
                        .counter()
                        .count())
                .isEqualTo(1);
        Timer t = registry.get(ProxyMetrics.REQUEST_DURATION)
                .tags("code_class", "2xx")
                .timer();
        assertThat(t.count()).isEqualTo(2);
        assertThat(t.totalTime(TimeUnit.MILLISECONDS)).isEqualTo(8.0);
        assertThat(registry.get(ProxyMetrics.RESPONSE_BODY_BYTES)
                        .tags("code", "200")
                        .counter()
                        .count())
                .isEqualTo(150);
        assertThat(registry.get(ProxyMetrics.REQUEST_BODY_BYTES)
                        .tags("code", "200")
                        .counter()
                        .count())
                .isEqualTo(10);
    }

    @Test
    void codeClassesCoverEveryStatus() {
        assertThat(ProxyMeters.codeClass(0)).isEqualTo("none");
        assertThat(ProxyMeters.codeClass(101)).isEqualTo("1xx");
        assertThat(ProxyMeters.codeClass(599)).isEqualTo("5xx");
        assertThat(ProxyMeters.codeClass(999)).isEqualTo("none");
    }

    @Test
    void configSwapsMoveTheVersionAndEndpointGauges() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyMeters meters = new ProxyMeters(registry);
        meters.configApplied(ConfigSnapshot.builder("v1")
                .addCluster(Cluster.builder("c")
                        .addEndpoint(Endpoint.of("10.0.0.1", 80))
                        .build())
                .build());
        meters.configApplied(ConfigSnapshot.builder("v2")
                .addCluster(Cluster.builder("c")
                        .addEndpoint(Endpoint.of("10.0.0.2", 80))
                        .build())
                .build());
        meters.configRejected();

        assertThat(registry.get(ProxyMetrics.CONFIG_INFO).gauges())
                .singleElement()
                .satisfies(g -> assertThat(g.getId().getTag("version")).isEqualTo("v2"));
        assertThat(registry.get(ProxyMetrics.ENDPOINT_HEALTHY).gauges())
                .singleElement()
                .satisfies(g -> {
                    assertThat(g.getId().getTag("endpoint")).isEqualTo("10.0.0.2:80");
                    assertThat(g.value()).isEqualTo(1.0);
                });
        assertThat(registry.get(ProxyMetrics.CONFIG_SWAPS).counter().count()).isEqualTo(2);
        assertThat(registry.get(ProxyMetrics.CONFIG_REJECTIONS).counter().count())
                .isEqualTo(1);

        meters.close();
        assertThat(registry.find(ProxyMetrics.CONFIG_INFO).gauges()).isEmpty();
        assertThat(registry.find(ProxyMetrics.DOWNSTREAM_CONNECTIONS_ACTIVE).gauges())
                .isEmpty();
    }

    @Test
    void connectErrorsAndConnectionsAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ProxyMeters meters = new ProxyMeters(registry);
        meters.upstreamConnectError("c", "::1", 81);
        meters.upstreamConnectError("c", "::1", 81);
        meters.connectionOpened();
        meters.connectionOpened();
        meters.connectionClosed();
        assertThat(registry.get(ProxyMetrics.UPSTREAM_CONNECT_ERRORS)
                        .tags("endpoint", "[::1]:81")
                        .counter()
                        .count())
                .isEqualTo(2);
        assertThat(registry.get(ProxyMetrics.DOWNSTREAM_CONNECTIONS_ACTIVE)
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get(ProxyMetrics.DOWNSTREAM_CONNECTIONS).counter().count())
                .isEqualTo(2);
    }
}
