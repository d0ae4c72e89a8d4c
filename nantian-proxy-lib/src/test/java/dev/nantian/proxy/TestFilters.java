package dev.nantian.proxy;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.CalloutResponse;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterAction;
import dev.nantian.core.filter.FilterRegistry;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpFilterFactory;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import dev.nantian.core.filter.LocalReply;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.RouteFilter;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Small extension filters for the proxy's filter-chain tests, registered per test class (no static state): each
 * kind is {@code test.nantian.dev/<Name>} and reads the spec of its {@link ExtensionConfig}.
 */
final class TestFilters {
    static final String GROUP = "test.nantian.dev";

    /** Every exchange that completed on a filter of these factories, with its stats. */
    final Queue<ExchangeStats> completed = new ConcurrentLinkedQueue<>();
    /** How many times a Fallback filter retried. */
    final AtomicInteger retries = new AtomicInteger();

    FilterRegistry registry() {
        return FilterRegistry.builder()
                .register(factory("AddHeader", spec -> new AddHeader(spec)))
                .register(factory("ReplaceBody", spec -> new ReplaceBody()))
                .register(factory("Deny", spec -> new Deny(((Number) spec.getOrDefault("status", 429)).intValue())))
                .register(factory("Select", spec -> new Select((String) spec.get("cluster"))))
                .register(factory("Upper", spec -> new Upper()))
                .register(factory("Await", spec -> new Await()))
                .register(factory("Callout", spec -> new Callout((String) spec.get("cluster"))))
                .register(factory("Fallback", spec -> new Fallback((String) spec.get("to"))))
                .register(factory("Tag", spec -> new Tag((String) spec.get("value"))))
                .register(factory("ConnInfo", spec -> new ConnInfo()))
                .build();
    }

    static ExtensionConfig config(String kind, String name, Map<String, Object> spec) {
        return new ExtensionConfig(GROUP, kind, "test", name, spec);
    }

    static RouteFilter.ExtensionRef ref(String kind, String name) {
        return new RouteFilter.ExtensionRef(GROUP, kind, "test", name);
    }

    private HttpFilterFactory<Map<String, Object>> factory(
            String kind, Function<Map<String, Object>, HttpFilter> create) {
        return new HttpFilterFactory<>() {
            @Override
            public String kind() {
                return GROUP + "/" + kind;
            }

            @Override
            public Map<String, Object> parseConfig(Object rawConfig) {
                if (!(rawConfig instanceof ExtensionConfig object)) {
                    throw new ConfigValidationException(List.of(kind + ": expected an ExtensionConfig"));
                }
                if (object.spec().containsKey("invalid")) {
                    throw new ConfigValidationException(
                            List.of(kind + " " + object.key() + ": spec.invalid is not allowed"));
                }
                return object.spec();
            }

            @Override
            public HttpFilter create(Map<String, Object> config) {
                HttpFilter filter = create.apply(config);
                return new HttpFilter() {
                    // Delegation keeps the completion record in one place for every kind.
                    @Override
                    public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
                        return filter.onRequestHead(ctx, head, eos);
                    }

                    @Override
                    public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                        return filter.onRequestBody(ctx, chunk, last);
                    }

                    @Override
                    public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean eos) {
                        return filter.onResponseHead(ctx, head, eos);
                    }

                    @Override
                    public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                        return filter.onResponseBody(ctx, chunk, last);
                    }

                    @Override
                    public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
                        completed.add(stats);
                    }
                };
            }
        };
    }

    /** Sets {@code spec.request} headers on the request and {@code spec.response} headers on the response. */
    private static final class AddHeader implements HttpFilter {
        private final Map<String, Object> spec;

        AddHeader(Map<String, Object> spec) {
            this.spec = spec;
        }

        @Override
        @SuppressWarnings("unchecked")
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            ((Map<String, Object>) spec.getOrDefault("request", Map.of()))
                    .forEach((k, v) -> head.headers().set(k, (String) v));
            return FilterAction.proceed();
        }

        @Override
        @SuppressWarnings("unchecked")
        public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean eos) {
            ((Map<String, Object>) spec.getOrDefault("response", Map.of()))
                    .forEach((k, v) -> head.headers().set(k, (String) v));
            return FilterAction.proceed();
        }
    }

    /** Buffers the request body and replaces it with {@code replaced:<BODY IN UPPER CASE>}. */
    private static final class ReplaceBody implements HttpFilter {
        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            return FilterAction.bufferBody();
        }

        @Override
        public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
            return FilterAction.proceedWith(
                    BodyBuffers.utf8("replaced:" + BodyBuffers.toUtf8(chunk).toUpperCase(Locale.ROOT)));
        }
    }

    /** Answers {@code spec.status} (429 by default) itself. */
    private static final class Deny implements HttpFilter {
        private final int status;

        Deny(int status) {
            this.status = status;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            return LocalReply.of(status, "text/plain", "slow down");
        }
    }

    /** Sends the request to another cluster. */
    private static final class Select implements HttpFilter {
        private final String cluster;

        Select(String cluster) {
            this.cluster = cluster;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            ctx.selectUpstream(cluster);
            return FilterAction.proceed();
        }
    }

    /** Upper-cases the response body as it streams. */
    private static final class Upper implements HttpFilter {
        @Override
        public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean eos) {
            head.headers().remove("content-length");
            head.headers().set("x-upper", "1");
            return FilterAction.proceed();
        }

        @Override
        public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
            return FilterAction.proceedWith(
                    BodyBuffers.utf8(BodyBuffers.toUtf8(chunk).toUpperCase(Locale.ROOT)));
        }
    }

    /** Waits 50 ms on another thread, then adds a header on the event loop. */
    private static final class Await implements HttpFilter {
        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            CompletableFuture<String> slow = CompletableFuture.supplyAsync(
                    () -> Thread.currentThread().getName(),
                    CompletableFuture.delayedExecutor(50, TimeUnit.MILLISECONDS));
            return FilterAction.await(slow.thenApplyAsync(
                    thread -> {
                        head.headers().set("x-awaited", "yes");
                        return FilterAction.proceed();
                    },
                    ctx.eventLoop()));
        }
    }

    /** Asks {@code spec.cluster} first and passes its status and first body line on as request headers. */
    private static final class Callout implements HttpFilter {
        private final String cluster;

        Callout(String cluster) {
            this.cluster = cluster;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            HttpRequestHead side = HttpRequestHead.of("GET", "/callout", "callout.test");
            return FilterAction.await(ctx.callout(cluster, side, BodyBuffers.EMPTY, Duration.ofSeconds(5))
                    .thenApplyAsync(
                            (CalloutResponse r) -> {
                                head.headers()
                                        .set(
                                                "x-callout-status",
                                                Integer.toString(r.head().status()));
                                head.headers()
                                        .set(
                                                "x-callout-line",
                                                BodyBuffers.toUtf8(r.body())
                                                        .lines()
                                                        .findFirst()
                                                        .orElse(""));
                                return FilterAction.proceed();
                            },
                            ctx.eventLoop()));
        }
    }

    /**
     * Keeps the request and, when the response (or the stand-in for an upstream failure) is a 5xx, sends it again
     * to {@code spec.to}, once.
     */
    private final class Fallback implements HttpFilter {
        private final String to;
        private HttpRequestHead head;
        private ByteBuffer body;
        private boolean retried;

        Fallback(String to) {
            this.to = to;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            return FilterAction.bufferBody();
        }

        @Override
        public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
            HttpRequestHead r = ctx.request();
            head = HttpRequestHead.of(r.method(), r.path(), r.authority(), HttpHeaders.copyOf(r.headers()));
            body = BodyBuffers.copy(chunk);
            return FilterAction.proceed();
        }

        @Override
        public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead response, boolean eos) {
            if (response.status() >= 500 && !retried) {
                retried = true;
                retries.incrementAndGet();
                HttpRequestHead again = HttpRequestHead.of(
                        head.method(), head.path(), head.authority(), HttpHeaders.copyOf(head.headers()));
                again.headers().set("x-fallback", ctx.upstreamFailure() == null ? "status" : "failure");
                return FilterAction.retry(again, body.duplicate()).toCluster(to);
            }
            return FilterAction.proceed();
        }
    }

    /** Records {@code spec.value} as the log field {@code test.tag}. */
    private static final class Tag implements HttpFilter {
        private final String value;

        Tag(String value) {
            this.value = value;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            ctx.setLogField("test.tag", value);
            return FilterAction.proceed();
        }
    }

    /** Passes what the filter knows of the downstream connection on as {@code x-conn: tls=<bool> sni=<name>}. */
    private static final class ConnInfo implements HttpFilter {
        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean eos) {
            head.headers()
                    .set(
                            "x-conn",
                            "tls=" + ctx.connection().isTls() + " sni="
                                    + ctx.connection().sni());
            return FilterAction.proceed();
        }
    }
}
