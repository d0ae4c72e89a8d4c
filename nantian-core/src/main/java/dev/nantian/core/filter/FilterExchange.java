package dev.nantian.core.filter;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * One exchange running through a {@link FilterChain}, driven by its host: the host reports what arrives, the chain
 * runs the filters and calls back the {@link ExchangeHost} with what to send. Create it with
 * {@link FilterChain#newExchange}; call every method on the exchange's event loop.
 *
 * <p>Event order per direction: one head, body chunks (the last with {@code endOfStream}, unless trailers end the
 * stream), at most one trailers. Events after the exchange completed, or after a local reply replaced the upstream,
 * are ignored.
 *
 * <p>A chunk is lent for the duration of the call only: the chain copies what it has to keep (a filter paused), so
 * the host may release or reuse its buffer as soon as the call returns. Pass read-only views.
 */
public interface FilterExchange {

    /** The context its filters see. */
    HttpFilterContext context();

    /**
     * The request head arrived. The exchange owns {@code head} from now on (filters rewrite it in place).
     *
     * @param endOfStream the request has no body and no trailers
     */
    void onRequestHead(HttpRequestHead head, boolean endOfStream);

    /** A request body chunk arrived; {@code endOfStream} means no trailers follow. */
    void onRequestBody(ByteBuffer chunk, boolean endOfStream);

    /** The request trailers arrived; they end the request. */
    void onRequestTrailers(HttpHeaders trailers);

    /** Which upstream the host actually used (for {@link ExchangeStats}). */
    void onUpstreamSelected(String cluster, InetSocketAddress endpoint);

    /** The upstream's (final, non-1xx) response head arrived; {@code endOfStream} means no body or trailers. */
    void onResponseHead(HttpResponseHead head, boolean endOfStream);

    /** An upstream response body chunk arrived; {@code endOfStream} means no trailers follow. */
    void onResponseBody(ByteBuffer chunk, boolean endOfStream);

    /** The upstream response trailers arrived; they end the response. */
    void onResponseTrailers(HttpHeaders trailers);

    /**
     * The current upstream attempt could not produce a (complete) response: connect failure, reset, timeout. Before
     * the response head went downstream, a bodyless response with {@code status} (usually 502, 503 or 504) passes
     * through the response callbacks of every filter that would have seen the upstream's response, which can tell it
     * by {@link HttpFilterContext#upstreamFailure()} and may {@link FilterAction#retry} (a new attempt) instead of
     * letting it reach the client; after the response head went downstream, the downstream is reset. The host has
     * given up on the attempt already: the chain does not call {@link ExchangeHost#cancelUpstream()} for it unless a
     * filter retries.
     */
    void onUpstreamFailure(int status, Throwable cause);

    /** The downstream went away (or the host must abort): complete now with {@code cause}, sending nothing. */
    void cancel(Throwable cause);

    /** Whether the exchange completed (filters and host got their stats). */
    boolean isComplete();
}
