package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * What the chain does after a filter callback returns. Every {@link HttpFilter} callback returns one:
 *
 * <ul>
 *   <li>{@link #proceed()}: pass the (possibly rewritten) head, chunk or trailers to the next filter;
 *   <li>{@link #proceedWith(ByteBuffer)}: body callbacks only; pass {@code replacement} on instead of the chunk (an
 *       empty buffer withholds it, e.g. to carry a partial event over to the next chunk);
 *   <li>{@link #bufferBody()}: stop here and collect the body; the filter is then called once more, in its body
 *       callback, with the whole (rest of the) body and {@code last == true}. Returned from a head callback, the head
 *       is held too, so the filter may still rewrite it after seeing the body, and the host sends the head with a
 *       {@code content-length} matching the final body;
 *   <li>{@link #await(CompletionStage)}: pause this direction at this filter until the stage completes with the
 *       next action;
 *   <li>a {@link LocalReply}: answer the client now and skip (or abandon) the upstream;
 *   <li>{@link #retry(HttpRequestHead, ByteBuffer)}: response callbacks only; abandon this upstream attempt and send
 *       a new request (to the same or another cluster) instead, e.g. to fall back to another provider.
 * </ul>
 *
 * <p>The common results are shared constants: returning {@link #proceed()} allocates nothing.
 */
public sealed interface FilterAction
        permits FilterAction.Proceed,
                FilterAction.ProceedWith,
                FilterAction.BufferBody,
                FilterAction.Await,
                FilterAction.Retry,
                LocalReply {

    /** Continue with the next filter. */
    static FilterAction proceed() {
        return Proceed.INSTANCE;
    }

    /**
     * Continue with {@code replacement} in place of the chunk given to this body callback. The chain takes ownership
     * of the buffer: do not change it afterwards. Not valid from head or trailer callbacks.
     */
    static FilterAction proceedWith(ByteBuffer replacement) {
        return new ProceedWith(replacement);
    }

    /**
     * Collect the body up to the chain's limit ({@link FilterChain.Builder#maxBufferBytes(int)}). If a request body
     * exceeds it the client gets 413; if a response body does, 500 (the limit is the gateway's, not a fault of the
     * upstream, and 502/503 stay reserved for upstream failures), or a reset if the response head already left.
     */
    static FilterAction bufferBody() {
        return BufferBody.CHAIN_LIMIT;
    }

    /** Like {@link #bufferBody()} with this filter's own limit in bytes. */
    static FilterAction bufferBody(int maxBytes) {
        return new BufferBody(maxBytes);
    }

    /**
     * Pause until {@code stage} completes with the next action. The exchange resumes on its event loop. If the stage
     * fails, or does not complete within the chain's async timeout, the client gets 500 unless
     * {@link Await#withFailureHandler} says otherwise. A {@code null} result counts as {@link #proceed()}.
     */
    static Await await(CompletionStage<? extends FilterAction> stage) {
        return new Await(stage, null, null);
    }

    /**
     * Abandons the current upstream attempt and sends {@code head} with {@code body} upstream as a new attempt, to the
     * cluster chosen before unless {@link Retry#toCluster} names another. The way to fall back to another backend
     * (whose request format may differ) or to retry on a status or failure the filter chooses.
     *
     * <p>Valid only from {@link HttpFilter#onResponseHead}, or from {@link HttpFilter#onResponseBody} after that
     * filter's {@code onResponseHead} returned {@link #bufferBody()} (so it still holds the head): nothing of this
     * attempt's response has passed the filter, so nothing has gone downstream. It is also valid for the response
     * head the chain makes up for an upstream failure (see {@link HttpFilterContext#upstreamFailure()}), but not for
     * a filter's {@link LocalReply}. The original request must have gone upstream completely (a filter that retries
     * normally buffered it). Elsewhere the chain treats it as the filter failing: a local 500, or a reset once the
     * response started.
     *
     * <p>What the chain does: it calls {@link ExchangeHost#cancelUpstream()}, which drops the attempt and any event of
     * it still in flight, then sends {@code head}, {@code body} (with end of stream) straight to the host; the host
     * adds {@link HttpFilterContext#upstreamRequestHeaders()}, which the filter may change before returning this
     * action (e.g. another provider's key), and {@link HttpFilterContext#setResponseHeadTimeout} bounds the new
     * attempt as it bounds every attempt. The retrying filter then gets the new attempt's response from
     * {@code onResponseHead} on, and only the filters before it in chain order see the response at all, once, for
     * the final attempt: as with a local reply, filters after the retrying one (closer to the upstream) saw the first
     * request and its response head and see nothing more but {@link HttpFilter#onComplete}. A filter that retries
     * should therefore sit last, or after filters that need not see every attempt. There is no limit on attempts:
     * the filter counts its own.
     *
     * @param head the new request head; the chain owns it from now on
     * @param body the whole new request body (empty for none); the chain takes ownership, do not change it
     */
    static Retry retry(HttpRequestHead head, ByteBuffer body) {
        return new Retry(head, body, null, null);
    }

    /** See {@link #proceed()}. */
    enum Proceed implements FilterAction {
        INSTANCE
    }

    /**
     * See {@link #proceedWith(ByteBuffer)}.
     *
     * @param replacement the bytes to pass on (its remaining bytes)
     */
    record ProceedWith(ByteBuffer replacement) implements FilterAction {
        public ProceedWith {
            requireNonNull(replacement, "replacement");
        }
    }

    /**
     * See {@link #bufferBody()}.
     *
     * @param maxBytes the limit in bytes, or {@code -1} for the chain's limit
     */
    record BufferBody(int maxBytes) implements FilterAction {
        static final BufferBody CHAIN_LIMIT = new BufferBody(-1);

        public BufferBody {
            if (maxBytes < -1) {
                throw new IllegalArgumentException("maxBytes must be >= 0 (or -1 for the chain's limit): " + maxBytes);
            }
        }
    }

    /**
     * See {@link #await(CompletionStage)}.
     *
     * @param stage completes with the next action
     * @param timeout how long to wait, or {@code null} for the chain's async timeout
     * @param failureHandler maps a failure (a {@link java.util.concurrent.TimeoutException} on timeout) to the next
     *     action, or {@code null} for a local 500
     */
    record Await(
            CompletionStage<? extends FilterAction> stage,
            Duration timeout,
            Function<? super Throwable, ? extends FilterAction> failureHandler)
            implements FilterAction {
        public Await {
            requireNonNull(stage, "stage");
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
        }

        /** This await with its own timeout instead of the chain's. */
        public Await withTimeout(Duration timeout) {
            return new Await(stage, requireNonNull(timeout, "timeout"), failureHandler);
        }

        /**
         * This await with failures (including the timeout) mapped to an action, e.g. {@code t -> proceed()} to fail
         * open. The handler runs on the event loop; if it throws, the client gets 500.
         */
        public Await withFailureHandler(Function<? super Throwable, ? extends FilterAction> handler) {
            return new Await(stage, timeout, requireNonNull(handler, "handler"));
        }
    }

    /**
     * See {@link #retry(HttpRequestHead, ByteBuffer)}.
     *
     * @param head the new request head
     * @param body the whole new request body
     * @param cluster the cluster for the new attempt, or {@code null} to keep the current choice
     * @param endpoint the endpoint of {@code cluster} to pin, or {@code null} to let the host balance
     */
    record Retry(HttpRequestHead head, ByteBuffer body, String cluster, InetSocketAddress endpoint)
            implements FilterAction {
        public Retry {
            requireNonNull(head, "head");
            requireNonNull(body, "body");
            if (endpoint != null && cluster == null) {
                throw new IllegalArgumentException("an endpoint needs its cluster");
            }
        }

        /** This retry sent to {@code cluster} (load balanced there) instead of the current cluster. */
        public Retry toCluster(String cluster) {
            return new Retry(head, body, requireNonNull(cluster, "cluster"), null);
        }

        /** This retry pinned to one endpoint of {@code cluster}. */
        public Retry toEndpoint(String cluster, InetSocketAddress endpoint) {
            return new Retry(head, body, requireNonNull(cluster, "cluster"), requireNonNull(endpoint, "endpoint"));
        }
    }
}
