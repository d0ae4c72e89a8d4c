package dev.nantian.proxy.internal;

import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.RetryPolicy;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.routing.Binding;
import dev.nantian.core.routing.HttpRouteMatchResult;
import dev.nantian.core.routing.HttpRouter;
import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.SocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, from the request head to the last byte of the response, on the downstream
 * channel's event loop (every method runs there). The same class serves HTTP/1.1 connections and HTTP/2 streams:
 * both arrive as Netty's HTTP/1 objects, from a {@link Downstream} that also takes the response.
 *
 * <p>Request bodies stream by default: a chunk is read from the client only after the previous one was written
 * upstream, and response chunks likewise, so neither direction buffers more than one read. Routes that retry or
 * mirror need the body more than once and buffer it whole, up to {@link ProxySettings#maxBufferedBodyBytes()}.
 *
 * <p>An exchange keeps the {@link CompiledConfig} it started with, so a config swap never changes a request midway.
 *
 * <p>When the picked backend has a {@link dev.nantian.core.filter.FilterChain} (the route or backend uses extension
 * filters, or the backend is an extension backend), routing and the built-in filters run here as always, and a
 * {@link FilterHost} takes the request from there: it runs the chain, the upstream attempts and the response (and a
 * WebSocket upgrade up to the 101, after which it hands back to {@link #tunnel}). Other routes never create one.
 */
final class Exchange {
    private static final Logger log = LoggerFactory.getLogger(Exchange.class);
    private static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);
    private static final int MAX_BODY_COMPONENTS = 1024;

    // Package-private where the FilterHost of a route with extension filters shares the exchange's state.
    final Downstream downstream;
    final ProxyContext proxy;
    final ProxySettings settings;
    final CompiledConfig config;
    private final Binding binding;
    final boolean h2;
    private final HttpRequest request;
    final boolean keepAliveRequested;
    final boolean http10;
    final boolean head;

    private String uri;
    private String origin;
    private HttpRouteMatchResult match;
    CompiledRoute route;
    CompiledRoute.Target target;
    UpstreamSelection selection;
    private HttpRequest upstreamHead;
    /** True once an attempt took {@link #upstreamHead} itself; later attempts and mirrors get copies. */
    private boolean upstreamHeadUsed;

    private boolean webSocket;
    private boolean buffering;
    boolean requestHasBody;
    private long declaredLength = -1;
    /** Runs the route's extension filters, or {@code null} on the plain path. */
    private FilterHost filterHost;

    private long requestBytes;
    boolean requestComplete;
    private CompositeByteBuf body;
    private HttpHeaders trailers;
    private final ArrayDeque<HttpContent> pending = new ArrayDeque<>(2);
    private boolean bodySent;

    private Attempt attempt;
    private int attempts;
    private boolean staleRetried;
    boolean responseStarted;
    boolean finished;
    private ScheduledFuture<?> requestTimer;
    private ScheduledFuture<?> retryTimer;
    /** Status, bytes, endpoint and flags for the access log and metrics, reported once by {@link #report}. */
    final ExchangeRecord record;

    Exchange(
            Downstream downstream,
            ProxyContext proxy,
            CompiledConfig config,
            Binding binding,
            boolean h2,
            HttpRequest request) {
        this.downstream = downstream;
        this.proxy = proxy;
        this.settings = proxy.settings();
        this.config = config;
        this.binding = binding;
        this.h2 = h2;
        this.request = request;
        this.keepAliveRequested = h2 || HttpUtil.isKeepAlive(request);
        this.http10 = !h2 && request.protocolVersion().equals(HttpVersion.HTTP_1_0);
        this.head = HttpMethod.HEAD.equals(request.method());
        this.record = new ExchangeRecord(request, h2, proxy.telemetry().logsAccess());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Request side
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Starts the exchange with the request head. A {@code FullHttpRequest} (HTTP/2 headers that end the stream)
     * also carries its body, which is consumed here.
     */
    void onRequestHead() {
        HttpContent full = request instanceof HttpContent ? (HttpContent) request : null;
        if (full instanceof LastHttpContent) {
            requestComplete = true;
        }
        boolean forward;
        try {
            forward = prepare();
        } catch (RuntimeException e) {
            log.warn("request {} {} failed before forwarding", request.method(), request.uri(), e);
            localReply(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", true);
            forward = false;
        }
        if (!forward) {
            if (full != null) {
                full.release();
            }
            return;
        }
        if (filterHost != null) {
            filterHost.start(upstreamHead, full);
            return;
        }
        if (full != null) {
            // Pass the body on as plain content: the request object itself would be encoded as a second head. A
            // bodiless one (an HTTP/2 GET) ends with the shared empty content, which allocates no trailer headers.
            LastHttpContent trailed = full instanceof LastHttpContent l ? l : null;
            LastHttpContent last;
            if (!full.content().isReadable()
                    && (trailed == null || trailed.trailingHeaders().isEmpty())) {
                last = LastHttpContent.EMPTY_LAST_CONTENT;
            } else {
                last = new DefaultLastHttpContent(full.content().retain());
                if (trailed != null) {
                    last.trailingHeaders().set(trailed.trailingHeaders());
                }
            }
            full.release();
            onRequestContent(last);
        } else if (buffering) {
            downstream.read();
        }
        if (!buffering && !finished) {
            startAttempt();
        }
    }

    /** Routes the request; returns true when it is to be forwarded, false when it was answered locally. */
    private boolean prepare() {
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            log.debug("malformed request from {}: {}", remoteAddress(), cause.toString());
            record.flags |= ResponseFlags.DOWNSTREAM_PROTOCOL_ERROR;
            HttpResponseStatus status = cause instanceof TooLongHttpLineException
                    ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : cause instanceof TooLongHttpHeaderException
                            ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                            : HttpResponseStatus.BAD_REQUEST;
            localReply(status, status.reasonPhrase(), true);
            return false;
        }
        HttpHeaders headers = request.headers();
        String requestTarget = request.uri();
        if (!requestTarget.startsWith("/")) {
            // Absolute form is what proxies get; its authority overrides Host (RFC 9112 section 3.2.2).
            if (requestTarget.regionMatches(true, 0, "http://", 0, 7)
                    || requestTarget.regionMatches(true, 0, "https://", 0, 8)) {
                try {
                    URI u = new URI(requestTarget);
                    if (u.getRawAuthority() != null) {
                        headers.set(HttpHeaderNames.HOST, u.getRawAuthority());
                    }
                    String path = u.getRawPath() == null || u.getRawPath().isEmpty() ? "/" : u.getRawPath();
                    requestTarget = u.getRawQuery() == null ? path : path + "?" + u.getRawQuery();
                } catch (java.net.URISyntaxException e) {
                    localReply(HttpResponseStatus.BAD_REQUEST, "bad request target", true);
                    return false;
                }
            } else {
                localReply(HttpResponseStatus.BAD_REQUEST, "bad request target", true);
                return false;
            }
        }
        String host = headers.get(HttpHeaderNames.HOST);
        if (!h2
                && !http10
                && (host == null || headers.getAll(HttpHeaderNames.HOST).size() != 1)) {
            localReply(HttpResponseStatus.BAD_REQUEST, "exactly one Host header is required", true);
            return false;
        }
        uri = PathOps.normalize(requestTarget);
        declaredLength = HttpUtil.getContentLength(request, -1L);
        if (declaredLength > settings.maxRequestBodyBytes()) {
            localReply(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large", true);
            return false;
        }
        requestHasBody = declaredLength > 0
                || HttpUtil.isTransferEncodingChunked(request)
                || (h2 && !(request instanceof LastHttpContent));

        HttpRouter router = config.router(binding);
        if (router == null) {
            // The socket is draining after a config change removed it.
            localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "listener removed", true);
            return false;
        }
        if (isMisdirected(router, host)) {
            localReply(HttpResponseStatus.MISDIRECTED_REQUEST, "misdirected request", false);
            return false;
        }
        match = router.match(host, uri, request.method().name(), headers::get);
        if (!match.isMatched()) {
            record.flags |= ResponseFlags.NO_ROUTE;
            localReply(HttpResponseStatus.NOT_FOUND, "no route", false);
            return false;
        }
        route = config.route(match.route());
        origin = headers.get(HttpHeaderNames.ORIGIN);
        if (route.cors() != null && CorsPolicy.isPreflight(request.method(), headers)) {
            localReply(HttpResponseStatus.OK, "", false, h -> route.cors().preflight(headers, h), false);
            return false;
        }
        RouteAction action = route.route().action();
        if (action instanceof RouteAction.Redirect redirect) {
            String location = PathOps.redirectLocation(
                    redirect,
                    downstream.scheme(),
                    hostWithoutPort(host),
                    match.listener().port(),
                    uri,
                    match.matchedPrefixLength());
            localReply(
                    HttpResponseStatus.valueOf(redirect.statusCode()),
                    "",
                    false,
                    h -> h.set(HttpHeaderNames.LOCATION, location),
                    true);
            return false;
        }
        if (action instanceof RouteAction.DirectResponse direct) {
            localReply(
                    HttpResponseStatus.valueOf(direct.status()),
                    direct.body(),
                    false,
                    h -> {
                        for (HttpHeader header : direct.headers()) {
                            h.add(header.name(), header.value());
                        }
                    },
                    true);
            return false;
        }
        selection = UpstreamSelection.of(route, headers, this::clientIp);
        CompiledRoute.Target picked = selection.target();
        if (picked == null) {
            record.flags |= ResponseFlags.NO_CLUSTER;
            localReply(HttpResponseStatus.INTERNAL_SERVER_ERROR, "no backends", false);
            return false;
        }
        if (picked.cluster() == null && picked.chain() == null) {
            record.flags |= ResponseFlags.NO_CLUSTER;
            // An InvalidBackend: its share of weight fails.
            localReply(HttpResponseStatus.INTERNAL_SERVER_ERROR, "invalid backend", false);
            return false;
        }
        // With a chain, filters may still send the request elsewhere: the empty cluster is the host's to report.
        if (picked.chain() == null && picked.cluster().isEmpty()) {
            record.flags |= ResponseFlags.NO_HEALTHY_UPSTREAM;
            localReply(HttpResponseStatus.SERVICE_UNAVAILABLE, "no healthy upstream", false);
            return false;
        }
        this.target = picked;
        // With a chain the upgrade stays in the head its filters see; FilterHost decides from what the chain sends.
        webSocket = !h2 && HeaderOps.isWebSocket(headers.get(HttpHeaderNames.UPGRADE));
        upstreamHead = buildUpstreamHead(host);
        Optional<RetryPolicy> retry = route.route().retry();
        if (picked.chain() != null) {
            // The filter host records what the chain sends instead of buffering what the client sent.
            filterHost = new FilterHost(this, downstream, picked.chain());
        }
        buffering = !webSocket
                && filterHost == null
                && (retry.map(r -> r.attempts() > 0).orElse(false)
                        || !route.mirrors().isEmpty());
        if (buffering) {
            body = downstream.alloc().compositeBuffer(MAX_BODY_COMPONENTS);
        }
        route.route()
                .timeouts()
                .request()
                .ifPresent(d -> requestTimer =
                        downstream.eventLoop().schedule(this::onRequestTimeout, d.toNanos(), TimeUnit.NANOSECONDS));
        return true;
    }

    /**
     * True when a request over TLS names a host that belongs to another listener than the one its connection's SNI
     * chose (the client reused a connection it should not have, e.g. HTTP/2 coalescing): Gateway API wants 421.
     */
    private boolean isMisdirected(HttpRouter router, String host) {
        DownstreamTls tls = downstream.tls();
        if (tls == null) {
            return false;
        }
        Listener byHost = router.listenerFor(host);
        return byHost == null || !byHost.name().equals(tls.listenerName());
    }

    /**
     * The head to send upstream. It takes over the request's own headers rather than copying them (the exchange owns
     * the request; what reads the client's headers later, the access log, took them at the start), so hash keys and
     * session tokens of later attempts read the request as it is forwarded.
     */
    private HttpRequest buildUpstreamHead(String originalHost) {
        HttpHeaders h = request.headers();
        HeaderOps.stripHopByHop(h, webSocket);
        // Whatever the client spoke: Netty's HTTP/2 client conversion would read a client's x-http2-scheme.
        HeaderOps.stripHttp2Extensions(h);
        // We answer 100-continue ourselves (or the client sent the body anyway); the upstream gets the body.
        h.remove(HttpHeaderNames.EXPECT);
        String path = PathOps.path(uri);
        String query = PathOps.query(uri);
        RouteFilter.UrlRewrite rewrite = target.filters().rewrite() != null
                ? target.filters().rewrite()
                : route.filters().rewrite();
        if (rewrite != null) {
            rewrite.hostname().ifPresent(n -> h.set(HttpHeaderNames.HOST, n));
            if (rewrite.path().isPresent()) {
                path = PathOps.modify(rewrite.path().get(), path, match.matchedPrefixLength());
            }
        }
        for (HeaderModifier m : route.filters().request()) {
            HeaderOps.apply(m, h);
        }
        for (HeaderModifier m : target.filters().request()) {
            HeaderOps.apply(m, h);
        }
        HeaderOps.addForwarded(h, clientIp(), downstream.scheme(), originalHost);
        if (!h.contains(HttpHeaderNames.HOST) && originalHost != null) {
            h.set(HttpHeaderNames.HOST, originalHost);
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), path + query, h);
    }

    /** A chunk of the request body; the exchange owns it. */
    void onRequestContent(HttpContent c) {
        if (finished) {
            c.release();
            return;
        }
        if (c.decoderResult().isFailure()) {
            c.release();
            localReply(HttpResponseStatus.BAD_REQUEST, "malformed request body", true);
            return;
        }
        boolean last = c instanceof LastHttpContent;
        requestBytes += c.content().readableBytes();
        if (last) {
            requestComplete = true;
        }
        long limit = buffering
                ? Math.min(settings.maxBufferedBodyBytes(), settings.maxRequestBodyBytes())
                : settings.maxRequestBodyBytes();
        if (requestBytes > limit) {
            c.release();
            localReply(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request body too large", true);
            return;
        }
        if (filterHost != null) {
            filterHost.onRequestContent(c);
            return;
        }
        if (buffering) {
            if (c.content().isReadable()) {
                body.addComponent(true, c.content().retain());
            }
            if (last && !((LastHttpContent) c).trailingHeaders().isEmpty()) {
                trailers = ((LastHttpContent) c).trailingHeaders().copy();
            }
            c.release();
            if (last) {
                sendMirrors();
                startAttempt();
            } else {
                downstream.read();
            }
            return;
        }
        Attempt a = attempt;
        if (a != null && a.ready) {
            a.writeBody(c);
        } else {
            pending.add(c);
        }
    }

    /** The downstream channel closed: abandon everything. */
    void onDownstreamClosed() {
        if (finished) {
            return;
        }
        report(ResponseFlags.DOWNSTREAM_RESET);
        finished = true;
        abandonAttempt();
        cleanup();
    }

    boolean isFinished() {
        return finished;
    }

    /** True for an HTTP/1.1 request that asks for a WebSocket upgrade. */
    boolean isWebSocket() {
        return webSocket;
    }

    /**
     * The upstream accepted the WebSocket upgrade: the exchange ends here (logged with status 101), {@code resp} goes
     * to the client and the two connections are spliced. {@code up} is a connection of its own (never pooled), whose
     * listener this detaches.
     */
    void tunnel(HttpResponse resp, Channel up) {
        responseStarted = true;
        record.status = 101;
        report(0);
        finished = true;
        cleanup();
        up.pipeline().get(UpstreamHandler.class).detach();
        downstream.tunnelled(this);
        downstream.writeAndFlush(resp);
        Tunnel.splice(downstream.channel(), up);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Attempts, retries, timeouts
    // ---------------------------------------------------------------------------------------------------------

    private void startAttempt() {
        attempts++;
        EndpointLease lease = selection.lease(target.cluster());
        EndpointKey endpoint = lease.endpoint();
        record.upstream = endpoint;
        EndpointPool pool = proxy.pools().pool(downstream.eventLoop(), endpoint);
        Attempt a = new Attempt(pool, lease);
        attempt = a;
        a.start();
    }

    private void abandonAttempt() {
        Attempt a = attempt;
        attempt = null;
        if (a != null) {
            a.abandon();
        }
    }

    /** True when the route allows another attempt after {@code code} ({@code null} for a connection failure). */
    private boolean canRetry(Integer code) {
        Optional<RetryPolicy> policy = route.route().retry();
        if (policy.isEmpty() || attempts > policy.get().attempts() || responseStarted || finished) {
            return false;
        }
        if (!replayable()) {
            return false;
        }
        return code == null || policy.get().codes().contains(code);
    }

    /** True when the request can be sent again: buffered, or nothing of a streamed body went out. */
    private boolean replayable() {
        return buffering || !bodySent || (requestComplete && requestBytes == 0);
    }

    private void scheduleRetry() {
        long base = route.route()
                .retry()
                .flatMap(RetryPolicy::backoff)
                .orElse(DEFAULT_BACKOFF)
                .toNanos();
        // Exponential backoff, capped at ten times the base, with "equal jitter": half fixed, half random.
        long exp = Math.min(base << Math.min(attempts - 1, 10), base * 10);
        long delay = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        retryTimer = downstream
                .eventLoop()
                .schedule(
                        () -> {
                            retryTimer = null;
                            if (!finished && !responseStarted) {
                                startAttempt();
                            }
                        },
                        delay,
                        TimeUnit.NANOSECONDS);
    }

    private void onRequestTimeout() {
        requestTimer = null;
        if (finished) {
            return;
        }
        if (filterHost != null) {
            // Through the chain: its filters see the 504 (or, after the response started, the reset).
            filterHost.onRequestTimeout();
            return;
        }
        record.flags |= ResponseFlags.UPSTREAM_TIMEOUT;
        if (responseStarted) {
            abort();
        } else {
            localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "request timeout", !requestComplete);
        }
    }

    private void sendMirrors() {
        for (RouteFilter.RequestMirror m : route.mirrors()) {
            if (m.fraction().isPresent()) {
                Fraction f = m.fraction().get();
                if (ThreadLocalRandom.current().nextInt(f.denominator()) >= f.numerator()) {
                    continue;
                }
            }
            ClusterState cluster = config.cluster(m.cluster());
            if (cluster == null || cluster.isEmpty()) {
                continue;
            }
            EndpointKey endpoint = cluster.pick();
            HttpRequest copy = attemptHead(endpoint.http2());
            Mirror.send(
                    proxy.pools().pool(downstream.eventLoop(), endpoint),
                    copy,
                    body.retainedDuplicate(),
                    trailers,
                    settings.mirrorTimeout());
        }
    }

    /**
     * The upstream head framed for how the body will be sent on this attempt: the first attempt of a streamed
     * request (nearly every request) takes {@link #upstreamHead} itself, which saves copying every header; retries
     * and mirrors get fresh copies. The framing below only ever sets what the same attempt kind sets again, and
     * encoders do not modify a head they write, so a later copy starts from the same headers.
     */
    private HttpRequest attemptHead(boolean h2Upstream) {
        boolean reuse = !buffering && !upstreamHeadUsed;
        upstreamHeadUsed = true;
        HttpHeaders h = reuse ? upstreamHead.headers() : upstreamHead.headers().copy();
        if (buffering) {
            int n = body.readableBytes();
            if (trailers != null && !h2Upstream) {
                h.remove(HttpHeaderNames.CONTENT_LENGTH);
                h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else if (n > 0 || requestHasBody) {
                h.set(HttpHeaderNames.CONTENT_LENGTH, n);
            } else {
                h.remove(HttpHeaderNames.CONTENT_LENGTH);
            }
        } else if (declaredLength < 0 && requestHasBody && !h2Upstream && !webSocket) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        return reuse
                ? upstreamHead
                : new DefaultHttpRequest(HttpVersion.HTTP_1_1, upstreamHead.method(), upstreamHead.uri(), h);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Response side
    // ---------------------------------------------------------------------------------------------------------

    private void localReply(HttpResponseStatus status, String text, boolean close) {
        localReply(status, text, close, h -> {}, false);
    }

    /** Answers without an upstream; after a response started it can only abort. */
    private void localReply(
            HttpResponseStatus status,
            String text,
            boolean close,
            Consumer<HttpHeaders> headers,
            boolean routeFilters) {
        if (finished) {
            return;
        }
        if (responseStarted) {
            abort();
            return;
        }
        abandonAttempt();
        responseStarted = true;
        ByteBuf content =
                text.isEmpty() || head ? Unpooled.EMPTY_BUFFER : ByteBufUtil.writeUtf8(downstream.alloc(), text);
        record.status = status.code();
        record.bytesSent = content.readableBytes();
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        HttpHeaders h = resp.headers();
        if (!text.isEmpty()) {
            h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        }
        h.setInt(HttpHeaderNames.CONTENT_LENGTH, head ? 0 : content.readableBytes());
        headers.accept(h);
        if (routeFilters) {
            applyResponseFilters(h);
        }
        boolean keepAlive = !close && keepAliveRequested && requestComplete && !downstream.isDraining();
        if (!h2) {
            setConnection(h, keepAlive);
        }
        if (status.code() >= 500) {
            log.debug("{} {} -> {} ({})", request.method(), request.uri(), status.code(), text);
        }
        complete(downstream.writeAndFlush(resp), keepAlive);
    }

    /** Says explicitly when the connection closes, whatever the client's HTTP version implies. */
    void setConnection(HttpHeaders h, boolean keepAlive) {
        if (!keepAlive) {
            h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else {
            HttpUtil.setKeepAlive(h, request.protocolVersion(), true);
        }
    }

    void applyResponseFilters(HttpHeaders h) {
        if (route == null) {
            return;
        }
        for (HeaderModifier m : route.filters().response()) {
            HeaderOps.apply(m, h);
        }
        if (target != null) {
            for (HeaderModifier m : target.filters().response()) {
                HeaderOps.apply(m, h);
            }
        }
        if (route.cors() != null) {
            route.cors().actual(origin, h);
        }
    }

    /** The response is written (or being written): tell the connection when it is out. */
    void complete(ChannelFuture lastWrite, boolean keepAlive) {
        finished = true;
        cleanup();
        lastWrite.addListener(f -> {
            report(f.isSuccess() ? 0 : ResponseFlags.DOWNSTREAM_RESET);
            downstream.exchangeDone(this, keepAlive && f.isSuccess());
        });
    }

    /** Something failed after the response started: the client must see a truncated response, not a wrong one. */
    void abort() {
        if (!finished) {
            report(0);
            finished = true;
            abandonAttempt();
            cleanup();
        }
        downstream.close();
    }

    private void cleanup() {
        if (filterHost != null) {
            filterHost.shutdown();
        }
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
        if (body != null) {
            body.release();
            body = null;
        }
        HttpContent c;
        while ((c = pending.poll()) != null) {
            c.release();
        }
    }

    /** Hands the finished exchange to the access log and metrics, once, whichever way it ended. */
    private void report(int flag) {
        CompiledRoute.Target t = target;
        ClusterState cluster;
        if (filterHost != null) {
            // Completes the chain first (if the exchange ends on its own), so that its log fields are in the record.
            filterHost.shutdown();
            cluster = filterHost.cluster();
        } else {
            cluster = t == null ? null : t.cluster();
        }
        if (record.finish(flag, route, cluster, requestBytes, remoteAddress())) {
            proxy.telemetry().exchangeDone(record);
        }
    }

    private String clientIp() {
        return downstream.clientIp();
    }

    private SocketAddress remoteAddress() {
        return downstream.remoteAddress();
    }

    static String hostWithoutPort(String host) {
        if (host == null) {
            return "";
        }
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.indexOf(':');
        return (colon < 0 ? host : host.substring(0, colon)).toLowerCase(Locale.ROOT);
    }

    /** One try against one endpoint. Stale callbacks of an attempt that is no longer current are ignored. */
    private final class Attempt implements UpstreamListener {
        private final EndpointPool pool;
        private final EndpointKey endpoint;
        private final EndpointLease lease;
        private final boolean h2Upstream;
        private Channel channel;
        private boolean ready;
        private boolean reused;
        private boolean lastWritten;
        private boolean responseComplete;
        private boolean upstreamKeepAlive = true;
        private boolean skipLast;
        private boolean keepAliveDownstream;
        private ChannelFuture lastDownstreamWrite;
        private ScheduledFuture<?> backendTimer;

        Attempt(EndpointPool pool, EndpointLease lease) {
            this.pool = pool;
            this.endpoint = lease.endpoint();
            this.lease = lease;
            this.h2Upstream = endpoint.http2() && !webSocket;
        }

        private boolean current() {
            return attempt == this && !finished;
        }

        void start() {
            route.route()
                    .timeouts()
                    .backendRequest()
                    .ifPresent(d -> backendTimer =
                            downstream.eventLoop().schedule(this::onBackendTimeout, d.toNanos(), TimeUnit.NANOSECONDS));
            Future<Channel> f = webSocket ? pool.connectNew() : pool.acquire();
            f.addListener(this::onAcquired);
        }

        private void onAcquired(Future<? super Channel> f) {
            if (!f.isSuccess()) {
                proxy.telemetry().upstreamConnectFailed(target.cluster(), endpoint);
                if (current()) {
                    log.debug("connect to {} failed: {}", endpoint, f.cause().toString());
                    failed(true);
                }
                return;
            }
            Channel ch = (Channel) f.getNow();
            if (!current()) {
                pool.release(ch, true);
                return;
            }
            channel = ch;
            UpstreamHandler handler = ch.pipeline().get(UpstreamHandler.class);
            handler.attach(this);
            reused = handler.reused();
            // Only the last write's outcome is waited for, and only while the client still sends the body; without
            // that the writes take the void promise (a failure reaches the upstream handler, which ends the attempt).
            boolean await = !requestComplete;
            ChannelFuture lastWrite = write(ch, attemptHead(h2Upstream), await);
            if (buffering) {
                LastHttpContent content = new DefaultLastHttpContent(body.retainedDuplicate());
                if (trailers != null) {
                    content.trailingHeaders().set(trailers);
                }
                lastWrite = write(ch, content, await);
                lastWritten = true;
            } else if (bodySent) {
                // A replay of a request whose (empty) body an earlier attempt consumed.
                lastWrite = write(ch, LastHttpContent.EMPTY_LAST_CONTENT, await);
                lastWritten = true;
            } else {
                HttpContent c;
                while ((c = pending.poll()) != null) {
                    bodySent = true;
                    lastWritten |= c instanceof LastHttpContent;
                    lastWrite = write(ch, c, await);
                }
            }
            ready = true;
            ch.flush();
            if (!requestComplete) {
                lastWrite.addListener(w -> {
                    if (w.isSuccess() && current() && !requestComplete) {
                        downstream.read();
                    }
                });
            }
            ch.read();
        }

        private ChannelFuture write(Channel ch, HttpObject msg, boolean await) {
            return await ? ch.write(msg) : ch.write(msg, ch.voidPromise());
        }

        void writeBody(HttpContent c) {
            boolean last = c instanceof LastHttpContent;
            bodySent = true;
            ChannelFuture w = channel.writeAndFlush(c);
            if (last) {
                lastWritten = true;
            } else {
                w.addListener(x -> {
                    if (x.isSuccess() && current() && !requestComplete) {
                        downstream.read();
                    }
                });
            }
        }

        @Override
        public void onUpstreamMessage(HttpObject msg) {
            if (!current() || responseComplete) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpResponse resp) {
                if (resp.decoderResult().isFailure()) {
                    ReferenceCountUtil.release(msg);
                    log.debug(
                            "malformed response from {}: {}",
                            endpoint,
                            resp.decoderResult().cause().toString());
                    record.flags |= ResponseFlags.UPSTREAM_PROTOCOL_ERROR;
                    abandon();
                    attempt = null;
                    localReply(HttpResponseStatus.BAD_GATEWAY, "malformed upstream response", !requestComplete);
                    return;
                }
                int code = resp.status().code();
                if (code == 101 && webSocket) {
                    switchToTunnel(resp);
                    return;
                }
                if (code >= 100 && code < 200) {
                    // Interim responses are not forwarded; the decoder follows them with an empty last content.
                    skipLast = !(msg instanceof LastHttpContent);
                    ReferenceCountUtil.release(msg);
                    return;
                }
                lease.responded(code);
                // The retry check first: canRetry boxes the status, on every response otherwise.
                if (route.route().retry().isPresent() && canRetry(code)) {
                    ReferenceCountUtil.release(msg);
                    abandon();
                    attempt = null;
                    scheduleRetry();
                    return;
                }
                responseStarted = true;
                prepareResponse(resp);
            } else if (msg instanceof LastHttpContent && skipLast) {
                skipLast = false;
                ReferenceCountUtil.release(msg);
                return;
            } else if (!responseStarted) {
                ReferenceCountUtil.release(msg);
                return;
            }
            if (msg instanceof HttpContent c) {
                record.bytesSent += c.content().readableBytes();
            }
            if (msg instanceof LastHttpContent) {
                responseComplete = true;
                cancelBackendTimer();
                ChannelFuture w = downstream.writeAndFlush(msg);
                lease.release();
                pool.release(channel, upstreamKeepAlive && lastWritten && requestComplete);
                channel = null;
                attempt = null;
                complete(w, keepAliveDownstream && requestComplete);
                return;
            }
            lastDownstreamWrite = downstream.write(msg);
        }

        private void prepareResponse(HttpResponse resp) {
            HttpHeaders h = resp.headers();
            record.status = resp.status().code();
            upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
            long length = HttpUtil.getContentLength(resp, -1L);
            HeaderOps.stripHopByHop(h, false);
            if (h2Upstream) {
                HeaderOps.stripHttp2Extensions(h);
            }
            applyResponseFilters(h);
            selection.onResponseHeaders(h);
            resp.setProtocolVersion(HttpVersion.HTTP_1_1);
            keepAliveDownstream = keepAliveRequested && requestComplete && !downstream.isDraining();
            if (h2) {
                return;
            }
            int code = resp.status().code();
            boolean bodyAllowed = !head && code != 204 && code != 304;
            if (resp instanceof LastHttpContent full) {
                if (length < 0 && bodyAllowed) {
                    h.setInt(HttpHeaderNames.CONTENT_LENGTH, full.content().readableBytes());
                }
            } else if (length < 0 && bodyAllowed) {
                if (http10) {
                    // HTTP/1.0 has no chunked encoding: the body ends when the connection does.
                    keepAliveDownstream = false;
                } else {
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
            setConnection(h, keepAliveDownstream);
        }

        @Override
        public void onUpstreamReadComplete() {
            if (!current() || responseComplete) {
                return;
            }
            downstream.flush();
            Channel ch = channel;
            ChannelFuture w = lastDownstreamWrite;
            lastDownstreamWrite = null;
            if (w == null || w.isDone()) {
                if (w == null || w.isSuccess()) {
                    ch.read();
                }
                return;
            }
            // Backpressure: ask the upstream for more only once the client took what we have.
            w.addListener(x -> {
                if (x.isSuccess() && attempt == this && !finished) {
                    ch.read();
                }
            });
        }

        @Override
        public void onUpstreamClosed(Throwable cause) {
            if (!current() || responseComplete) {
                return;
            }
            if (cause != null) {
                log.debug("upstream {} failed: {}", endpoint, cause.toString());
            }
            failed(false);
        }

        private void failed(boolean connectFailure) {
            if (connectFailure || !reused || responseStarted) {
                lease.failed(); // a pooled connection the peer closed while idle is not the endpoint failing
            }
            abandon();
            attempt = null;
            int flag = connectFailure ? ResponseFlags.UPSTREAM_CONNECT_FAILURE : ResponseFlags.UPSTREAM_RESET;
            if (responseStarted) {
                record.flags |= flag;
                abort();
                return;
            }
            if (canRetry(null)) {
                scheduleRetry();
                return;
            }
            if (!connectFailure && reused && !staleRetried && replayable()) {
                // A pooled keep-alive connection the peer had closed: not the backend's answer, try a fresh one.
                staleRetried = true;
                attempts--;
                startAttempt();
                return;
            }
            record.flags |= flag;
            localReply(
                    connectFailure ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY,
                    connectFailure ? "upstream connect error" : "upstream connection reset",
                    !requestComplete);
        }

        private void onBackendTimeout() {
            backendTimer = null;
            if (!current() || responseComplete) {
                return;
            }
            lease.failed();
            abandon();
            attempt = null;
            if (responseStarted) {
                record.flags |= ResponseFlags.UPSTREAM_TIMEOUT;
                abort();
            } else if (canRetry(504)) {
                scheduleRetry();
            } else {
                record.flags |= ResponseFlags.UPSTREAM_TIMEOUT;
                localReply(HttpResponseStatus.GATEWAY_TIMEOUT, "upstream request timeout", !requestComplete);
            }
        }

        private void cancelBackendTimer() {
            if (backendTimer != null) {
                backendTimer.cancel(false);
                backendTimer = null;
            }
        }

        /** Stops this attempt; its connection cannot be reused since its state is unknown. */
        void abandon() {
            lease.release();
            cancelBackendTimer();
            Channel ch = channel;
            channel = null;
            if (ch != null) {
                pool.release(ch, false);
            }
        }

        private void switchToTunnel(HttpResponse resp) {
            lease.release();
            cancelBackendTimer();
            Channel up = channel;
            channel = null;
            attempt = null;
            HeaderOps.stripHopByHop(resp.headers(), true);
            applyResponseFilters(resp.headers());
            tunnel(resp, up);
        }
    }

    @Override
    public String toString() {
        return "Exchange[" + request.method() + " " + request.uri()
                + (route == null ? "" : " -> " + route.route().meta().displayName()) + "]";
    }
}
