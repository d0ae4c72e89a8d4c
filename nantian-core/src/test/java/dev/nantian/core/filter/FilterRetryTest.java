package dev.nantian.core.filter;

import static dev.nantian.core.filter.FilterAction.bufferBody;
import static dev.nantian.core.filter.FilterAction.proceed;
import static dev.nantian.core.filter.FilterAction.retry;
import static dev.nantian.core.filter.TestFilters.chain;
import static dev.nantian.core.filter.TestFilters.post;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.filter.FilterChainTest.Recorder;
import dev.nantian.core.filter.testing.ExchangeResult;
import dev.nantian.core.filter.testing.FakeResponse;
import dev.nantian.core.filter.testing.FilterChainTester;
import dev.nantian.core.filter.testing.UpstreamRequest;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class FilterRetryTest {

    /** Falls back once to cluster "b" with its own path, body and credentials when the first attempt fails. */
    private static class FallBack implements HttpFilter {
        final List<String> seen = new ArrayList<>();
        final List<Throwable> failures = new ArrayList<>();
        private final int maxRetries;
        private int retries;

        FallBack(int maxRetries) {
            this.maxRetries = maxRetries;
        }

        @Override
        public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
            ctx.upstreamRequestHeaders().set("x-key", "key-a");
            return proceed();
        }

        @Override
        public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
            seen.add(head.status() + (ctx.upstreamFailure() != null ? ":failure" : ""));
            failures.add(ctx.upstreamFailure());
            if ((head.status() == 429 || head.status() >= 500) && retries < maxRetries) {
                retries++;
                return nextAttempt(ctx);
            }
            return proceed();
        }

        static FilterAction nextAttempt(HttpFilterContext ctx) {
            ctx.upstreamRequestHeaders().set("x-key", "key-b");
            // A generous bound for the new attempt: only a first attempt that never answers may time out here.
            ctx.setResponseHeadTimeout(Duration.ofSeconds(30));
            HttpRequestHead head =
                    HttpRequestHead.of("POST", "/b/v1", "b.internal", HttpHeaders.of("content-type", "text/plain"));
            return retry(head, BodyBuffers.utf8("body for b")).toCluster("b");
        }
    }

    private static ExchangeResult run(FilterChain chain, Function<UpstreamRequest, FakeResponse> upstream) {
        return FilterChainTester.builder(chain).upstream(upstream).build().exchange(post("/a"), "body for a");
    }

    /** {@code first} from the route's cluster, 200 from any other: by cluster, so that timing cannot mix them up. */
    private static Function<UpstreamRequest, FakeResponse> firstThenOk(FakeResponse first) {
        return request ->
                request.cluster().equals("default") ? first : FakeResponse.of(200, "from ", request.cluster());
    }

    @Test
    void retryFromTheResponseHeadSendsTheNewRequestToTheNewClusterWithItsOwnCredentials() {
        FallBack fallBack = new FallBack(1);
        ExchangeResult result = run(chain(fallBack), firstThenOk(FakeResponse.of(503, "busy")));

        assertThat(result.upstreamRequests()).hasSize(2);
        UpstreamRequest first = result.upstreamRequests().get(0);
        UpstreamRequest second = result.upstreamRequests().get(1);
        assertThat(first.cluster()).isEqualTo("default");
        assertThat(first.bodyUtf8()).isEqualTo("body for a");
        assertThat(first.head().headers().get("x-key")).isEqualTo("key-a");
        assertThat(second.cluster()).isEqualTo("b");
        assertThat(second.head().path()).isEqualTo("/b/v1");
        assertThat(second.head().authority()).isEqualTo("b.internal");
        assertThat(second.head().headers().get("x-key")).isEqualTo("key-b");
        assertThat(second.head().headers().get("content-length")).isEqualTo("10");
        assertThat(second.bodyUtf8()).isEqualTo("body for b");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo("from b");
        assertThat(fallBack.seen).containsExactly("503", "200");
        assertThat(result.stats().upstreamCluster()).isEqualTo("b");
        assertThat(result.stats().succeeded()).isTrue();
        assertThat(result.stats().localReply()).isFalse();
    }

    @Test
    void filtersBeforeTheRetryingOneSeeOnlyTheFinalResponseAndThoseAfterItOnlyTheFirst() {
        List<String> calls = new ArrayList<>();
        ExchangeResult result = run(
                chain(new Recorder("outer", calls), new FallBack(1), new Recorder("inner", calls)),
                firstThenOk(FakeResponse.of(429, "slow down")));

        assertThat(result.status()).isEqualTo(200);
        assertThat(calls)
                .containsExactly(
                        "outer:reqHead",
                        "inner:reqHead",
                        "outer:reqBody:last",
                        "inner:reqBody:last",
                        "inner:respHead:429",
                        "outer:respHead:200",
                        "outer:respBody",
                        "outer:respBody:last",
                        "inner:complete",
                        "outer:complete");
    }

    @Test
    void anUpstreamFailureArrivesAsAStandInResponseThatCanBeRetried() {
        FallBack fallBack = new FallBack(1);
        ExchangeResult result = run(chain(fallBack), firstThenOk(FakeResponse.upstreamFailure(502)));

        assertThat(fallBack.seen).containsExactly("502:failure", "200");
        assertThat(fallBack.failures.get(0)).hasMessageContaining("fake upstream failure 502");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo("from b");
        assertThat(result.stats().succeeded())
                .as("the failed attempt is not the exchange's error")
                .isTrue();
        assertThat(result.stats().localReply()).isFalse();
    }

    @Test
    void anUpstreamFailureThatNoFilterRetriesReachesTheClientAsBefore() {
        FallBack fallBack = new FallBack(0);
        ExchangeResult result = run(chain(fallBack), request -> FakeResponse.upstreamFailure(503));

        assertThat(fallBack.seen).containsExactly("503:failure");
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.stats().localReply()).isTrue();
        assertThat(result.stats().error()).hasMessageContaining("fake upstream failure 503");
    }

    @Test
    void aRealUpstream5xxIsNotAnUpstreamFailure() {
        FallBack fallBack = new FallBack(0);
        ExchangeResult result = run(chain(fallBack), request -> FakeResponse.of(502, "bad gateway"));

        assertThat(fallBack.seen).containsExactly("502");
        assertThat(fallBack.failures).containsOnlyNulls();
        assertThat(result.bodyUtf8()).isEqualTo("bad gateway");
    }

    @Test
    void aResponseHeadTimeoutAbandonsTheAttemptAndTheFilterMayRetry() {
        FallBack fallBack = new FallBack(1) {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.setResponseHeadTimeout(Duration.ofMillis(50));
                return super.onRequestHead(ctx, head, endOfStream);
            }
        };
        // The first attempt would answer only after a minute: the chain must give up on it, not wait.
        ExchangeResult result = run(
                chain(fallBack),
                firstThenOk(FakeResponse.builder(200)
                        .chunk("too late")
                        .delay(Duration.ofMinutes(1))
                        .build()));

        assertThat(fallBack.seen).containsExactly("504:failure", "200");
        assertThat(fallBack.failures.get(0))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("default");
        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo("from b");
    }

    @Test
    void aResponseHeadTimeoutWithoutRetryGives504() {
        HttpFilter timeout = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.setResponseHeadTimeout(Duration.ofMillis(20));
                return proceed();
            }
        };
        ExchangeResult result = run(chain(timeout), request -> FakeResponse.builder(200)
                .delay(Duration.ofMinutes(1))
                .build());

        assertThat(result.status()).isEqualTo(504);
        assertThat(result.stats().error()).isInstanceOf(TimeoutException.class);
    }

    @Test
    void aResponseHeadThatArrivesInTimeCancelsTheTimeout() {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        HttpFilter timeout = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.setResponseHeadTimeout(Duration.ofMillis(300));
                return proceed();
            }

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                failure.set(ctx.upstreamFailure());
                return proceed();
            }
        };
        // The head comes at once; the body is slow, which the response-head timeout does not bound.
        ExchangeResult result = run(chain(timeout, new SlowBody()), request -> FakeResponse.of(200, "a", "b"));

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo("ab");
        assertThat(failure.get()).isNull();
    }

    @Test
    void theResponseHeadTimeoutStartsOnlyOnceTheWholeRequestWentUpstream() {
        HttpFilter slowUpload = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.setResponseHeadTimeout(Duration.ofMillis(300));
                return proceed(); // the head goes upstream now
            }

            @Override
            public FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                // The body follows 500 ms later, longer than the timeout: that is upload time, not the upstream's.
                return FilterAction.await(java.util.concurrent.CompletableFuture.supplyAsync(
                        FilterAction::proceed,
                        java.util.concurrent.CompletableFuture.delayedExecutor(
                                500, java.util.concurrent.TimeUnit.MILLISECONDS)));
            }
        };
        ExchangeResult result = run(chain(slowUpload), request -> FakeResponse.of(200, "in time"));

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.bodyUtf8()).isEqualTo("in time");
    }

    /** Holds each response chunk for 500 ms (longer than the response-head timeout) before passing it on. */
    private static final class SlowBody implements HttpFilter {
        @Override
        public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
            return FilterAction.await(java.util.concurrent.CompletableFuture.supplyAsync(
                    FilterAction::proceed,
                    java.util.concurrent.CompletableFuture.delayedExecutor(
                            500, java.util.concurrent.TimeUnit.MILLISECONDS)));
        }
    }

    @Test
    void aFilterMayReadTheErrorBodyBeforeRetrying() {
        HttpFilter inspect = new HttpFilter() {
            private boolean retried;

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                return head.status() == 200 ? proceed() : bufferBody();
            }

            @Override
            public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                if (!retried && last && BodyBuffers.toUtf8(chunk).contains("overloaded")) {
                    retried = true;
                    return FallBack.nextAttempt(ctx);
                }
                return proceed();
            }
        };
        ExchangeResult result = run(chain(inspect), firstThenOk(FakeResponse.of(500, "over", "loaded")));

        assertThat(result.upstreamRequests())
                .extracting(UpstreamRequest::cluster)
                .containsExactly("default", "b");
        assertThat(result.bodyUtf8()).isEqualTo("from b");
    }

    @Test
    void retryAfterTheResponseHeadWentDownstreamResetsTheStream() {
        HttpFilter late = new HttpFilter() {
            @Override
            public FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
                return FallBack.nextAttempt(ctx);
            }
        };
        ExchangeResult result = run(chain(late), request -> FakeResponse.of(200, "partial"));

        assertThat(result.reset().orElseThrow())
                .hasRootCauseMessage("retry() is only valid while the filter holds the response head");
        assertThat(result.upstreamRequests()).hasSize(1);
    }

    @Test
    void retryIsNotValidForALocalReplyOfAnotherFilter() {
        HttpFilter retrier = new HttpFilter() {
            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                return FallBack.nextAttempt(ctx);
            }
        };
        HttpFilter deny = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                return LocalReply.of(403);
            }
        };
        ExchangeResult result = run(chain(retrier, deny), request -> FakeResponse.of(200));

        assertThat(result.status()).isEqualTo(500);
        assertThat(result.upstreamRequests()).isEmpty();
        assertThat(result.stats().error()).hasRootCauseMessage("retry() is not valid for a local reply");
    }

    @Test
    void everyAttemptCanFailAndTheLastOneIsWhatTheClientGets() {
        HttpFilter always = new HttpFilter() {
            private int attempts;

            @Override
            public FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
                return ++attempts < 3 ? FallBack.nextAttempt(ctx) : proceed();
            }
        };
        AtomicInteger calls = new AtomicInteger();
        ExchangeResult result =
                run(chain(always), request -> FakeResponse.of(500 + calls.incrementAndGet(), "attempt " + calls.get()));

        assertThat(result.upstreamRequests()).hasSize(3);
        assertThat(result.status()).isEqualTo(503);
        assertThat(result.bodyUtf8()).isEqualTo("attempt 3");
    }

    @Test
    void logFieldsSetInOnCompleteReachTheHost() {
        HttpFilter late = new HttpFilter() {
            @Override
            public FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
                ctx.setLogField("early", "1");
                return proceed();
            }

            @Override
            public void onComplete(HttpFilterContext ctx, ExchangeStats stats) {
                ctx.setLogField("late", "2");
            }
        };
        ExchangeResult result = run(chain(late), request -> FakeResponse.of(200));

        assertThat(result.stats().logFields()).containsEntry("early", "1").containsEntry("late", "2");
    }
}
