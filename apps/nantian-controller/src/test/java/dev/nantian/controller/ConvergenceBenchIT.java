package dev.nantian.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import dev.nantian.k8s.translate.GatewayTranslator;
import dev.nantian.proxy.NantianProxy;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.testing.echo.EchoServer;
import dev.nantian.xds.client.XdsClient;
import dev.nantian.xds.codec.EnvoyCodec;
import dev.nantian.xds.server.XdsServer;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Convergence benchmark (issue 5): the time from a YAML change in the controller's source directory to a data plane
 * actually answering with the new route, with 1,000 HTTPRoutes. Runs only with {@code -Pbench}:
 *
 * <pre>
 * mvn -B -o -pl apps/nantian-controller verify -Pbench -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=ConvergenceBenchIT [-Dbench.routes=1000 -Dbench.changes=50 -Dbench.settleMs=50]
 * </pre>
 *
 * <p>The real {@link ControlPlane} watches a directory of 1,000 HTTPRoutes (ten files of 100, plus one file with
 * the route that changes); the data plane is our {@link XdsClient} feeding a real {@link NantianProxy} (what the
 * proxy app does), over loopback gRPC, once state-of-the-world and once incremental. Each change moves the last
 * route to a new path, atomically (written beside the directory, then renamed in); the clock stops when a request
 * for the new path through the proxy returns 200. Per change it also records when the data plane got the new
 * config and when the proxy had swapped it in, to split the time into control plane (watch, settle delay, load,
 * translate, encode, send, decode) and data plane (compile and swap). Results go to standard output and to {@code
 * target/convergence-bench.txt}.
 */
class ConvergenceBenchIT {
    private static final int ROUTES = Integer.getInteger("bench.routes", 1000);
    private static final int CHANGES = Integer.getInteger("bench.changes", 50);
    private static final long SETTLE_MS = Long.getLong("bench.settleMs", 50);
    private static final int WARMUP = 10;

    @TempDir
    Path dir;

    @TempDir
    Path staging;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** Times of the config the data plane applied last (nanoTime), written on the xDS client's thread. */
    private volatile long lastArrived;

    private volatile long lastApplied;

    /** Signals every config the proxy swapped in. */
    private final java.util.concurrent.BlockingQueue<Long> appliedQueue =
            new java.util.concurrent.LinkedBlockingQueue<>();

    private int proxyPort;
    private int backendPort;

    @Test
    void convergenceWithAThousandHttpRoutes() throws Exception {
        StringBuilder report = new StringBuilder();
        report.append(String.format(
                Locale.ROOT,
                "convergence: %d HTTPRoutes, %d changes (+%d warm-up), settle delay %d ms, %d cores%n",
                ROUTES,
                CHANGES,
                WARMUP,
                SETTLE_MS,
                Runtime.getRuntime().availableProcessors()));
        try (EchoServer echo = EchoServer.builder("web-1", "default")
                .serviceName("web")
                .httpPort(0)
                .build()
                .start()
                .toCompletableFuture()
                .join()) {
            for (boolean incremental : List.of(false, true)) {
                report.append(run(echo.httpPort(), incremental));
            }
        }
        report.append(phases());
        System.out.print(report);
        Files.writeString(Path.of("target", "convergence-bench.txt"), report.toString());
    }

    private String run(int backendPort, boolean incremental) throws Exception {
        try (var files = Files.list(dir)) {
            files.forEach(p -> p.toFile().delete());
        }
        int proxyPort = freePort();
        writeBase(proxyPort, backendPort);
        writeHot("/changed-0");
        ControllerConfig config = ControllerConfig.parse("xdsAddr: \"127.0.0.1:0\"\n"
                + "adminAddr: \"127.0.0.1:0\"\n"
                + "source: {directory: " + dir + "}\n"
                + "reconcilerRunner: {settleDelay: " + SETTLE_MS + "ms}\n");
        try (ControlPlane controller = ControlPlane.builder(config).build()) {
            controller.start();
            assertThat(controller.errors()).isEmpty();
            ManagedChannel channel = NettyChannelBuilder.forTarget(
                            "127.0.0.1:" + controller.xdsAddress().getPort(), InsecureChannelCredentials.create())
                    .maxInboundMessageSize(64 << 20)
                    .build();
            try (NantianProxy proxy = NantianProxy.builder()
                            .accessLog(
                                    AccessLogSettings.builder().enabled(false).build())
                            .build();
                    XdsClient client = XdsClient.builder(() -> channel, "bench", s -> apply(proxy, s))
                            .incremental(incremental)
                            .build()) {
                proxy.start().toCompletableFuture().join();
                client.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
                await().atMost(30, TimeUnit.SECONDS).until(() -> status("/r-0000") == 200);
                assertThat(status("/changed-0")).isEqualTo(200);
                appliedQueue.clear();

                long[] total = new long[CHANGES];
                long[] controlPlane = new long[CHANGES];
                long[] dataPlane = new long[CHANGES];
                for (int i = 1; i <= WARMUP + CHANGES; i++) {
                    String path = "/changed-" + i;
                    long t0 = System.nanoTime();
                    writeHot(path);
                    // Wait for the data plane to swap in a config (no busy polling: a loop of requests would take a
                    // core from the planes it measures), then ask the proxy itself; an intermediate config that
                    // lacks the change means waiting for the next one.
                    while (true) {
                        Long applied = appliedQueue.poll(30, TimeUnit.SECONDS);
                        if (applied == null) {
                            throw new AssertionError("change " + i + " not served after 30 s: " + controller.errors()
                                    + " " + client.status());
                        }
                        if (status(path) == 200) {
                            break;
                        }
                    }
                    long t1 = System.nanoTime();
                    if (i > WARMUP) {
                        int k = i - WARMUP - 1;
                        total[k] = t1 - t0;
                        controlPlane[k] = lastArrived - t0;
                        dataPlane[k] = lastApplied - lastArrived;
                    }
                    assertThat(status("/changed-" + (i - 1))).isEqualTo(404);
                }
                assertThat(client.status().lastNack()).isEmpty();
                assertThat(controller.xdsServer().clients())
                        .allSatisfy(c -> assertThat(c.types().values())
                                .allSatisfy(t -> assertThat(t.lastNack()).isEmpty()));
                return String.format(
                        Locale.ROOT,
                        "  %-5s total        %s%n  %-5s control plane %s%n  %-5s data plane   %s%n",
                        incremental ? "delta" : "sotw",
                        stats(total),
                        "",
                        stats(controlPlane),
                        "",
                        stats(dataPlane));
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /**
     * Where the control plane's time goes, on the same directory: each phase of a reconcile run 40 times in a row
     * (the JIT warms up over the first few), reported as median and minimum.
     */
    private String phases() {
        JsonMapper mapper = JsonMapper.builder()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .build();
        YamlDirectoryLoader loader = YamlDirectoryLoader.builder().build();
        GatewayTranslator translator = GatewayTranslator.builder().build();
        DirectoryReconciler reconciler =
                new DirectoryReconciler(dir, loader, translator, mapper, java.time.Clock.systemUTC());
        String[] names = {
            "revision", "load", "load+stamp+translate", "translate", "encode", "pack+push", "decode (data plane)"
        };
        int runs = 40;
        long[][] t = new long[names.length][runs];
        try (XdsServer xds = XdsServer.builder().build()) {
            for (int i = 0; i < runs; i++) {
                long a = System.nanoTime();
                String revision = reconciler.revision();
                long b = System.nanoTime();
                var loaded = loader.load(dir);
                long c = System.nanoTime();
                DirectoryReconciler.Outcome outcome = reconciler.reconcile(revision);
                long d = System.nanoTime();
                translator.translate(loaded.resources());
                long e = System.nanoTime();
                ConfigSnapshot snapshot = outcome.translation().snapshot().orElseThrow();
                var encoded = EnvoyCodec.encode(snapshot);
                long f = System.nanoTime();
                xds.setDefaultSnapshot(snapshot);
                long g = System.nanoTime();
                EnvoyCodec.decode(encoded);
                long h = System.nanoTime();
                long[] v = {b - a, c - b, d - c, e - d, f - e, g - f, h - g};
                for (int k = 0; k < v.length; k++) {
                    t[k][i] = v[k];
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        StringBuilder out = new StringBuilder("  control-plane phases (median / min of " + runs + " runs):\n");
        for (int k = 0; k < names.length; k++) {
            long[] sorted = t[k].clone();
            Arrays.sort(sorted);
            out.append(String.format(
                    Locale.ROOT,
                    "    %-22s %7.1f ms / %6.1f ms%n",
                    names[k],
                    ms(percentile(sorted, 50)),
                    ms(sorted[0])));
        }
        return out.toString();
    }

    private void apply(NantianProxy proxy, ConfigSnapshot snapshot) throws Exception {
        long arrived = System.nanoTime();
        proxy.update(snapshot).toCompletableFuture().get(30, TimeUnit.SECONDS);
        lastArrived = arrived;
        lastApplied = System.nanoTime();
        appliedQueue.add(lastApplied);
    }

    private static String stats(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return String.format(
                Locale.ROOT,
                "p50 %6.1f ms  p90 %6.1f ms  p99 %6.1f ms  max %6.1f ms",
                ms(percentile(sorted, 50)),
                ms(percentile(sorted, 90)),
                ms(percentile(sorted, 99)),
                ms(sorted[sorted.length - 1]));
    }

    /** Nearest-rank percentile. */
    private static long percentile(long[] sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private int status(String path) throws IOException, InterruptedException {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + path))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private void writeBase(int port, int backend) throws IOException {
        proxyPort = port;
        backendPort = backend;
        List<String> base = new ArrayList<>(List.of(
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: GatewayClass",
                "metadata: {name: nantian}",
                "spec: {controllerName: gateway.networking.k8s.io/nantian-gw}",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: Gateway",
                "metadata: {name: gw, namespace: default}",
                "spec:",
                "  gatewayClassName: nantian",
                "  listeners:",
                "  - {name: http, protocol: HTTP, port: " + port + "}"));
        for (int s = 0; s < 10; s++) {
            base.addAll(List.of(
                    "---",
                    "apiVersion: v1",
                    "kind: Service",
                    "metadata: {name: web-" + s + ", namespace: default}",
                    "spec:",
                    "  clusterIP: 127.0.0.1",
                    "  ports: [{name: http, port: " + backendPort + "}]"));
        }
        Files.writeString(dir.resolve("base.yaml"), String.join("\n", base) + "\n");
        int perFile = 100;
        for (int f = 0; f * perFile < ROUTES - 1; f++) {
            StringBuilder sb = new StringBuilder();
            for (int r = f * perFile; r < Math.min((f + 1) * perFile, ROUTES - 1); r++) {
                String name = String.format(Locale.ROOT, "r-%04d", r);
                sb.append(route(name, "/" + name, "web-" + (r % 10)));
            }
            Files.writeString(dir.resolve(String.format(Locale.ROOT, "routes-%02d.yaml", f)), sb.toString());
        }
    }

    private void writeHot(String path) throws IOException {
        Path tmp = staging.resolve("hot.yaml");
        Files.writeString(tmp, route("hot", path, "web-0"));
        Files.move(tmp, dir.resolve("hot.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private String route(String name, String path, String service) {
        return String.join(
                "\n",
                "---",
                "apiVersion: gateway.networking.k8s.io/v1",
                "kind: HTTPRoute",
                "metadata: {name: " + name + ", namespace: default}",
                "spec:",
                "  parentRefs: [{name: gw}]",
                "  rules:",
                "  - matches: [{path: {type: PathPrefix, value: " + path + "}}]",
                "    backendRefs: [{name: " + service + ", port: " + backendPort + "}]",
                "");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
