package dev.nantian.core.filter;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The per-exchange state every filter callback receives: connection and route identity, the current request and
 * response heads, shared attributes, and the upstream choice. One instance per exchange, shared by all its filters.
 *
 * <p>Not thread-safe: call it on the exchange's event loop only ({@link #eventLoop()}), i.e. from a callback or
 * from a task that was hopped back there. Work done on other threads must capture what it needs before it leaves.
 */
public interface HttpFilterContext {

    /** The downstream connection (client address, TLS session, SNI). */
    ConnectionInfo connection();

    /** The route that matched. */
    RouteInfo route();

    /**
     * The configuration of the filter being called, as its factory parsed it; the same object its factory got in
     * {@link HttpFilterFactory#create}. Lets one filter instance serve several routes.
     *
     * @throws ClassCastException if it is not a {@code type}
     */
    <C> C filterConfig(Class<C> type);

    /** The request head; rewrites by earlier filters are visible. */
    HttpRequestHead request();

    /** The response head once one exists (from the upstream or a local reply), else {@code null}. */
    HttpResponseHead response();

    /** Whether a response head has gone downstream; from then on a {@link LocalReply} becomes a reset. */
    boolean responseCommitted();

    /** The value of {@code key}, or {@code null}. */
    <T> T attr(AttributeKey<T> key);

    /** Sets (or with {@code null}, removes) the value of {@code key}. */
    <T> void setAttr(AttributeKey<T> key, T value);

    /**
     * Records a named value for the access log and the host's telemetry (the proxy's {@code %FIELD(name)%}
     * placeholder, every field in JSON mode), delivered in {@link ExchangeStats#logFields()}; fields set in
     * {@link HttpFilter#onComplete} still reach the host's stats (not the stats other filters got). Names are dotted
     * lower-case by convention and prefixed by the extension ({@code ai.model}, {@code ai.tokens.input}); a later
     * value replaces an earlier one, {@code null} removes it. Never put secrets or request content here.
     */
    void setLogField(String name, String value);

    /**
     * Why the current upstream attempt failed, while the response being handled is the one the chain made up for
     * that failure; else {@code null}. When the host reports {@link FilterExchange#onUpstreamFailure} (connect
     * failure, reset, upstream timeout) or a {@link #setResponseHeadTimeout response-head timeout} passes before a
     * response head went downstream, the chain sends a bodyless response with the host's status (502, 503, 504)
     * through the response callbacks of every filter that would have seen the upstream's response; a filter's
     * {@code onResponseHead} tells it from a real upstream 5xx by this method, and may answer it with
     * {@link FilterAction#retry} (fall back) or a {@link LocalReply} of its own, or let it pass. A
     * {@link java.util.concurrent.TimeoutException} means the response-head timeout.
     */
    Throwable upstreamFailure();

    /**
     * Bounds the time from the end of an attempt's request going upstream (an upload's own time does not count) to
     * its response head: when it passes, the chain abandons the attempt ({@link ExchangeHost#cancelUpstream()}) and
     * goes on as for an upstream failure with status 504 and a {@link java.util.concurrent.TimeoutException} (see
     * {@link #upstreamFailure()}), so a filter may still {@link FilterAction#retry} elsewhere. Applies to every
     * attempt whose request ends after the call (a filter sets it from a request callback, or before returning a
     * retry); {@code null} removes it. The host's own route timeouts apply independently.
     */
    void setResponseHeadTimeout(Duration timeout);

    /**
     * Sends the request to {@code cluster} instead of the route's own choice. Must be called before the request head
     * leaves the last request filter; later calls throw {@link IllegalStateException}.
     */
    void selectUpstream(String cluster);

    /** Like {@link #selectUpstream(String)}, pinned to one endpoint of that cluster (bypassing load balancing). */
    void selectUpstream(String cluster, InetSocketAddress endpoint);

    /** The cluster chosen by a filter, or {@code null} if the route's own choice stands. */
    String selectedCluster();

    /** The endpoint chosen by a filter, or {@code null}. */
    InetSocketAddress selectedEndpoint();

    /**
     * Headers the host adds to the request as it sends it upstream, on every attempt, after all request filters
     * ran. They are not part of {@link #request()}, so later filters and access logs do not see them: the place for
     * upstream credentials such as a provider API key. Mutable until the request head leaves, and again in a
     * response callback that returns {@link FilterAction#retry} (the new attempt may need other credentials).
     */
    HttpHeaders upstreamRequestHeaders();

    /**
     * Sends a side request to {@code cluster} (an auth service, a moderation API, a proxy-wasm
     * {@code proxy_http_call}) and completes with its whole response. The stage may complete on any thread; return it
     * (mapped to an action) from a callback with {@link FilterAction#await} to resume the exchange on its event loop.
     *
     * @param body the request body; owned by the host from now on
     * @param timeout the overall deadline of the call
     */
    CompletionStage<CalloutResponse> callout(String cluster, HttpRequestHead head, ByteBuffer body, Duration timeout);

    /** The exchange's event loop: run follow-up work that touches this context here. Never block it. */
    Executor eventLoop();
}
