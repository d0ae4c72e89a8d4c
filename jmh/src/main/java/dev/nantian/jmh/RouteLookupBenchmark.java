package dev.nantian.jmh;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.core.routing.HeaderLookup;
import dev.nantian.core.routing.HttpRouteMatchResult;
import dev.nantian.core.routing.HttpRouter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@link HttpRouter#match} on a route table of 10, 1,000 or 10,000 entries spread over up to 100 host names (90 exact,
 * 10 wildcard), mixing exact paths, prefixes, prefixes with header, method and query conditions. Each invocation
 * takes the next of 4,096 pre-generated requests: most hit a route (with random host case and ports), about one in
 * eight misses (unknown host, unknown path, or failing header).
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar RouteLookup -f 1 -wi 3 -w 2s -i 5 -r 2s
 * }</pre>
 */
@BenchmarkMode({Mode.AverageTime, Mode.SampleTime})
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class RouteLookupBenchmark {
    private static final int HOSTS = 100;
    private static final int REQUESTS = 4096;

    @Param({"10", "1000", "10000"})
    public int routes;

    private HttpRouter router;
    private Request[] requests;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(42);
        int hosts = Math.min(HOSTS, routes);
        List<List<HttpRoute>> byHost = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            byHost.add(new ArrayList<>());
        }
        List<Request> hits = new ArrayList<>();
        for (int i = 0; i < routes; i++) {
            int h = i % hosts;
            int j = i / hosts;
            String base = "/svc" + h + "/api/v" + j;
            HttpRouteMatch match;
            String target;
            String method = "GET";
            String[] headers = {"accept", "*/*", "user-agent", "bench"};
            switch (j % 4) {
                case 0:
                    match = HttpRouteMatch.path(new PathMatch.Exact(base + "/items"));
                    target = base + "/items";
                    break;
                case 1:
                    match = HttpRouteMatch.path(new PathMatch.Prefix(base));
                    target = base + "/items/" + random.nextInt(1000) + "?page=2";
                    break;
                case 2:
                    match = new HttpRouteMatch(
                            new PathMatch.Prefix(base),
                            Optional.empty(),
                            List.of(HeaderMatch.exact("x-tenant", "t" + j)),
                            List.of());
                    target = base + "/orders/" + random.nextInt(1000);
                    headers = new String[] {"accept", "*/*", "x-tenant", "t" + j, "user-agent", "bench"};
                    break;
                default:
                    match = new HttpRouteMatch(
                            new PathMatch.Prefix(base),
                            Optional.of("POST"),
                            List.of(),
                            List.of(QueryParamMatch.exact("mode", "fast")));
                    target = base + "/jobs?trace=1&mode=fast";
                    method = "POST";
                    break;
            }
            RouteMeta meta = new RouteMeta(
                    "HTTPRoute", "ns" + h, "route" + j, Instant.ofEpochSecond(i), 0, Optional.empty(), 0, Map.of());
            byHost.get(h)
                    .add(HttpRoute.builder(meta, new RouteAction.Forward(List.of(Backend.ClusterBackend.of("c" + i))))
                            .match(match)
                            .build());
            hits.add(new Request(host(h, random), target, method, new Headers(headers)));
        }
        List<VirtualHost> vhosts = new ArrayList<>();
        for (int h = 0; h < hosts; h++) {
            vhosts.add(new VirtualHost("vh" + h, List.of(domain(h)), byHost.get(h)));
        }
        router = HttpRouter.compile(
                List.of(Listener.builder("bench/gw/http", 8080, ListenerProtocol.HTTP, new ListenerRoutes.Http(vhosts))
                        .build()));

        requests = new Request[REQUESTS];
        Headers plain = new Headers("accept", "*/*", "user-agent", "bench");
        for (int i = 0; i < REQUESTS; i++) {
            Request hit = hits.get(random.nextInt(hits.size()));
            switch (random.nextInt(24)) {
                case 0:
                    requests[i] = new Request("unknown.example.org", hit.target, hit.method, hit.headers);
                    break;
                case 1:
                    requests[i] = new Request(hit.host, "/nowhere/" + i, "GET", plain);
                    break;
                case 2:
                    requests[i] = new Request(hit.host, hit.target, hit.method, plain);
                    break;
                default:
                    requests[i] = hit;
            }
        }
        for (Request r : requests) {
            if (router.match(r.host, r.target, r.method, r.headers) == null) {
                throw new AssertionError();
            }
        }
    }

    private static String domain(int h) {
        return h % 10 == 9 ? "*.w" + h + ".example.com" : "svc" + h + ".example.com";
    }

    private static String host(int h, SplittableRandom random) {
        String host = h % 10 == 9 ? "app" + random.nextInt(10) + ".w" + h + ".example.com" : "svc" + h + ".example.com";
        switch (random.nextInt(4)) {
            case 0:
                return host + ":8080";
            case 1:
                return host.toUpperCase(java.util.Locale.ROOT);
            default:
                return host;
        }
    }

    @Benchmark
    public HttpRouteMatchResult lookup() {
        Request r = requests[next++ & (REQUESTS - 1)];
        return router.match(r.host, r.target, r.method, r.headers);
    }

    /** A pre-parsed request as a proxy would hold it. */
    private static final class Request {
        final String host;
        final String target;
        final String method;
        final Headers headers;

        Request(String host, String target, String method, Headers headers) {
            this.host = host;
            this.target = target;
            this.method = method;
            this.headers = headers;
        }
    }

    /** A small header list with lower-case names, scanned linearly like a proxy's header object. */
    private static final class Headers implements HeaderLookup {
        private final String[] namesAndValues;

        Headers(String... namesAndValues) {
            this.namesAndValues = namesAndValues;
        }

        @Override
        public String first(String lowerCaseName) {
            for (int i = 0; i < namesAndValues.length; i += 2) {
                if (namesAndValues[i].equals(lowerCaseName)) {
                    return namesAndValues[i + 1];
                }
            }
            return null;
        }
    }
}
