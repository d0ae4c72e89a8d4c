package dev.nantian.core.filter;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The transport side of an exchange, implemented by the proxy (and by
 * {@link dev.nantian.core.filter.testing.FilterChainTester}): where the chain sends what passed all filters.
 *
 * <p>The chain calls every method on the exchange's event loop. A host must not call back into the
 * {@link FilterExchange} from inside one of these methods; it reports later events (upstream response, failures)
 * from their own event-loop tasks, as a Netty pipeline naturally does.
 *
 * <p>Buffers: a chunk passed to {@code send*Body} is either the very instance the host lent in its
 * {@code on*Body} call (nothing changed it: the host can send its own buffer without copying) or a buffer the chain
 * now hands over for good (a filter's replacement, a collected body): the host may wrap it without copying and
 * nobody touches it again.
 */
public interface ExchangeHost {

    /** The exchange's event loop; async completions are hopped here. */
    Executor eventLoop();

    /** Runs {@code task} on the event loop after {@code delay}; the chain cancels it with {@code cancel(false)}. */
    Future<?> schedule(Runnable task, long delay, TimeUnit unit);

    /**
     * Sends the request head upstream. The cluster is {@link HttpFilterContext#selectedCluster()} if a filter chose
     * one, else the route's; add {@link HttpFilterContext#upstreamRequestHeaders()} to what goes on the wire. Report
     * the endpoint picked with {@link FilterExchange#onUpstreamSelected}.
     *
     * <p>Attempts: after {@link #cancelUpstream()} the chain may call this again (then {@code sendRequestBody} /
     * {@code sendRequestTrailers}) to start a new attempt, any number of times, as long as no response head went
     * downstream ({@link FilterAction#retry}). Each attempt is a fresh upstream request, possibly to another cluster
     * (read {@link HttpFilterContext#selectedCluster()} and {@link HttpFilterContext#upstreamRequestHeaders()} again
     * on every call); the host reports its response or failure exactly as for the first one.
     *
     * @param endOfStream no body or trailers follow
     */
    void sendRequestHead(HttpRequestHead head, boolean endOfStream);

    /** Sends a request body chunk upstream; {@code endOfStream} means no trailers follow. */
    void sendRequestBody(ByteBuffer chunk, boolean endOfStream);

    /** Sends the request trailers upstream; they end the request. */
    void sendRequestTrailers(HttpHeaders trailers);

    /**
     * Sends the response head downstream. With {@code endOfStream} the response has no body; frame it so (for
     * HTTP/1.1 with {@code content-length: 0} where the status allows a body).
     */
    void sendResponseHead(HttpResponseHead head, boolean endOfStream);

    /** Sends a response body chunk downstream; {@code endOfStream} means no trailers follow. */
    void sendResponseBody(ByteBuffer chunk, boolean endOfStream);

    /** Sends the response trailers downstream; they end the response. */
    void sendResponseTrailers(HttpHeaders trailers);

    /**
     * Abandons the current upstream attempt (a local reply replaced it, a filter retries, a response-head timeout
     * passed): reset or close it and report nothing more about it to the exchange; events of the abandoned attempt
     * that are already queued on the event loop must be dropped, not delivered. Only called after
     * {@link #sendRequestHead}, at most once per attempt, and also after the host itself reported
     * {@link FilterExchange#onUpstreamFailure} for the attempt (then it only drops what is left). A
     * {@link #sendRequestHead} that follows starts a new attempt, which the host serves normally.
     */
    void cancelUpstream();

    /**
     * Resets the downstream stream (HTTP/2 RST_STREAM, HTTP/1.1 connection close): the chain cannot finish a response
     * whose head already left. The exchange completes right after.
     */
    void resetDownstream(Throwable cause);

    /**
     * Flow control: the chain asks to stop ({@code false}) or resume reading the request body from the client while a
     * filter awaits, so that queued chunks stay few. Chunks already in flight are still accepted.
     */
    default void setRequestReadable(boolean readable) {}

    /** Like {@link #setRequestReadable}, for reading the response from the upstream. */
    default void setResponseReadable(boolean readable) {}

    /**
     * Serves {@link HttpFilterContext#callout}. Hosts without side calls fail the stage; the default does.
     */
    default CompletionStage<CalloutResponse> callout(
            String cluster, HttpRequestHead head, ByteBuffer body, Duration timeout) {
        return CompletableFuture.failedFuture(new UnsupportedOperationException("this host does not make callouts"));
    }

    /** Called once when the exchange is complete, after the filters' {@link HttpFilter#onComplete}. */
    default void completed(ExchangeStats stats) {}

    /** The monotonic clock for durations; inject a fake one in tests. */
    default long nanoTime() {
        return System.nanoTime();
    }

    /** The wall clock for {@link ExchangeStats#startEpochMillis()}. */
    default long currentTimeMillis() {
        return System.currentTimeMillis();
    }
}
