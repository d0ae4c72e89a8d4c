package dev.nantian.core.filter.testing;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.CalloutResponse;
import dev.nantian.core.filter.ConnectionInfo;
import dev.nantian.core.filter.ExchangeHost;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.FilterExchange;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Runs a {@link FilterChain} in memory: the calling thread plays the event loop, a function plays the upstream.
 *
 * <pre>{@code
 * FilterChainTester tester = FilterChainTester.builder(chain)
 *         .upstream(request -> FakeResponse.of(200, "data: {...}\n\n", "data: [DONE]\n\n"))
 *         .build();
 * ExchangeResult result = tester.exchange(HttpRequestHead.of("POST", "/v1/chat/completions", "gw"), "{...}");
 * assertThat(result.upstreamRequest().orElseThrow().cluster()).isEqualTo("anthropic");
 * }</pre>
 *
 * <p>Each event (request head, each chunk, the upstream's answer) is its own event-loop task, and a filter's async
 * completion from any thread is queued behind them, as on a real event loop. The upstream answers once it has the
 * whole request. Like a real host, the tester lends each chunk only for the call: afterwards it overwrites the bytes
 * with {@code '#'}, so a filter that keeps a chunk without copying it shows up as garbage in the test.
 *
 * <p>Attempts: when a filter retries ({@link dev.nantian.core.filter.FilterAction#retry}), the fake upstream is called
 * again with the new request (see {@link ExchangeResult#upstreamRequests()}); events of an abandoned attempt still
 * queued or delayed ({@link FakeResponse.Builder#delay}) are dropped, as the {@link ExchangeHost} contract requires.
 */
public final class FilterChainTester {
    private static final InetSocketAddress UPSTREAM_ENDPOINT = InetSocketAddress.createUnresolved("upstream", 80);

    private final FilterChain chain;
    private final Function<UpstreamRequest, FakeResponse> upstream;
    private final Function<UpstreamRequest, FakeResponse> callouts;
    private final ConnectionInfo connection;
    private final String defaultCluster;
    private final Duration timeout;

    private FilterChainTester(Builder builder) {
        this.chain = builder.chain;
        this.upstream = builder.upstream;
        this.callouts = builder.callouts;
        this.connection = builder.connection;
        this.defaultCluster = builder.defaultCluster;
        this.timeout = builder.timeout;
    }

    /** Starts a tester for {@code chain}; by default the upstream answers 200 with no body. */
    public static Builder builder(FilterChain chain) {
        return new Builder(chain);
    }

    /** Runs one exchange with UTF-8 body chunks (none: a bodyless request). */
    public ExchangeResult exchange(HttpRequestHead head, String... bodyChunks) {
        List<ByteBuffer> chunks = new ArrayList<>(bodyChunks.length);
        for (String chunk : bodyChunks) {
            chunks.add(ByteBuffer.wrap(chunk.getBytes(StandardCharsets.UTF_8)));
        }
        return exchange(head, chunks, null);
    }

    /**
     * Runs one exchange to completion and returns what the client and the upstream saw.
     *
     * @param trailers request trailers, or {@code null}
     * @throws IllegalStateException if the exchange does not complete within the tester's timeout
     */
    public ExchangeResult exchange(HttpRequestHead head, List<ByteBuffer> bodyChunks, HttpHeaders trailers) {
        requireNonNull(head, "head");
        List<byte[]> chunks = bodyChunks.stream().map(BodyBuffers::toByteArray).toList();
        Run run = new Run();
        FilterExchange exchange = chain.newExchange(run, connection);
        run.exchange = exchange;
        boolean bodyless = chunks.isEmpty() && trailers == null;
        run.execute(() -> exchange.onRequestHead(head, bodyless));
        for (int i = 0; i < chunks.size(); i++) {
            byte[] chunk = chunks.get(i);
            boolean end = i == chunks.size() - 1 && trailers == null;
            run.execute(() -> lend(chunk, view -> exchange.onRequestBody(view, end)));
        }
        if (trailers != null) {
            run.execute(() -> exchange.onRequestTrailers(trailers));
        }
        run.loop();
        return new ExchangeResult(
                run.status,
                run.responseHeaders,
                run.responseChunks,
                run.responseTrailers,
                run.resetCause,
                run.upstreamRequest,
                run.upstreamRequests,
                run.stats);
    }

    /** Lends a fresh copy of {@code bytes} for one call, then scribbles over it like a recycled network buffer. */
    private static void lend(byte[] bytes, Consumer<ByteBuffer> call) {
        byte[] lent = bytes.clone();
        try {
            call.accept(ByteBuffer.wrap(lent).asReadOnlyBuffer());
        } finally {
            Arrays.fill(lent, (byte) '#');
        }
    }

    /** The host of one exchange; all its methods run on the calling thread, which drains {@link #tasks}. */
    private final class Run implements ExchangeHost, Executor {
        private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
        FilterExchange exchange;
        // what the upstream sees
        private HttpRequestHead sentHead;
        private String cluster;
        private InetSocketAddress endpoint;
        private final ByteArrayOutputStream sentBody = new ByteArrayOutputStream();
        private HttpHeaders sentTrailers;
        /** The current attempt (each request head starts one) and whether the chain abandoned it. */
        private int attempt = -1;

        private boolean upstreamCancelled;
        UpstreamRequest upstreamRequest;
        final List<UpstreamRequest> upstreamRequests = new ArrayList<>();
        // what the client sees
        int status;
        HttpHeaders responseHeaders = HttpHeaders.of();
        final List<byte[]> responseChunks = new ArrayList<>();
        HttpHeaders responseTrailers;
        Throwable resetCause;
        ExchangeStats stats;

        void loop() {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (stats == null) {
                Runnable task;
                try {
                    task = tasks.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while running " + exchange, e);
                }
                if (task == null) {
                    throw new IllegalStateException("exchange did not complete within " + timeout + ": " + exchange);
                }
                task.run();
            }
        }

        @Override
        public void execute(Runnable task) {
            tasks.add(requireNonNull(task, "task"));
        }

        @Override
        public Executor eventLoop() {
            return this;
        }

        @Override
        public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
            return CompletableFuture.runAsync(task, CompletableFuture.delayedExecutor(delay, unit, this));
        }

        @Override
        public void sendRequestHead(HttpRequestHead head, boolean endOfStream) {
            if (attempt >= 0 && !upstreamCancelled) {
                throw new IllegalStateException("a new request head before the previous attempt was cancelled");
            }
            attempt++;
            upstreamCancelled = false;
            sentBody.reset();
            sentTrailers = null;
            HttpHeaders headers = HttpHeaders.copyOf(head.headers());
            exchange.context().upstreamRequestHeaders().forEach(headers::add);
            sentHead = HttpRequestHead.of(head.method(), head.path(), head.authority(), headers);
            String selected = exchange.context().selectedCluster();
            cluster = selected != null ? selected : defaultCluster;
            endpoint = exchange.context().selectedEndpoint();
            InetSocketAddress used = endpoint != null ? endpoint : UPSTREAM_ENDPOINT;
            String usedCluster = cluster;
            whileUpstreamLive(attempt, () -> exchange.onUpstreamSelected(usedCluster, used));
            if (endOfStream) {
                requestSent();
            }
        }

        @Override
        public void sendRequestBody(ByteBuffer chunk, boolean endOfStream) {
            sentBody.writeBytes(BodyBuffers.toByteArray(chunk));
            if (endOfStream) {
                requestSent();
            }
        }

        @Override
        public void sendRequestTrailers(HttpHeaders trailers) {
            sentTrailers = HttpHeaders.copyOf(trailers);
            requestSent();
        }

        private void requestSent() {
            UpstreamRequest request = upstreamRequest =
                    new UpstreamRequest(sentHead, sentBody.toByteArray(), sentTrailers, cluster, endpoint);
            upstreamRequests.add(request);
            int forAttempt = attempt;
            whileUpstreamLive(forAttempt, () -> {
                FakeResponse response;
                try {
                    response = upstream.apply(request);
                } catch (RuntimeException e) {
                    exchange.onUpstreamFailure(503, e);
                    return;
                }
                if (response.delay().isZero()) {
                    respond(forAttempt, response);
                } else {
                    schedule(
                            () -> {
                                if (forAttempt == attempt && !upstreamCancelled) {
                                    respond(forAttempt, response);
                                }
                            },
                            response.delay().toNanos(),
                            TimeUnit.NANOSECONDS);
                }
            });
        }

        private void respond(int forAttempt, FakeResponse response) {
            if (response.failBeforeHead()) {
                whileUpstreamLive(
                        forAttempt,
                        () -> exchange.onUpstreamFailure(
                                response.failureStatus(),
                                new IllegalStateException("fake upstream failure " + response.failureStatus())));
                return;
            }
            List<byte[]> chunks = response.chunks();
            boolean fails = response.failureStatus() != 0;
            HttpHeaders trailers = fails ? null : response.trailers();
            HttpResponseHead head = HttpResponseHead.of(response.status(), HttpHeaders.copyOf(response.headers()));
            whileUpstreamLive(
                    forAttempt, () -> exchange.onResponseHead(head, chunks.isEmpty() && trailers == null && !fails));
            for (int i = 0; i < chunks.size(); i++) {
                byte[] chunk = chunks.get(i);
                boolean end = i == chunks.size() - 1 && trailers == null && !fails;
                whileUpstreamLive(forAttempt, () -> lend(chunk, view -> exchange.onResponseBody(view, end)));
            }
            if (fails) {
                whileUpstreamLive(
                        forAttempt,
                        () -> exchange.onUpstreamFailure(
                                response.failureStatus(),
                                new IllegalStateException("fake upstream reset after the body")));
            } else if (trailers != null) {
                whileUpstreamLive(forAttempt, () -> exchange.onResponseTrailers(HttpHeaders.copyOf(trailers)));
            }
        }

        /** Queues {@code task} as an event of attempt {@code forAttempt}: dropped once that attempt is abandoned. */
        private void whileUpstreamLive(int forAttempt, Runnable task) {
            execute(() -> {
                if (forAttempt == attempt && !upstreamCancelled) {
                    task.run();
                }
            });
        }

        @Override
        public void sendResponseHead(HttpResponseHead head, boolean endOfStream) {
            status = head.status();
            responseHeaders = HttpHeaders.copyOf(head.headers());
        }

        @Override
        public void sendResponseBody(ByteBuffer chunk, boolean endOfStream) {
            responseChunks.add(BodyBuffers.toByteArray(chunk));
        }

        @Override
        public void sendResponseTrailers(HttpHeaders trailers) {
            responseTrailers = HttpHeaders.copyOf(trailers);
        }

        @Override
        public void cancelUpstream() {
            upstreamCancelled = true;
        }

        @Override
        public void resetDownstream(Throwable cause) {
            resetCause = cause;
        }

        @Override
        public CompletionStage<CalloutResponse> callout(
                String cluster, HttpRequestHead head, ByteBuffer body, Duration timeout) {
            UpstreamRequest request = new UpstreamRequest(
                    HttpRequestHead.of(
                            head.method(), head.path(), head.authority(), HttpHeaders.copyOf(head.headers())),
                    BodyBuffers.toByteArray(body),
                    null,
                    cluster,
                    null);
            CompletableFuture<CalloutResponse> result = new CompletableFuture<>();
            execute(() -> {
                try {
                    FakeResponse response = callouts.apply(request);
                    ByteArrayOutputStream responseBody = new ByteArrayOutputStream();
                    response.chunks().forEach(responseBody::writeBytes);
                    result.complete(new CalloutResponse(
                            HttpResponseHead.of(response.status(), HttpHeaders.copyOf(response.headers())),
                            ByteBuffer.wrap(responseBody.toByteArray()),
                            response.trailers() == null ? HttpHeaders.of() : HttpHeaders.copyOf(response.trailers())));
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            return result;
        }

        @Override
        public void completed(ExchangeStats stats) {
            this.stats = stats;
        }
    }

    /** Builds a {@link FilterChainTester}. */
    public static final class Builder {
        private final FilterChain chain;
        private Function<UpstreamRequest, FakeResponse> upstream = request -> FakeResponse.of(200);
        private Function<UpstreamRequest, FakeResponse> callouts = request -> FakeResponse.of(404);
        private ConnectionInfo connection = ConnectionInfo.plaintext(
                new InetSocketAddress("127.0.0.1", 50000), new InetSocketAddress("127.0.0.1", 8080));
        private String defaultCluster = "default";
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(FilterChain chain) {
            this.chain = requireNonNull(chain, "chain");
        }

        /**
         * The fake upstream: gets the whole request of each attempt, returns the response; throwing means 503
         * (upstream failure), as does {@link FakeResponse#upstreamFailure}.
         */
        public Builder upstream(Function<UpstreamRequest, FakeResponse> upstream) {
            this.upstream = requireNonNull(upstream, "upstream");
            return this;
        }

        /** Answers {@code callout}s; {@link UpstreamRequest#cluster()} names the target. Default: 404. */
        public Builder callouts(Function<UpstreamRequest, FakeResponse> callouts) {
            this.callouts = requireNonNull(callouts, "callouts");
            return this;
        }

        /** The downstream connection filters see. */
        public Builder connection(ConnectionInfo connection) {
            this.connection = requireNonNull(connection, "connection");
            return this;
        }

        /** The cluster reported when no filter selects one. */
        public Builder defaultCluster(String defaultCluster) {
            this.defaultCluster = requireNonNull(defaultCluster, "defaultCluster");
            return this;
        }

        /** How long one exchange may take before {@link #exchange} gives up. */
        public Builder timeout(Duration timeout) {
            this.timeout = requireNonNull(timeout, "timeout");
            return this;
        }

        public FilterChainTester build() {
            return new FilterChainTester(this);
        }
    }
}
