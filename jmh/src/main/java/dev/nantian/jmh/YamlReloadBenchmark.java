package dev.nantian.jmh;

import dev.nantian.k8s.source.LoadResult;
import dev.nantian.k8s.source.YamlDirectoryLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link YamlDirectoryLoader#load} as the standalone gateway and the controller call it on every change: the
 * directory of the convergence benchmark (issue 5), one GatewayClass, one Gateway, 10 Services and 1,000 HTTPRoutes
 * in ten files of 100 plus one file with the route that changes. Each invocation rewrites that one file (a new path,
 * moved in atomically, as an editor or {@code kubectl} would) and reloads the whole directory with the same loader.
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar YamlReload -f 1 -wi 3 -i 5
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class YamlReloadBenchmark {
    private static final int ROUTES = 1000;
    private static final int PER_FILE = 100;

    private Path dir;
    private Path staging;
    private YamlDirectoryLoader loader;
    private int change;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("nantian-reload");
        staging = Files.createTempDirectory("nantian-reload-staging");
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
                "  - {name: http, protocol: HTTP, port: 8080}"));
        for (int s = 0; s < 10; s++) {
            base.addAll(List.of(
                    "---",
                    "apiVersion: v1",
                    "kind: Service",
                    "metadata: {name: web-" + s + ", namespace: default}",
                    "spec:",
                    "  clusterIP: 127.0.0.1",
                    "  ports: [{name: http, port: 9090}]"));
        }
        Files.writeString(dir.resolve("base.yaml"), String.join("\n", base) + "\n");
        for (int f = 0; f * PER_FILE < ROUTES - 1; f++) {
            StringBuilder sb = new StringBuilder();
            for (int r = f * PER_FILE; r < Math.min((f + 1) * PER_FILE, ROUTES - 1); r++) {
                String name = String.format(Locale.ROOT, "r-%04d", r);
                sb.append(route(name, "/" + name, "web-" + (r % 10)));
            }
            Files.writeString(dir.resolve(String.format(Locale.ROOT, "routes-%02d.yaml", f)), sb.toString());
        }
        writeHot();
        loader = YamlDirectoryLoader.builder().build();
        LoadResult first = loader.load(dir);
        if (!first.isClean() || first.resources().httpRoutes().size() != ROUTES) {
            throw new IllegalStateException("bad fixture: " + first.errors());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        for (Path p : List.of(dir, staging)) {
            try (Stream<Path> walk = Files.walk(p)) {
                walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    @Benchmark
    public LoadResult reloadAfterOneFileChanged() throws IOException {
        writeHot();
        return loader.load(dir);
    }

    private void writeHot() {
        try {
            Path tmp = staging.resolve("hot.yaml");
            Files.writeString(tmp, route("hot", "/changed-" + change++, "web-0"));
            Files.move(
                    tmp, dir.resolve("hot.yaml"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String route(String name, String path, String service) {
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
                "    backendRefs: [{name: " + service + ", port: 9090}]",
                "");
    }
}
