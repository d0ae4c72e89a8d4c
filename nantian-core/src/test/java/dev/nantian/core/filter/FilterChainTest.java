package dev.nantian.core.filter;

import static dev.nantian.core.filter.FilterAction.await;
import static dev.nantian.core.filter.FilterAction.bufferBody;
import static dev.nantian.core.filter.FilterAction.proceed;
import static dev.nantian.core.filter.FilterAction.proceedWith;
import static dev.nantian.core.filter.TestFilters.chain;
import static dev.nantian.core.filter.TestFilters.get;
import static dev.nantian.core.filter.TestFilters.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.NantianException;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FilterChainTest {
    private final ExecutorService worker = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopWorker() {
        worker.shutdownNow();
    }

    @Test
    void filtersRewriteRequestAndResponseHeads() {
        HttpFilter rewrite = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                head.setMethod("PUT");
                head.setPath("/v2" + head.path());
                head.setAuthority("backend.internal");
                head.headers().set("x-route", ctx.route().name()).remove("content-type");
                return proceed();
            }

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                head.setStatus(201);
                head.headers().add("x-served-by", "nantian");
                return proceed();
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(rewrite))
                .upstream(request ->
                        FakeResponse.builder(200).header("server", "fake").build())
                .build()
                .exchange(post("/items?x=1"), "{}");

        UpstreamRequest upstream = result.upstreamRequest().orElseThrow();
        assertThat(upstream.head().method()).isEqualTo("PUT");
        assertThat(upstream.head().path()).isEqualTo("/v2/items?x=1");
        assertThat(upstream.head().authority()).isEqualTo("backend.internal");
        assertThat(upstream.head().headers().get("X-Route")).isEqualTo("default/test/rule/0");
        assertThat(upstream.head().headers().contains("content-type")).isFalse();
        assertThat(upstream.bodyUtf8()).isEqualTo("{}");
        assertThat(result.status()).isEqualTo(201);
        assertThat(result.headers().get("x-served-by")).isEqualTo("nantian");
        assertThat(result.headers().get("server")).isEqualTo("fake");
    }

    @Test
    void localReplyShortCircuitsTheChainAndSkipsTheUpstream() {
        List<String> calls = new ArrayList<>();
        HttpFilter outer = new Recorder("outer", calls);
        HttpFilter deny = new Recorder("deny", calls) {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                super.onRequestHead(ctx, head, endOfStream);
                return LocalReply.of(401, "application/json", "{\"error\":\"no key\"}");
            }
        };
        HttpFilter inner = new Recorder("inner", calls);
        AtomicInteger upstreamCalls = new AtomicInteger();

        ExchangeResult result = FilterChainTester.builder(chain(outer, deny, inner))
                .upstream(request -> {
                    upstreamCalls.incrementAndGet();
                    return FakeResponse.of(200);
                })
                .build()
                .exchange(post("/chat"), "{\"a\":1}", "{\"b\":2}");

        assertThat(result.status()).isEqualTo(401);
        assertThat(result.bodyUtf8()).isEqualTo("{\"error\":\"no key\"}");
        assertThat(result.headers().get("content-length")).isEqualTo("18");
        assertThat(result.upstreamRequest()).isEmpty();
        assertThat(upstreamCalls).hasValue(0);
        // Only the filter outside the one that replied sees the reply; the inner one never runs but completes.
        assertThat(calls)
                .containsExactly(
                        "outer:reqHead",
                        "deny:reqHead",
                        "outer:respHead:401",
                        "outer:respBody:last",
                        "inner:complete",
                        "deny:complete",
                        "outer:complete");
    }

    @Test
    void bufferingDeliversTheWholeBodyOnceWithinTheLimit() {
        List<String> seen = new ArrayList<>();
        HttpFilter collector = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return bufferBody(10);
            }

            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                seen.add(BodyBuffers.toUtf8(chunk) + (last ? "|last" : ""));
                return proceed();
            }
        };

        ExchangeResult result =
                FilterChainTester.builder(chain(collector)).build().exchange(post("/"), "0123", "456789");

        assertThat(seen).containsExactly("0123456789|last");
        assertThat(result.upstreamRequest().orElseThrow().bodyUtf8()).isEqualTo("0123456789");
        assertThat(result.upstreamRequest().orElseThrow().head().headers().get("content-length"))
                .isEqualTo("10");
    }

    @Test
    void requestBodyBeyondTheBufferLimitGets413() {
        HttpFilter collector = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return bufferBody();
            }
        };
        FilterChain chain = chain(FilterChain.builder(TestFilters.ROUTE).maxBufferBytes(8), collector);

        ExchangeResult result = FilterChainTester.builder(chain).build().exchange(post("/"), "01234", "56789");

        assertThat(result.status()).isEqualTo(413);
        assertThat(result.upstreamRequest()).isEmpty();
        assertThat(result.stats().localReply()).isTrue();
        assertThat(result.stats().error()).isInstanceOfSatisfying(NantianException.class, e -> assertThat(e.category())
                .isEqualTo(NantianException.Category.LIMIT));
    }

    @Test
    void responseBodyBeyondTheBufferLimitGets500() {
        HttpFilter collector = new HttpFilter() {
            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                return bufferBody(4);
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(collector))
                .upstream(request -> FakeResponse.of(200, "abc", "def"))
                .build()
                .exchange(get("/"));

        assertThat(result.status()).isEqualTo(500);
        assertThat(result.body()).isEmpty();
        assertThat(result.stats().error()).hasMessageContaining("response body exceeds the 4 byte buffer limit");
    }

    @Test
    void bufferedBodyCanBeReplacedAndTheHeadRewrittenAfterSeeingIt() {
        HttpFilter translate = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                head.headers().set("content-length", "999");
                return bufferBody();
            }

            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer body, boolean last) {
                String model = BodyBuffers.toUtf8(body).contains("claude") ? "anthropic" : "openai";
                ctx.selectUpstream(model);
                ctx.request().setPath("/v1/messages");
                return proceedWith(BodyBuffers.utf8("{\"translated\":true}"));
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(translate))
                .build()
                .exchange(post("/v1/chat/completions"), "{\"model\":", "\"claude\"}");

        UpstreamRequest upstream = result.upstreamRequest().orElseThrow();
        assertThat(upstream.bodyUtf8()).isEqualTo("{\"translated\":true}");
        assertThat(upstream.head().headers().get("content-length")).isEqualTo("19");
        assertThat(upstream.head().path()).isEqualTo("/v1/messages");
        assertThat(upstream.cluster()).isEqualTo("anthropic");
        assertThat(result.stats().upstreamCluster()).isEqualTo("anthropic");
    }

    @Test
    void streamingTransformCarriesPartialEventsOverToTheNextChunk() {
        // Upper-cases each complete SSE event; an event split across chunks is held back until it is complete.
        HttpFilter sse = new HttpFilter() {
            private final StringBuilder carry = new StringBuilder();

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                head.headers().remove("content-length");
                return proceed();
            }

            @Override
            public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                carry.append(BodyBuffers.toUtf8(chunk));
                int end = carry.lastIndexOf("\n\n");
                StringBuilder out = new StringBuilder();
                if (end >= 0) {
                    out.append(carry, 0, end + 2);
                    carry.delete(0, end + 2);
                }
                if (last) {
                    out.append(carry).append("data: [DONE]\n\n");
                }
                return proceedWith(BodyBuffers.utf8(out.toString().toUpperCase(java.util.Locale.ROOT)));
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(sse))
                .upstream(request -> FakeResponse.builder(200)
                        .header("content-type", "text/event-stream")
                        .header("content-length", "37")
                        .chunk("data: a\n\ndata: ")
                        .chunk("b\n")
                        .chunk("\ndata: c\n\n")
                        .build())
                .build()
                .exchange(get("/stream"));

        // The middle chunk held only part of an event: nothing was written for it.
        assertThat(result.bodyChunksUtf8()).containsExactly("DATA: A\n\n", "DATA: B\n\nDATA: C\n\nDATA: [DONE]\n\n");
        assertThat(result.headers().contains("content-length")).isFalse();
        assertThat(result.stats().responseBodyBytes()).isEqualTo(result.body().length);
    }

    @Test
    void asyncFilterResumesOnTheEventLoopAndQueuedChunksFollowInOrder() {
        Thread loop = Thread.currentThread();
        List<String> seen = new ArrayList<>();
        HttpFilter quota = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return await(CompletableFuture.supplyAsync(
                        () -> {
                            head.headers().add("x-quota", "ok"); // the head is handed over while paused
                            return proceed();
                        },
                        worker));
            }

            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                assertThat(Thread.currentThread()).isSameAs(loop);
                seen.add(BodyBuffers.toUtf8(chunk));
                return proceed();
            }
        };
        HttpFilter slowChunks = new HttpFilter() {
            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                String text = BodyBuffers.toUtf8(chunk);
                return await(
                        CompletableFuture.supplyAsync(() -> proceedWith(BodyBuffers.utf8("<" + text + ">")), worker));
            }
        };

        ExchangeResult result =
                FilterChainTester.builder(chain(quota, slowChunks)).build().exchange(post("/"), "one", "two", "three");

        UpstreamRequest upstream = result.upstreamRequest().orElseThrow();
        assertThat(upstream.head().headers().get("x-quota")).isEqualTo("ok");
        // The tester scribbles over lent chunks after each call: intact text proves the queue copied them.
        assertThat(seen).containsExactly("one", "two", "three");
        assertThat(upstream.bodyUtf8()).isEqualTo("<one><two><three>");
        assertThat(result.status()).isEqualTo(200);
    }

    @Test
    void asyncFailureGives500AndIsRecorded() {
        HttpFilter broken = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return await(CompletableFuture.supplyAsync(
                        () -> {
                            throw new IllegalStateException("quota service down");
                        },
                        worker));
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(broken)).build().exchange(get("/"));

        assertThat(result.status()).isEqualTo(500);
        assertThat(result.upstreamRequest()).isEmpty();
        assertThat(result.stats().error()).hasRootCauseMessage("quota service down");
    }

    @Test
    void asyncFailureHandlerCanFailOpen() {
        HttpFilter failOpen = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return await(CompletableFuture.<FilterAction>failedFuture(new IllegalStateException("down")))
                        .withFailureHandler(t -> proceed());
            }
        };

        ExchangeResult result =
                FilterChainTester.builder(chain(failOpen)).build().exchange(get("/"));

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.stats().succeeded()).isTrue();
    }

    @Test
    void asyncWorkThatNeverCompletesTimesOutWith500() {
        HttpFilter hangs = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return await(new CompletableFuture<FilterAction>()).withTimeout(Duration.ofMillis(50));
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(hangs)).build().exchange(get("/"));

        assertThat(result.status()).isEqualTo(500);
        assertThat(result.stats().error()).hasCauseInstanceOf(TimeoutException.class);
    }

    @Test
    void asyncWorkCanEndInALocalReply() {
        HttpFilter auth = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return await(ctx.callout(
                                "authz",
                                HttpRequestHead.of("GET", "/check", "authz"),
                                BodyBuffers.EMPTY,
                                Duration.ofSeconds(1))
                        .thenApply(response -> response.head().status() == 200 ? proceed() : LocalReply.of(403)));
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(auth))
                .callouts(request -> FakeResponse.of(request.cluster().equals("authz") ? 403 : 200))
                .build()
                .exchange(get("/"));

        assertThat(result.status()).isEqualTo(403);
        assertThat(result.upstreamRequest()).isEmpty();
    }

    @Test
    void responseCallbacksRunInReverseOrder() {
        List<String> calls = new ArrayList<>();

        FilterChainTester.builder(chain(new Recorder("a", calls), new Recorder("b", calls), new Recorder("c", calls)))
                .upstream(request -> FakeResponse.of(200, "x"))
                .build()
                .exchange(get("/"));

        assertThat(calls)
                .containsExactly(
                        "a:reqHead",
                        "b:reqHead",
                        "c:reqHead",
                        "a:reqBody:last",
                        "b:reqBody:last",
                        "c:reqBody:last",
                        "c:respHead:200",
                        "b:respHead:200",
                        "a:respHead:200",
                        "c:respBody:last",
                        "b:respBody:last",
                        "a:respBody:last",
                        "c:complete",
                        "b:complete",
                        "a:complete");
    }

    @Test
    void logFieldsReachTheStatsInFirstSetOrderAndNullRemovesOne() {
        List<ExchangeStats> completions = new ArrayList<>();
        HttpFilter recorder = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.setLogField("ext.model", "m1");
                ctx.setLogField("ext.gone", "x");
                ctx.setLogField("ext.tokens", "1");
                return proceed();
            }

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                ctx.setLogField("ext.tokens", "42");
                ctx.setLogField("ext.gone", null);
                return proceed();
            }

            @Override
            public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
                completions.add(stats);
            }
        };
        FilterChainTester tester = FilterChainTester.builder(chain(recorder))
                .upstream(request -> FakeResponse.of(200, "ok"))
                .build();

        tester.exchange(get("/a"));

        assertThat(completions).hasSize(1);
        assertThat(completions.get(0).logFields())
                .containsExactly(Map.entry("ext.model", "m1"), Map.entry("ext.tokens", "42"));
        assertThatThrownBy(() -> completions.get(0).logFields().put("x", "y"))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void completionRunsOnceWithStatsAfterSuccessLocalReplyAndFailures() {
        List<ExchangeStats> completions = new ArrayList<>();
        HttpFilter observer = new HttpFilter() {
            @Override
            public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
                completions.add(stats);
            }
        };
        HttpFilter thrower = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                if (head.path().equals("/throw")) {
                    throw new IllegalArgumentException("bug");
                }
                return head.path().equals("/deny") ? LocalReply.of(429) : proceed();
            }
        };
        FilterChainTester tester = FilterChainTester.builder(chain(observer, thrower))
                .upstream(request -> {
                    if (request.head().path().equals("/down")) {
                        throw new IllegalStateException("connection refused");
                    }
                    return FakeResponse.of(200, "hello");
                })
                .build();

        tester.exchange(post("/ok"), "ping");
        tester.exchange(get("/deny"));
        tester.exchange(get("/throw"));
        tester.exchange(get("/down"));

        assertThat(completions).hasSize(4);
        ExchangeStats ok = completions.get(0);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.requestBodyBytes()).isEqualTo(4);
        assertThat(ok.responseBodyBytes()).isEqualTo(5);
        assertThat(ok.upstreamCluster()).isEqualTo("default");
        assertThat(ok.firstByteNanos()).isBetween(0L, ok.durationNanos());
        assertThat(ok.localReply()).isFalse();
        assertThat(ok.succeeded()).isTrue();

        assertThat(completions.get(1).status()).isEqualTo(429);
        assertThat(completions.get(1).localReply()).isTrue();
        assertThat(completions.get(1).upstreamCluster()).isNull();

        assertThat(completions.get(2).status()).isEqualTo(500);
        assertThat(completions.get(2).error()).hasRootCauseMessage("bug");

        assertThat(completions.get(3).status()).isEqualTo(503);
        assertThat(completions.get(3).error()).hasMessage("connection refused");
    }

    @Test
    void upstreamSelectionAndUpstreamHeadersReachTheUpstreamOnly() {
        InetSocketAddress pinned = InetSocketAddress.createUnresolved("10.0.0.7", 8443);
        HttpFilter router = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.selectUpstream("openai", pinned);
                ctx.upstreamRequestHeaders().set("authorization", "Bearer sk-secret");
                return proceed();
            }

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                head.headers()
                        .set(
                                "x-saw-authorization",
                                String.valueOf(ctx.request().headers().contains("authorization")));
                return proceed();
            }
        };
        AtomicReference<UpstreamRequest> received = new AtomicReference<>();

        ExchangeResult result = FilterChainTester.builder(chain(router))
                .upstream(request -> {
                    received.set(request);
                    return FakeResponse.of(200);
                })
                .build()
                .exchange(get("/v1/models"));

        assertThat(received.get().cluster()).isEqualTo("openai");
        assertThat(received.get().endpoint()).isEqualTo(pinned);
        assertThat(received.get().head().headers().get("authorization")).isEqualTo("Bearer sk-secret");
        assertThat(result.headers().get("x-saw-authorization")).isEqualTo("false");
        assertThat(result.stats().upstreamCluster()).isEqualTo("openai");
        assertThat(result.stats().upstreamEndpoint()).isEqualTo(pinned);
    }

    @Test
    void attributesAreSharedBetweenFiltersOfOneExchange() {
        AttributeKey<Integer> tokens = AttributeKey.of("tokens");
        AtomicReference<Integer> charged = new AtomicReference<>();
        HttpFilter limiter = new HttpFilter() {
            @Override
            public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
                charged.set(ctx.attr(tokens));
            }
        };
        HttpFilter ai = new HttpFilter() {
            @Override
            public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                Integer sofar = ctx.attr(tokens);
                ctx.setAttr(tokens, (sofar == null ? 0 : sofar) + chunk.remaining());
                assertThat(ctx.filterConfig(String.class)).isEqualTo("config-1");
                return proceed();
            }
        };

        FilterChainTester.builder(chain(limiter, ai))
                .upstream(request -> FakeResponse.of(200, "abc", "de"))
                .build()
                .exchange(get("/"));

        assertThat(charged.get()).isEqualTo(5);
    }

    @Test
    void trailersFollowOneLastBodyCall() {
        List<String> calls = new ArrayList<>();
        HttpFilter recorder = new Recorder("r", calls) {
            @Override
            public FilterAction onResponseTrailers(HttpFilterContext ctx, HttpHeaders trailers) {
                calls.add("r:respTrailers:" + trailers.get("grpc-status"));
                trailers.set("x-added", "1");
                return proceed();
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(recorder))
                .upstream(request -> FakeResponse.builder(200)
                        .chunk("frame")
                        .trailer("grpc-status", "0")
                        .build())
                .build()
                .exchange(get("/grpc"));

        assertThat(calls).containsSubsequence("r:respBody", "r:respBody:last", "r:respTrailers:0", "r:complete");
        assertThat(result.trailers().get("x-added")).isEqualTo("1");
        assertThat(result.bodyUtf8()).isEqualTo("frame");
    }

    @Test
    void localReplyAfterTheResponseStartedResetsTheStream() {
        HttpFilter late = new HttpFilter() {
            @Override
            public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                return BodyBuffers.toUtf8(chunk).contains("bad") ? LocalReply.of(500) : proceed();
            }
        };

        ExchangeResult result = FilterChainTester.builder(chain(late))
                .upstream(request -> FakeResponse.of(200, "good ", "bad"))
                .build()
                .exchange(get("/"));

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo("good ");
        assertThat(result.reset()).isPresent();
        assertThat(result.stats().succeeded()).isFalse();
    }

    @Test
    void chunksGivenToFiltersAreReadOnlyAndRestoredForTheNextFilter() {
        List<String> seen = new ArrayList<>();
        HttpFilter consumer = new HttpFilter() {
            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                assertThat(chunk.isReadOnly()).isTrue();
                byte[] all = new byte[chunk.remaining()];
                chunk.get(all); // moves the position
                return proceed();
            }
        };
        HttpFilter reader = new HttpFilter() {
            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                seen.add(StandardCharsets.UTF_8.decode(chunk).toString());
                return proceed();
            }
        };

        ExchangeResult result =
                FilterChainTester.builder(chain(consumer, reader)).build().exchange(post("/"), "abc");

        assertThat(seen).containsExactly("abc");
        assertThat(result.upstreamRequest().orElseThrow().bodyUtf8()).isEqualTo("abc");
    }

    /** Records its callbacks as {@code name:callback[:detail]}. */
    static class Recorder implements HttpFilter {
        private final String name;
        private final List<String> calls;

        Recorder(String name, List<String> calls) {
            this.name = name;
            this.calls = calls;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
            calls.add(name + ":reqHead");
            return proceed();
        }

        @Override
        public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
            calls.add(name + ":reqBody" + (last ? ":last" : ""));
            return proceed();
        }

        @Override
        public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
            calls.add(name + ":respHead:" + head.status());
            return proceed();
        }

        @Override
        public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
            calls.add(name + ":respBody" + (last ? ":last" : ""));
            return proceed();
        }

        @Override
        public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
            calls.add(name + ":complete");
        }
    }
}
