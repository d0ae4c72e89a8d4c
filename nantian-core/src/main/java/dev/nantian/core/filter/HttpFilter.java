package dev.nantian.core.filter;

import java.nio.ByteBuffer;

/**
 * A filter acting on one HTTP exchange without seeing the transport: route filters, the AI layer and proxy-wasm
 * plugins all act on traffic through this interface. One instance per exchange (see {@link HttpFilterFactory}); every
 * callback has a default that passes everything on unchanged, so a filter implements only what it needs.
 *
 * <h2>Order</h2>
 *
 * Request callbacks run in chain order, response callbacks in reverse chain order; {@link #onComplete} runs in reverse
 * chain order too. Per direction a filter sees: one head, then body chunks of which exactly one has
 * {@code last == true} (empty for a bodyless message, or when trailers end the stream), then at most one trailers.
 * If a filter replies locally, only the filters before it in chain order get response callbacks (for the local
 * reply); every created filter gets {@link #onComplete}.
 *
 * <h2>Threading</h2>
 *
 * Every callback runs on the exchange's event loop (for the Netty proxy: the connection's), one at a time, so a filter
 * needs no locking for its per-exchange state. Never block in a callback: blocking or slow work (I/O, Wasm guest
 * code, a remote quota check) runs elsewhere and comes back as a {@link java.util.concurrent.CompletionStage} returned
 * with {@link FilterAction#await}; the host hops its completion back to the event loop before the chain continues.
 * A stage that is already complete continues at once, without a hop.
 *
 * <h2>Bodies</h2>
 *
 * Streaming is the default: chunks flow through as they arrive and nothing is buffered unless a filter returns
 * {@link FilterAction#bufferBody()}. A chunk is a read-only view valid only during the callback: the host may reuse
 * its memory afterwards. Copy what must outlive the call with {@link BodyBuffers}. The chain restores the chunk's
 * position and limit after each call, so reading it with relative gets is fine.
 *
 * <p>A filter that changes the length of a body it does not buffer must remove {@code content-length} in its head
 * callback (the message goes out chunked, or as HTTP/2 frames). When the head was held by {@link
 * FilterAction#bufferBody()}, the chain sets {@code content-length} to the final body itself.
 *
 * <h2>Replying locally</h2>
 *
 * A {@link LocalReply} may be returned from any callback until the response head went downstream (see {@link
 * HttpFilterContext#responseCommitted()}); it skips the upstream, or abandons it if the request already left. After
 * the response head left, a local reply, a failure or a buffer overflow resets the stream instead. A callback that
 * throws counts as a local 500 (logged once with the filter's kind).
 *
 * <h2>Retrying and falling back</h2>
 *
 * A response callback may return {@link FilterAction#retry} while it still holds the response head: the chain
 * abandons the upstream attempt and sends the filter's new request (another cluster, head and body allowed), and the
 * filter sees the new attempt's response from {@code onResponseHead} on. Upstream failures (connect failure, reset,
 * {@link HttpFilterContext#setResponseHeadTimeout response-head timeout}) before the response started arrive as a
 * bodyless 502/503/504 response head with {@link HttpFilterContext#upstreamFailure()} set, so the same callback
 * decides for statuses and failures. Filters before the retrying one see only the final attempt's response.
 *
 * <h2>Example: how the AI layer maps onto this</h2>
 *
 * <ul>
 *   <li>OpenAI to Anthropic: {@code onRequestHead} returns {@code bufferBody(limit)}; {@code onRequestBody(ctx, body,
 *       true)} parses the JSON, picks the provider by model, calls {@code ctx.selectUpstream("anthropic")}, rewrites
 *       {@code head.setPath("/v1/messages")}, {@code setAuthority}, removes {@code authorization}, puts the API key in
 *       {@link HttpFilterContext#upstreamRequestHeaders()}, and returns {@code proceedWith(anthropicJson)}; the chain
 *       sends the held head with the new {@code content-length}.
 *   <li>Streaming: {@code onResponseHead} removes {@code content-length}; {@code onResponseBody} feeds each chunk to an
 *       SSE parser that keeps the partial event at the end of a chunk (copied) for the next call and returns {@code
 *       proceedWith(convertedEvents)} (possibly empty); with {@code last == true} it flushes and adds {@code data:
 *       [DONE]}. Non-streaming responses use {@code bufferBody()} in {@code onResponseHead} instead.
 *   <li>Fallback: {@code onResponseHead} of an attempt that got 429, 5xx or an upstream failure returns {@code
 *       retry(head, body).toCluster(next)} with the request converted for the next provider and its key put in
 *       {@link HttpFilterContext#upstreamRequestHeaders()}; the provider's timeout is a response-head timeout.
 *   <li>Usage: the converter stores token usage in an {@link AttributeKey} attribute; {@code onComplete} (also after
 *       failures and local replies) charges it to the token limiter, and the access log reads the same attribute.
 * </ul>
 *
 * <h2>Example: how a proxy-wasm plugin maps onto this</h2>
 *
 * <ul>
 *   <li>{@code on_http_request_headers / _body / _trailers} and {@code on_http_response_*} are the matching
 *       callbacks; {@code end_of_stream} is the {@code endOfStream} / {@code last} argument. Guest code runs on the
 *       Wasm executor with a deadline, so each callback returns {@code await(stage).withTimeout(deadline)} (with
 *       {@code withFailureHandler(t -> proceed())} for {@code failOpen}); the guest reads and writes headers and
 *       copied body bytes while the exchange is paused at that filter.
 *   <li>{@code Continue} is {@code proceed()} (or {@code proceedWith(bytes)} after {@code set_buffer_bytes});
 *       {@code StopIteration} from headers, or {@code StopIterationAndBuffer} from a body, is {@code bufferBody()}:
 *       the guest is called again once with the whole body and {@code end_of_stream}. {@code
 *       proxy_send_local_response} is a {@link LocalReply}.
 *   <li>Pausing for {@code proxy_http_call}: the callback awaits a stage that completes when the guest calls {@code
 *       proxy_continue_stream} (with the action of that moment) or sends a local response; the call itself is {@link
 *       HttpFilterContext#callout}. {@code on_log} and {@code on_done} run from {@link #onComplete}.
 * </ul>
 */
public interface HttpFilter {

    /**
     * The request head, which is still mutable: method, path, authority, headers; also the time to pick the upstream.
     * Runs on the event loop.
     *
     * @param endOfStream the request has no body and no trailers ({@link #onRequestBody} still follows once, empty)
     */
    default FilterAction onRequestHead(HttpFilterContext ctx, HttpRequestHead head, boolean endOfStream) {
        return FilterAction.proceed();
    }

    /**
     * A request body chunk (or, after {@link FilterAction#bufferBody()}, the whole collected body). Runs on the event
     * loop.
     *
     * @param chunk read-only, valid only during this call
     * @param last no more body follows (trailers may)
     */
    default FilterAction onRequestBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        return FilterAction.proceed();
    }

    /** The request trailers, mutable; only if the request has some. Runs on the event loop. */
    default FilterAction onRequestTrailers(HttpFilterContext ctx, HttpHeaders trailers) {
        return FilterAction.proceed();
    }

    /**
     * The response head (from the upstream or a local reply), still mutable. Runs on the event loop.
     *
     * @param endOfStream the response has no body and no trailers ({@link #onResponseBody} still follows once, empty)
     */
    default FilterAction onResponseHead(HttpFilterContext ctx, HttpResponseHead head, boolean endOfStream) {
        return FilterAction.proceed();
    }

    /**
     * A response body chunk, streamed as it arrives (or the whole body after {@link FilterAction#bufferBody()}). Runs
     * on the event loop.
     *
     * @param chunk read-only, valid only during this call
     * @param last no more body follows (trailers may)
     */
    default FilterAction onResponseBody(HttpFilterContext ctx, ByteBuffer chunk, boolean last) {
        return FilterAction.proceed();
    }

    /** The response trailers, mutable; only if the response has some. Runs on the event loop. */
    default FilterAction onResponseTrailers(HttpFilterContext ctx, HttpHeaders trailers) {
        return FilterAction.proceed();
    }

    /**
     * The exchange is over: called exactly once per created filter, after success, local reply, upstream failure,
     * reset or client cancel, with the final stats. Release per-exchange resources here; a stage the filter is still
     * awaiting will be ignored. Runs on the event loop; exceptions are logged and ignored.
     */
    default void onComplete(HttpFilterContext ctx, ExchangeStats stats) {}
}
