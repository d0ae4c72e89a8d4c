package dev.nantian.proxy.accesslog.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.proxy.accesslog.AccessLogSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class AccessLoggerTest {
    private static final DoubleSupplier NO_DRAW = () -> {
        throw new AssertionError("no draw expected");
    };

    private static AccessLogger logger(AccessLogSettings s, OutputStream out, DoubleSupplier random) {
        return AccessLogger.start(new AccessLogger(s, out, true, "test", random));
    }

    private static List<Boolean> decisions(long seed, double rate, RouteLogPolicy policy, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        AccessLogSettings s = AccessLogSettings.builder().sampleRate(rate).build();
        try (AccessLogger log = logger(s, OutputStream.nullOutputStream(), random::nextDouble)) {
            List<Boolean> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(log.sample(policy));
            }
            return out;
        }
    }

    @Test
    void samplingIsOneDrawPerRequestAndRepeatableWithASeed() {
        List<Boolean> first = decisions(42, 0.5, RouteLogPolicy.INHERIT, 10_000);
        List<Boolean> again = decisions(42, 0.5, RouteLogPolicy.INHERIT, 10_000);
        assertThat(first).isEqualTo(again);
        long logged = first.stream().filter(b -> b).count();
        assertThat(logged).isBetween(4_700L, 5_300L);
        assertThat(decisions(7, 0.5, RouteLogPolicy.INHERIT, 10_000)).isNotEqualTo(first);
    }

    @Test
    void ratesOfZeroAndOneNeedNoDraw() {
        try (AccessLogger all = logger(
                        AccessLogSettings.builder().sampleRate(1).build(), OutputStream.nullOutputStream(), NO_DRAW);
                AccessLogger none = logger(
                        AccessLogSettings.builder().sampleRate(0).build(), OutputStream.nullOutputStream(), NO_DRAW)) {
            assertThat(all.sample(RouteLogPolicy.INHERIT)).isTrue();
            assertThat(none.sample(RouteLogPolicy.INHERIT)).isFalse();
        }
    }

    @Test
    void routeAnnotationsOverrideTheRateOrTurnLoggingOff() {
        List<String> warnings = new ArrayList<>();
        RouteLogPolicy off = RouteLogPolicy.fromAnnotations(
                Map.of(AccessLogSettings.ENABLED_ANNOTATION, "False"), "ns/r/rule/0", warnings);
        RouteLogPolicy rare = RouteLogPolicy.fromAnnotations(
                Map.of(AccessLogSettings.SAMPLE_RATE_ANNOTATION, "0.1"), "ns/r/rule/0", warnings);
        RouteLogPolicy all = RouteLogPolicy.fromAnnotations(
                Map.of(AccessLogSettings.SAMPLE_RATE_ANNOTATION, "1"), "ns/r/rule/0", warnings);
        assertThat(warnings).isEmpty();
        assertThat(decisions(1, 1.0, off, 100)).containsOnly(false);
        assertThat(decisions(1, 0.0, all, 100)).containsOnly(true);
        long logged = decisions(1, 1.0, rare, 10_000).stream().filter(b -> b).count();
        assertThat(logged).isBetween(800L, 1_200L);
    }

    @Test
    void invalidAnnotationsAreReportedAndIgnored() {
        List<String> warnings = new ArrayList<>();
        RouteLogPolicy p = RouteLogPolicy.fromAnnotations(
                Map.of(
                        AccessLogSettings.ENABLED_ANNOTATION, "nope",
                        AccessLogSettings.SAMPLE_RATE_ANNOTATION, "2"),
                "ns/r/rule/0",
                warnings);
        assertThat(p).isSameAs(RouteLogPolicy.INHERIT);
        assertThat(warnings)
                .hasSize(2)
                .allSatisfy(w -> assertThat(w).contains("ns/r/rule/0").contains("ignoring"));
    }

    @Test
    void linesAreFlushedOnClose() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        AccessLogSettings s = AccessLogSettings.builder()
                .format("%PATH% %STATUS%")
                .sampleRate(1)
                .build();
        AccessLogger log = logger(s, out, NO_DRAW);
        for (int i = 0; i < 2_500; i++) {
            assertThat(log.offer(LogFormatTest.entry("/p" + i, null))).isTrue();
        }
        log.close();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(2_500);
        assertThat(lines[0]).isEqualTo("/p0 200");
        assertThat(lines[2_499]).isEqualTo("/p2499 200");
        assertThat(log.written()).isEqualTo(2_500);
        assertThat(log.offer(LogFormatTest.entry("/late", null))).isFalse();
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        OutputStream slow = new OutputStream() {
            @Override
            public void write(int b) {
                sink.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                writing.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new IOException(e);
                }
                sink.write(b, off, len);
            }
        };
        AccessLogSettings s = AccessLogSettings.builder()
                .format("%PATH%")
                .sampleRate(1)
                .queueCapacity(4)
                .build();
        AccessLogger log = logger(s, slow, NO_DRAW);
        assertThat(log.offer(LogFormatTest.entry("/first", null))).isTrue();
        assertThat(writing.await(5, TimeUnit.SECONDS)).isTrue();
        int accepted = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 7; i++) {
            if (log.offer(LogFormatTest.entry("/q" + i, null))) {
                accepted++;
            }
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(accepted).isEqualTo(4);
        assertThat(log.dropped()).isEqualTo(3);
        release.countDown();
        log.close();
        assertThat(sink.toString(StandardCharsets.UTF_8)).isEqualTo("/first\n/q0\n/q1\n/q2\n/q3\n");
        await().until(() -> log.written() == 5);
    }
}
