package dev.nantian.jmh;

import dev.nantian.core.filter.ConnectionInfo;
import dev.nantian.core.filter.ExchangeHost;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.FilterExchange;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterFactory;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import dev.nantian.core.filter.RouteInfo;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * What a route's extension filters cost per request on the chain side, with {@code filters} no-op filters: one
 * exchange from request head to the end of the response (a GET: head, empty last chunk; a response head with
 * 8 headers and one 1 KiB body chunk), driven the way the Netty proxy's host drives it, against a host that only
 * counts. The proxy adds its own per-request work on top (Netty/SPI header conversion, one task hop to connect),
 * which only an end-to-end run shows: see the note of the filter-chain change for those figures.
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar FilterChain -f 1 -wi 3 -w 2s -i 5 -r 2s
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class FilterChainBenchmark {

    @Param({"1", "4"})
    public int filters;

    private FilterChain chain;
    private ConnectionInfo connection;
    private CountingHost host;
    private ByteBuffer responseBody;

    @Setup
    public void setUp() {
        HttpFilterFactory<String> noop = new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return "bench.nantian.dev/Noop";
            }

            @Override
            public String parseConfig(Object rawConfig) {
                return "noop";
            }

            @Override
            public HttpFilter create(String config) {
                return new HttpFilter() {};
            }
        };
        FilterChain.Builder b = FilterChain.builder(RouteInfo.of("bench/route/rule/0", Map.of()));
        for (int i = 0; i < filters; i++) {
            b.add(noop, "noop");
        }
        chain = b.build();
        connection = ConnectionInfo.plaintext(
                new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8080));
        host = new CountingHost();
        responseBody = ByteBuffer.allocateDirect(1024).asReadOnlyBuffer();
    }

    @Benchmark
    public void exchange(Blackhole bh) {
        FilterExchange fx = chain.newExchange(host, connection);
        HttpRequestHead head = HttpRequestHead.of(
                "GET",
                "/v1/items?page=2",
                "api.example.com",
                HttpHeaders.of(
                        "user-agent", "bench/1.0",
                        "accept", "application/json",
                        "x-forwarded-for", "10.0.0.1",
                        "x-forwarded-proto", "http"));
        fx.onRequestHead(head, true);
        fx.onUpstreamSelected("c", null);
        HttpResponseHead response = HttpResponseHead.of(
                200,
                HttpHeaders.of(
                        "content-type", "application/json",
                        "content-length", "1024",
                        "date", "Sun, 29 Nov 2026 00:00:00 GMT",
                        "server", "backend",
                        "cache-control", "no-store",
                        "x-request-id", "abc",
                        "vary", "accept",
                        "etag", "\"1\""));
        fx.onResponseHead(response, false);
        fx.onResponseBody(responseBody.duplicate(), true);
        bh.consume(host.sent);
    }

    /** Counts what the chain sends; runs everything inline (the chain never schedules with no-op filters). */
    private static final class CountingHost implements ExchangeHost {
        long sent;

        @Override
        public Executor eventLoop() {
            return Runnable::run;
        }

        @Override
        public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void sendRequestHead(HttpRequestHead head, boolean endOfStream) {
            sent++;
        }

        @Override
        public void sendRequestBody(ByteBuffer chunk, boolean endOfStream) {
            sent++;
        }

        @Override
        public void sendRequestTrailers(HttpHeaders trailers) {
            sent++;
        }

        @Override
        public void sendResponseHead(HttpResponseHead head, boolean endOfStream) {
            sent++;
        }

        @Override
        public void sendResponseBody(ByteBuffer chunk, boolean endOfStream) {
            sent += chunk.remaining() > 0 ? 1 : 0;
        }

        @Override
        public void sendResponseTrailers(HttpHeaders trailers) {
            sent++;
        }

        @Override
        public void cancelUpstream() {}

        @Override
        public void resetDownstream(Throwable cause) {}

        @Override
        public void completed(ExchangeStats stats) {
            sent += stats.status();
        }
    }
}
