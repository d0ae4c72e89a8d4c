package dev.nantian.proxy.internal;

import dev.nantian.core.NantianException;
import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.CalloutResponse;
import dev.nantian.core.filter.ExchangeHost;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterChain;
import dev.nantian.core.filter.FilterExchange;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.RetryPolicy;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.proxy.accesslog.internal.ResponseFlags;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
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
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of an {@link Exchange} whose route has a {@link FilterChain}: it feeds the chain what the client
 * and the upstream send, and puts on the wire what the chain passes on. Everything runs on the downstream channel's
 * event loop. Routes without extension filters never create one.
 *
 * <p>Buffers: a body chunk is lent to the chain as a read-only {@link ByteBuffer} view of the received
 * {@link ByteBuf}, which is released when the call returns; if the chain sends that very view on, the host sends a
 * retained duplicate of its own buffer (no copy); any other buffer the chain hands over is wrapped, not copied.
 *
 * <p>Re-entrancy: the chain must not be called back from inside an {@link ExchangeHost} method, so everything that
 * may synchronously produce an event for it (connecting upstream, reading from either side after a write completed,
 * failures found while sending) is posted to the event loop as its own task.
 *
 * <p>Upstream attempts: the chain may {@link #cancelUpstream()} and send the request again, any number of times,
 * as long as no response head went downstream; each attempt is an {@link Upstream} and events of an abandoned one are
 * dropped. The route's own retry policy applies within each attempt the chain makes: a retriable failure before the
 * chain saw a response replays the request the chain sent (which is recorded only when the route retries or mirrors).
 *
 * <p>WebSocket: an HTTP/1.1 upgrade request runs the request filters like any other (they see {@code Upgrade} and
 * {@code Connection: Upgrade} and may remove the former to refuse it, or answer locally). If the head the chain sends
 * still asks for it, the attempt is an upgrade: a connection of its own ({@link EndpointPool#connectNew()}, always
 * HTTP/1.1, also to h2/h2c endpoints, exactly as the plain path does, so a backend that cannot upgrade answers or
 * fails as it would there), never retried by the route's policy, replayed or mirrored, and closed after a response
 * other than 101. A 101 goes through the response-head filters with no body; when the chain sends it on, the chain
 * completes and {@link Exchange#tunnel} splices the two connections, so body filters never see frames. If a filter
 * answers something else instead, the upgraded connection is closed.
 */
final class FilterHost implements ExchangeHost {
    private static final Logger log = LoggerFactory.getLogger(FilterHost.class);
    private static final Duration DEFAULT_BACKOFF = Duration.ofMillis(25);
    private static final int MAX_BODY_COMPONENTS = 1024;
    private static final int ATTEMPT_FAILURE_FLAGS = ResponseFlags.UPSTREAM_CONNECT_FAILURE
            | ResponseFlags.UPSTREAM_RESET
            | ResponseFlags.UPSTREAM_TIMEOUT
            | ResponseFlags.UPSTREAM_PROTOCOL_ERROR
            | ResponseFlags.NO_HEALTHY_UPSTREAM
            | ResponseFlags.NO_CLUSTER;

    private final Exchange ex;
    private final Downstream downstream;
    private final FilterChain chain;
    private final boolean recordRequest;
    private FilterExchange fx;

    // Request side: what the client sends.
    private boolean requestEnded;
    private boolean requestPaused;
    private boolean readRequested;
    private int requestWritesInFlight;
    private ByteBuffer lentView;
    private ByteBuf lentBuf;

    // What the chain sent upstream, for the route's retries and mirrors.
    private HttpRequest sentHead;
    private boolean sentHeadEos;
    private CompositeByteBuf sentBody;
    private HttpHeaders sentTrailers;
    private boolean sentComplete;
    private boolean recordOverflow;
    private boolean bodyLeft;

    private Upstream attempt;
    private int attempts;
    private boolean staleRetried;
    private ClusterState cluster;
    private ScheduledFuture<?> retryTimer;
    /** True while the request the chain sent asks the upstream for a WebSocket upgrade. */
    private boolean upgrade;

    // Response side: what goes to the client.
    private boolean responsePaused;
    private boolean upstreamReadWanted;
    private boolean inUpstreamRead;
    private ChannelFuture lastDownstreamWrite;
    private ChannelFuture finalWrite;
    private boolean keepAliveDownstream;
    private boolean responseBodyAllowed = true;
    private boolean downstreamReset;
    private boolean detached;
    /** The 101 the chain sent on, written when the chain completes and the connections are spliced. */
    private FullHttpResponse switching;

    FilterHost(Exchange ex, Downstream downstream, FilterChain chain) {
        this.ex = ex;
        this.downstream = downstream;
        this.chain = chain;
        this.recordRequest = ex.route.route().retry().map(r -> r.attempts() > 0).orElse(false)
                || !ex.route.mirrors().isEmpty();
    }

    /** The cluster of the latest upstream attempt, or {@code null}. */
    ClusterState cluster() {
        return cluster;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Downstream -> chain
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Starts the chain with the request head as the route's built-in filters left it ({@code upstreamHead}: header
     * modifiers, rewrite, {@code X-Forwarded-*}, hop-by-hop headers removed).
     *
     * @param full the HTTP/2 request that also carried the whole body, or {@code null}; released here
     */
    void start(HttpRequest upstreamHead, HttpContent full) {
        fx = chain.newExchange(this, ex.downstream.connectionInfo());
        boolean eos;
        LastHttpContent body = null;
        if (full != null) {
            HttpHeaders trailers = full instanceof LastHttpContent l ? l.trailingHeaders() : null;
            eos = !full.content().isReadable() && (trailers == null || trailers.isEmpty());
            if (!eos) {
                body = new DefaultLastHttpContent(full.content().retain());
                if (trailers != null) {
                    body.trailingHeaders().set(trailers);
                }
            }
            full.release();
        } else {
            eos = !ex.requestHasBody;
        }
        HttpHeaders h = upstreamHead.headers();
        String authority = h.get(HttpHeaderNames.HOST);
        dev.nantian.core.filter.HttpHeaders headers = toCore(h, HttpHeaderNames.HOST);
        HttpRequestHead head = HttpRequestHead.of(
                upstreamHead.method().name(), upstreamHead.uri(), authority == null ? "" : authority, headers);
        requestEnded = eos;
        fx.onRequestHead(head, eos);
        if (body != null) {
            onRequestContent(body);
        } else {
            maybeReadRequest();
        }
    }

    /** A request body chunk that passed the exchange's limits; owned here. */
    void onRequestContent(HttpContent c) {
        readRequested = false;
        if (requestEnded || fx.isComplete() || detached) {
            // The end of a bodyless request (HTTP/1.1 sends an empty last content), or late data.
            c.release();
            return;
        }
        try {
            boolean last = c instanceof LastHttpContent;
            HttpHeaders trailers = last ? ((LastHttpContent) c).trailingHeaders() : null;
            boolean hasTrailers = trailers != null && !trailers.isEmpty();
            requestEnded = last;
            ByteBuf content = c.content();
            if (content.isReadable() || (last && !hasTrailers)) {
                lend(content);
                try {
                    fx.onRequestBody(lentView, last && !hasTrailers);
                } finally {
                    unlend();
                }
            }
            if (hasTrailers && !fx.isComplete()) {
                fx.onRequestTrailers(toCore(trailers, null));
            }
        } finally {
            c.release();
        }
        maybeReadRequest();
    }

    private void lend(ByteBuf content) {
        lentBuf = content;
        lentView = content.isReadable() ? content.nioBuffer().asReadOnlyBuffer() : BodyBuffers.EMPTY;
    }

    private void unlend() {
        lentBuf = null;
        lentView = null;
    }

    /** Reads the next request chunk when nothing of the previous one is still on its way upstream. */
    private void maybeReadRequest() {
        // Reads go on after the chain saw the end (requestEnded): HTTP/1.1 still delivers the empty last content,
        // and only then is the connection reusable.
        if (ex.requestComplete
                || ex.finished
                || detached
                || requestPaused
                || readRequested
                || requestWritesInFlight > 0
                || (attempt != null && attempt.queued > 0)) {
            return;
        }
        readRequested = true;
        ex.downstream.read();
    }

    private void postReadRequest() {
        downstream.eventLoop().execute(this::maybeReadRequest);
    }

    /** The route's request timeout fired. */
    void onRequestTimeout() {
        ex.record.flags |= ResponseFlags.UPSTREAM_TIMEOUT;
        abandonAttempt();
        fx.onUpstreamFailure(
                504,
                new TimeoutException("request timeout of route " + chain.route().name()));
    }

    /**
     * The exchange ends for a reason of its own (client gone, a reply of the exchange itself, a failure): the chain
     * completes without sending anything more. Idempotent.
     */
    void shutdown() {
        if (detached) {
            return;
        }
        detached = true;
        abandonAttempt();
        if (switching != null) {
            switching.release();
            switching = null;
        }
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
        if (fx != null && !fx.isComplete()) {
            fx.cancel(new ClosedChannelException());
        }
        releaseRecording();
    }

    // ---------------------------------------------------------------------------------------------------------
    // ExchangeHost
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public Executor eventLoop() {
        return downstream.eventLoop();
    }

    @Override
    public Future<?> schedule(Runnable task, long delay, TimeUnit unit) {
        return downstream.eventLoop().schedule(task, delay, unit);
    }

    @Override
    public void sendRequestHead(HttpRequestHead head, boolean endOfStream) {
        if (detached) {
            return;
        }
        HttpFilterContext c = fx.context();
        String name = c.selectedCluster();
        ClusterState target = name != null ? ex.config.cluster(name) : ex.target.cluster();
        HttpRequest request;
        try {
            request = toNetty(head, c.upstreamRequestHeaders());
        } catch (RuntimeException e) {
            postFailure(500, e, 0);
            return;
        }
        releaseRecording();
        if (ex.isWebSocket()) {
            // Filters that removed Upgrade refused the upgrade; whatever else they left that is hop-by-hop goes.
            upgrade = HeaderOps.isWebSocket(request.headers().get(HttpHeaderNames.UPGRADE));
            HeaderOps.stripHopByHop(request.headers(), upgrade);
        }
        // A new attempt (a filter retries after a failure it saw): the failure is no longer how the exchange ends.
        ex.record.flags &= ~ATTEMPT_FAILURE_FLAGS;
        sentHead = request;
        sentHeadEos = endOfStream;
        sentComplete = endOfStream;
        bodyLeft = false;
        if (recordRequest && !endOfStream && !upgrade) {
            sentBody = downstream.alloc().compositeBuffer(MAX_BODY_COMPONENTS);
        }
        if (target == null) {
            String what = name != null
                    ? "cluster " + name + " chosen by a filter does not exist"
                    : "no upstream cluster: the extension backend chose none";
            postFailure(500, new NantianException(NantianException.Category.CONFIG, what), ResponseFlags.NO_CLUSTER);
            return;
        }
        cluster = target;
        EndpointLease lease = lease(target, c.selectedEndpoint());
        if (lease == null) {
            postFailure(
                    503,
                    new NantianException(
                            NantianException.Category.UPSTREAM, "no healthy upstream in cluster " + target.name()),
                    ResponseFlags.NO_HEALTHY_UPSTREAM);
            return;
        }
        // The route's retry policy counts the tries of each request the chain sends.
        attempts = 0;
        staleRetried = false;
        Upstream a = newAttempt(target, lease);
        // The first attempt sends the head itself; replays and mirrors frame copies of it.
        frame(request.headers(), lease.endpoint().http2() && !upgrade, endOfStream, null);
        a.queue(request);
        if (endOfStream) {
            a.queue(LastHttpContent.EMPTY_LAST_CONTENT);
            onRequestSent();
        }
        downstream.eventLoop().execute(a::start);
    }

    /**
     * Picks and leases the endpoint of the next attempt: the one a filter pinned, else as the request's selection
     * (session persistence, consistent hash) or the cluster's load balancer chooses; {@code null} when there is none.
     * The lease counts the attempt in flight (least request) and feeds its outcome to outlier detection.
     */
    private EndpointLease lease(ClusterState cluster, InetSocketAddress pinned) {
        if (pinned != null) {
            for (EndpointKey k : cluster.endpoints()) {
                if (k.port() == pinned.getPort()
                        && (k.address().equals(pinned.getHostString())
                                || (pinned.getAddress() != null
                                        && k.address()
                                                .equals(pinned.getAddress().getHostAddress())))) {
                    UpstreamHost host = cluster.host(k);
                    return host == null ? null : cluster.lease(host);
                }
            }
            return null;
        }
        if (ex.selection != null) {
            return ex.selection.lease(cluster);
        }
        UpstreamHost host = cluster.pickHost(HostPicker.NO_HASH);
        return host == null ? null : cluster.lease(host);
    }

    private Upstream newAttempt(ClusterState target, EndpointLease lease) {
        attempts++;
        EndpointKey endpoint = lease.endpoint();
        ex.record.upstream = endpoint;
        Upstream a = new Upstream(target, lease, ex.proxy.pools().pool(downstream.eventLoop(), endpoint), upgrade);
        attempt = a;
        return a;
    }

    @Override
    public void sendRequestBody(ByteBuffer chunk, boolean endOfStream) {
        if (detached) {
            return;
        }
        ByteBuf buf = chunk == lentView ? lentBuf.retainedDuplicate() : Unpooled.wrappedBuffer(chunk);
        record(buf);
        send(endOfStream ? new DefaultLastHttpContent(buf) : new DefaultHttpContent(buf));
        if (endOfStream) {
            onRequestSent();
        }
    }

    @Override
    public void sendRequestTrailers(dev.nantian.core.filter.HttpHeaders trailers) {
        if (detached) {
            return;
        }
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        try {
            trailers.forEach(last.trailingHeaders()::add);
        } catch (RuntimeException e) {
            last.release();
            postFailure(500, e, 0);
            return;
        }
        if (sentHead != null && recordRequest) {
            sentTrailers = last.trailingHeaders().copy();
        }
        send(last);
        onRequestSent();
    }

    private void send(HttpContent c) {
        bodyLeft |= c.content().isReadable();
        Upstream a = attempt;
        if (a == null) {
            c.release();
            return;
        }
        a.write(c);
    }

    private void record(ByteBuf buf) {
        if (sentBody == null || recordOverflow || !buf.isReadable()) {
            return;
        }
        if ((long) sentBody.readableBytes() + buf.readableBytes() > ex.settings.maxBufferedBodyBytes()) {
            // Too large to replay: this request is neither retried nor mirrored.
            recordOverflow = true;
            sentBody.release();
            sentBody = null;
            return;
        }
        sentBody.addComponent(true, buf.retainedDuplicate());
    }

    private void onRequestSent() {
        sentComplete = true;
        if (!ex.route.mirrors().isEmpty() && !upgrade && replayable()) {
            sendMirrors();
        }
    }

    /** True when the request the chain sent can be sent again as it was. */
    private boolean replayable() {
        // An upgrade is not sent twice: its connection is the client's, and a replay could upgrade a second one.
        return !upgrade && sentHead != null && sentComplete && (sentHeadEos || sentBody != null || !bodyLeft);
    }

    @Override
    public void cancelUpstream() {
        abandonAttempt();
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
    }

    private void abandonAttempt() {
        Upstream a = attempt;
        attempt = null;
        if (a != null) {
            a.abandon();
        }
        requestWritesInFlight = 0;
    }

    @Override
    public void sendResponseHead(HttpResponseHead head, boolean endOfStream) {
        if (detached) {
            return;
        }
        HttpResponseStatus status = HttpResponseStatus.valueOf(head.status());
        if (status.code() == 101) {
            switchingProtocols(head);
            return;
        }
        HttpHeaders h = responseHeaders(head);
        if (h == null) {
            h = new DefaultHttpHeaders();
            status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
            if (!endOfStream) {
                // The body that follows belongs to the response that could not be sent.
                downstreamReset = true;
                return;
            }
        }
        ex.responseStarted = true;
        ex.record.status = status.code();
        HeaderOps.stripHopByHop(h, false);
        ex.applyResponseFilters(h);
        keepAliveDownstream = ex.keepAliveRequested && ex.requestComplete && !ex.downstream.isDraining();
        int code = status.code();
        responseBodyAllowed = !ex.head && code != 204 && code != 304;
        if (!ex.h2) {
            boolean hasLength = h.contains(HttpHeaderNames.CONTENT_LENGTH);
            if (hasLength) {
                h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            }
            if (endOfStream) {
                if (responseBodyAllowed && !hasLength) {
                    h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                }
            } else if (!hasLength && responseBodyAllowed) {
                if (ex.http10) {
                    keepAliveDownstream = false;
                } else {
                    h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                }
            }
            ex.setConnection(h, keepAliveDownstream);
        } else {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        }
        if (endOfStream) {
            finalWrite = downstream.writeAndFlush(new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER, h, new DefaultHttpHeaders()));
        } else {
            write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, status, h));
        }
    }

    /** The response head's headers as Netty's, or {@code null} (logged) when a filter set an invalid one. */
    private HttpHeaders responseHeaders(HttpResponseHead head) {
        HttpHeaders h = new DefaultHttpHeaders();
        try {
            head.headers().forEach(h::add);
            return h;
        } catch (RuntimeException e) {
            log.warn(
                    "a filter of route {} set an invalid response header",
                    chain.route().name(),
                    e);
            return null;
        }
    }

    /**
     * The chain sends a 101 on: valid only as the upstream's answer to the current upgrade attempt. The response is
     * kept for {@link #completed}, which the chain calls next (the response has no body).
     */
    private void switchingProtocols(HttpResponseHead head) {
        Upstream a = attempt;
        if (a == null || !a.switched || switching != null) {
            // A filter made up a 101: nothing upstream switched, so there is nothing to splice.
            log.warn(
                    "a filter of route {} sent a 101 without an accepted upgrade",
                    chain.route().name());
            downstreamReset = true;
            return;
        }
        HttpHeaders h = responseHeaders(head);
        if (h == null) {
            downstreamReset = true;
            return;
        }
        HeaderOps.stripHopByHop(h, false);
        ex.applyResponseFilters(h);
        h.set(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET);
        h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        ex.responseStarted = true;
        ex.record.status = 101;
        responseBodyAllowed = false;
        switching = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.SWITCHING_PROTOCOLS,
                Unpooled.EMPTY_BUFFER,
                h,
                new DefaultHttpHeaders());
    }

    @Override
    public void sendResponseBody(ByteBuffer chunk, boolean endOfStream) {
        // A 101 has no body: whatever a filter adds to it would land in the tunnel.
        if (detached || downstreamReset || switching != null) {
            return;
        }
        ByteBuf buf = chunk == lentView ? lentBuf.retainedDuplicate() : Unpooled.wrappedBuffer(chunk);
        if (!responseBodyAllowed && buf.isReadable()) {
            buf.release();
            buf = Unpooled.EMPTY_BUFFER;
        }
        ex.record.bytesSent += buf.readableBytes();
        if (endOfStream) {
            finalWrite = downstream.writeAndFlush(new DefaultLastHttpContent(buf));
        } else {
            write(new DefaultHttpContent(buf));
        }
    }

    @Override
    public void sendResponseTrailers(dev.nantian.core.filter.HttpHeaders trailers) {
        if (detached || downstreamReset || switching != null) {
            return;
        }
        LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
        try {
            trailers.forEach(last.trailingHeaders()::add);
        } catch (RuntimeException e) {
            log.warn(
                    "a filter of route {} set invalid response trailers",
                    chain.route().name(),
                    e);
            last.trailingHeaders().clear();
        }
        finalWrite = downstream.writeAndFlush(last);
    }

    private void write(HttpObject msg) {
        lastDownstreamWrite = downstream.write(msg);
        if (!inUpstreamRead) {
            // Not part of an upstream read cycle (a local reply, an awaited filter): nobody flushes later.
            downstream.flush();
        }
    }

    @Override
    public void resetDownstream(Throwable cause) {
        downstreamReset = true;
        log.debug("resetting downstream of route {}: {}", chain.route().name(), cause.toString());
    }

    @Override
    public void setRequestReadable(boolean readable) {
        requestPaused = !readable;
        if (readable) {
            postReadRequest();
        }
    }

    @Override
    public void setResponseReadable(boolean readable) {
        responsePaused = !readable;
        if (readable && upstreamReadWanted) {
            upstreamReadWanted = false;
            Upstream a = attempt;
            if (a != null) {
                downstream.eventLoop().execute(a::readMore);
            }
        }
    }

    @Override
    public CompletionStage<CalloutResponse> callout(
            String clusterName, HttpRequestHead head, ByteBuffer body, Duration timeout) {
        return Callout.send(
                ex.config,
                ex.proxy.pools(),
                downstream.eventLoop(),
                ex.settings.maxBufferedBodyBytes(),
                clusterName,
                head,
                body,
                timeout);
    }

    @Override
    public void completed(ExchangeStats stats) {
        ex.record.logFields = stats.logFields();
        if (detached) {
            return;
        }
        detached = true;
        FullHttpResponse resp = switching;
        switching = null;
        Upstream a = attempt;
        if (resp != null && !downstreamReset && a != null && a.switched && a.channel != null && a.channel.isActive()) {
            attempt = null;
            releaseRecording();
            Channel up = a.channel;
            ArrayDeque<ByteBuf> early = a.handOver();
            ex.tunnel(resp, up);
            // What the upstream sent right behind its 101 goes out behind ours, before the tunnel reads anything.
            ByteBuf b;
            while ((b = early.poll()) != null) {
                downstream.channel().write(b);
            }
            downstream.channel().flush();
            return;
        }
        if (resp != null) {
            resp.release();
            downstreamReset = true; // the chain ended with a 101 that cannot be honoured: the client must not wait
        }
        abandonAttempt();
        releaseRecording();
        if (downstreamReset || finalWrite == null) {
            ex.abort();
        } else {
            ex.complete(finalWrite, keepAliveDownstream && ex.requestComplete);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Failures, retries, mirrors
    // ---------------------------------------------------------------------------------------------------------

    /** Reports a failure found inside a host method from a task of its own, as the chain requires. */
    private void postFailure(int status, Throwable cause, int flag) {
        abandonAttempt();
        downstream.eventLoop().execute(() -> {
            if (!detached && !fx.isComplete()) {
                ex.record.flags |= flag;
                fx.onUpstreamFailure(status, cause);
            }
        });
    }

    /** True when the route's retry policy allows another try after {@code code} ({@code null}: connection failed). */
    private boolean canRetry(Integer code) {
        Optional<RetryPolicy> policy = ex.route.route().retry();
        if (upgrade || policy.isEmpty() || attempts > policy.get().attempts() || ex.responseStarted || !replayable()) {
            return false;
        }
        return code == null || policy.get().codes().contains(code);
    }

    private void scheduleRetry(ClusterState target) {
        long base = ex.route
                .route()
                .retry()
                .flatMap(RetryPolicy::backoff)
                .orElse(DEFAULT_BACKOFF)
                .toNanos();
        long exp = Math.min(base << Math.min(attempts - 1, 10), base * 10);
        long delay = exp / 2 + ThreadLocalRandom.current().nextLong(exp / 2 + 1);
        retryTimer = downstream
                .eventLoop()
                .schedule(
                        () -> {
                            retryTimer = null;
                            if (!detached && !fx.isComplete() && attempt == null) {
                                replay(target);
                            }
                        },
                        delay,
                        TimeUnit.NANOSECONDS);
    }

    /** Sends the recorded request again, as a new attempt to {@code target}. */
    private void replay(ClusterState target) {
        EndpointLease lease = lease(target, fx.context().selectedEndpoint());
        if (lease == null) {
            ex.record.flags |= ResponseFlags.NO_HEALTHY_UPSTREAM;
            fx.onUpstreamFailure(503, new NantianException(NantianException.Category.UPSTREAM, "no endpoint"));
            return;
        }
        Upstream a = newAttempt(target, lease);
        a.queue(framed(sentHead, lease.endpoint().http2(), sentHeadEos, sentBody));
        if (!sentHeadEos) {
            LastHttpContent last =
                    new DefaultLastHttpContent(sentBody == null ? Unpooled.EMPTY_BUFFER : sentBody.retainedDuplicate());
            if (sentTrailers != null) {
                last.trailingHeaders().set(sentTrailers);
            }
            a.queue(last);
        } else {
            a.queue(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        a.start();
    }

    private void sendMirrors() {
        for (RouteFilter.RequestMirror m : ex.route.mirrors()) {
            if (m.fraction().isPresent()) {
                Fraction f = m.fraction().get();
                if (ThreadLocalRandom.current().nextInt(f.denominator()) >= f.numerator()) {
                    continue;
                }
            }
            ClusterState c = ex.config.cluster(m.cluster());
            EndpointKey endpoint = c == null ? null : c.pick();
            if (endpoint == null) {
                continue;
            }
            ByteBuf body = sentBody == null ? Unpooled.EMPTY_BUFFER : sentBody.retainedDuplicate();
            Mirror.send(
                    ex.proxy.pools().pool(downstream.eventLoop(), endpoint),
                    framed(sentHead, endpoint.http2(), true, body),
                    body,
                    sentTrailers,
                    ex.settings.mirrorTimeout());
        }
    }

    private void releaseRecording() {
        if (sentBody != null) {
            sentBody.release();
            sentBody = null;
        }
        sentTrailers = null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Conversions
    // ---------------------------------------------------------------------------------------------------------

    private HttpRequest toNetty(HttpRequestHead head, dev.nantian.core.filter.HttpHeaders extra) {
        HttpHeaders h = new DefaultHttpHeaders();
        head.headers().forEach(h::add);
        if (!extra.isEmpty()) {
            Set<String> seen = new HashSet<>();
            extra.forEach((name, value) -> {
                if (seen.add(name)) {
                    h.set(name, value);
                } else {
                    h.add(name, value);
                }
            });
        }
        if (!head.authority().isEmpty()) {
            h.set(HttpHeaderNames.HOST, head.authority());
        }
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(head.method()), head.path(), h);
    }

    /**
     * A copy of {@code head} framed for one attempt: HTTP/1.1 needs a length or chunked encoding for a body, HTTP/2
     * frames it itself.
     *
     * @param body the whole body when it is known (replays, mirrors), else {@code null}
     */
    private static HttpRequest framed(HttpRequest head, boolean h2Upstream, boolean endOfStream, ByteBuf body) {
        HttpHeaders h = head.headers().copy();
        frame(h, h2Upstream, endOfStream, body);
        return new DefaultHttpRequest(HttpVersion.HTTP_1_1, head.method(), head.uri(), h);
    }

    private static void frame(HttpHeaders h, boolean h2Upstream, boolean endOfStream, ByteBuf body) {
        if (body != null) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
        } else if (endOfStream) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        } else if (h2Upstream) {
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
        } else if (!h.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
    }

    /** A copy of {@code h} for the SPI (heap strings, no Netty type), without the field named {@code skip}. */
    static dev.nantian.core.filter.HttpHeaders toCore(HttpHeaders h, AsciiString skip) {
        dev.nantian.core.filter.HttpHeaders out = dev.nantian.core.filter.HttpHeaders.of();
        for (Map.Entry<String, String> e : h) {
            if (skip == null || !skip.contentEqualsIgnoreCase(e.getKey())) {
                out.add(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------
    // One upstream attempt
    // ---------------------------------------------------------------------------------------------------------

    /** One try against one endpoint; stale events of an attempt that is no longer current are dropped. */
    private final class Upstream implements UpstreamListener {
        private final ClusterState target;
        private final EndpointLease lease;
        private final EndpointKey endpoint;
        private final EndpointPool pool;
        private final ArrayDeque<HttpObject> pending = new ArrayDeque<>(4);
        /** A WebSocket upgrade: a connection of its own, closed unless it switches. */
        private final boolean upgrade;
        /** Bytes of the upgraded protocol that arrived behind the 101, before the splice. */
        private final ArrayDeque<ByteBuf> early = new ArrayDeque<>(2);

        int queued;
        /** The upstream answered 101: nothing more is read from it until the splice (or it is closed). */
        boolean switched;

        Channel channel;
        private boolean ready;
        private boolean reused;
        private boolean lastWritten;
        private boolean responseSeen;
        private boolean responseComplete;
        private boolean upstreamKeepAlive = true;
        private boolean skipLast;
        private boolean abandoned;
        private ScheduledFuture<?> backendTimer;

        Upstream(ClusterState target, EndpointLease lease, EndpointPool pool, boolean upgrade) {
            this.target = target;
            this.lease = lease;
            this.endpoint = lease.endpoint();
            this.pool = pool;
            this.upgrade = upgrade;
        }

        private boolean current() {
            return attempt == this && !abandoned && !detached;
        }

        void queue(HttpObject msg) {
            pending.add(msg);
            queued++;
        }

        void start() {
            if (!current()) {
                drop();
                return;
            }
            ex.route
                    .route()
                    .timeouts()
                    .backendRequest()
                    .ifPresent(d -> backendTimer =
                            downstream.eventLoop().schedule(this::onBackendTimeout, d.toNanos(), TimeUnit.NANOSECONDS));
            (upgrade ? pool.connectNew() : pool.acquire()).addListener(this::onAcquired);
        }

        private void onAcquired(io.netty.util.concurrent.Future<? super Channel> f) {
            if (!f.isSuccess()) {
                ex.proxy.telemetry().upstreamConnectFailed(target, endpoint);
                if (current()) {
                    log.debug("connect to {} failed: {}", endpoint, f.cause().toString());
                    failed(true, f.cause());
                } else {
                    drop();
                }
                return;
            }
            Channel ch = (Channel) f.getNow();
            if (!current()) {
                drop();
                pool.release(ch, true);
                return;
            }
            channel = ch;
            UpstreamHandler handler = ch.pipeline().get(UpstreamHandler.class);
            handler.attach(this);
            reused = handler.reused();
            // Unresolved: a host name must not be looked up on the event loop just to be reported.
            fx.onUpstreamSelected(
                    target.name(), InetSocketAddress.createUnresolved(endpoint.address(), endpoint.port()));
            HttpObject msg;
            ChannelFuture w = null;
            while ((msg = pending.poll()) != null) {
                lastWritten |= msg instanceof LastHttpContent;
                w = ch.write(msg);
            }
            queued = 0;
            ready = true;
            ch.flush();
            if (w != null && !lastWritten) {
                requestWritesInFlight++;
                w.addListener(x -> onRequestWritten(x.isSuccess()));
            } else {
                postReadRequest();
            }
            ch.read();
        }

        void write(HttpContent c) {
            if (!ready) {
                queue(c);
                return;
            }
            if (channel == null) {
                // The upstream answered in full before the request ended: the rest has nowhere to go.
                c.release();
                return;
            }
            lastWritten |= c instanceof LastHttpContent;
            requestWritesInFlight++;
            channel.writeAndFlush(c).addListener(x -> onRequestWritten(x.isSuccess()));
        }

        private void onRequestWritten(boolean success) {
            if (!current()) {
                return;
            }
            requestWritesInFlight = Math.max(0, requestWritesInFlight - 1);
            if (success) {
                // The write may complete inside a chain call: read the next chunk from a task of its own.
                postReadRequest();
            }
        }

        void readMore() {
            if (current() && channel != null && !responseComplete && !switched) {
                channel.read();
            }
        }

        @Override
        public void onUpstreamMessage(HttpObject msg) {
            if (!current() || responseComplete) {
                ReferenceCountUtil.release(msg);
                return;
            }
            inUpstreamRead = true;
            try {
                handle(msg);
            } finally {
                inUpstreamRead = false;
                ReferenceCountUtil.release(msg);
            }
        }

        private void handle(HttpObject msg) {
            if (switched) {
                return; // the empty last content the decoder emits after a 101
            }
            if (msg instanceof HttpResponse resp) {
                if (resp.decoderResult().isFailure()) {
                    log.debug(
                            "malformed response from {}: {}",
                            endpoint,
                            resp.decoderResult().cause().toString());
                    ex.record.flags |= ResponseFlags.UPSTREAM_PROTOCOL_ERROR;
                    abandonAttempt();
                    fx.onUpstreamFailure(502, resp.decoderResult().cause());
                    return;
                }
                int code = resp.status().code();
                if (code == 101 && upgrade) {
                    switchedProtocols(resp);
                    return;
                }
                if (code >= 100 && code < 200) {
                    skipLast = !(msg instanceof LastHttpContent);
                    return;
                }
                lease.responded(code);
                if (canRetry(code)) {
                    abandonAttempt();
                    scheduleRetry(target);
                    return;
                }
                responseSeen = true;
                HttpHeaders h = resp.headers();
                if (ex.selection != null) {
                    ex.selection.onResponseHeaders(h); // session and hash cookies for the client's next request
                }
                upstreamKeepAlive = HttpUtil.isKeepAlive(resp);
                HeaderOps.stripHopByHop(h, false);
                HeaderOps.stripHttp2Extensions(h);
                boolean full = msg instanceof LastHttpContent;
                boolean eos = full
                        && !((LastHttpContent) msg).content().isReadable()
                        && ((LastHttpContent) msg).trailingHeaders().isEmpty();
                if (eos) {
                    complete();
                }
                fx.onResponseHead(HttpResponseHead.of(code, toCore(h, null)), eos);
                if (!full || eos || !current()) {
                    return;
                }
            } else if (msg instanceof LastHttpContent && skipLast) {
                skipLast = false;
                return;
            } else if (!responseSeen) {
                return;
            }
            if (!(msg instanceof HttpContent c)) {
                return;
            }
            boolean last = msg instanceof LastHttpContent;
            HttpHeaders trailers = last ? ((LastHttpContent) msg).trailingHeaders() : null;
            boolean hasTrailers = trailers != null && !trailers.isEmpty();
            if (last) {
                complete();
            }
            if (c.content().isReadable() || (last && !hasTrailers)) {
                lend(c.content());
                try {
                    fx.onResponseBody(lentView, last && !hasTrailers);
                } finally {
                    unlend();
                }
            }
            if (hasTrailers && !fx.isComplete()) {
                fx.onResponseTrailers(toCore(trailers, null));
            }
        }

        /**
         * The upstream accepted the upgrade. Its 101 goes through the response-head filters as a response without a
         * body; the connection stays with this attempt, unread, until the chain completes and it is spliced.
         */
        private void switchedProtocols(HttpResponse resp) {
            lease.responded(101);
            lease.release();
            cancelBackendTimer();
            responseSeen = true;
            switched = true;
            HttpHeaders h = resp.headers();
            if (ex.selection != null) {
                ex.selection.onResponseHeaders(h);
            }
            HeaderOps.stripHopByHop(h, false); // the host puts the upgrade back on the 101 it sends
            fx.onResponseHead(HttpResponseHead.of(101, toCore(h, null)), true);
        }

        /** Gives up the early bytes for the tunnel; the channel is the caller's from here. */
        ArrayDeque<ByteBuf> handOver() {
            abandoned = true;
            channel = null;
            ArrayDeque<ByteBuf> out = new ArrayDeque<>(early);
            early.clear();
            return out;
        }

        @Override
        public void onUpstreamBytes(ByteBuf buf) {
            if (current() && switched) {
                early.add(buf);
            } else {
                buf.release();
            }
        }

        /** The response ended: the connection goes back to the pool before the chain hears of the end. */
        private void complete() {
            responseComplete = true;
            lease.release();
            cancelBackendTimer();
            Channel ch = channel;
            channel = null;
            if (ch != null) {
                // An upgrade the upstream refused: its connection was the client's alone, and is not pooled.
                pool.release(ch, upstreamKeepAlive && lastWritten && !upgrade);
            }
        }

        @Override
        public void onUpstreamReadComplete() {
            if (!current() || responseComplete || switched) {
                return;
            }
            downstream.flush();
            if (responsePaused) {
                upstreamReadWanted = true;
                return;
            }
            ChannelFuture w = lastDownstreamWrite;
            lastDownstreamWrite = null;
            Channel ch = channel;
            if (w == null || w.isDone()) {
                if (w == null || w.isSuccess()) {
                    ch.read();
                }
                return;
            }
            // Backpressure: ask the upstream for more only once the client took what we have.
            w.addListener(x -> {
                if (x.isSuccess() && current() && !responseComplete) {
                    if (responsePaused) {
                        upstreamReadWanted = true;
                    } else {
                        ch.read();
                    }
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
            failed(false, cause != null ? cause : new ClosedChannelException());
        }

        private void failed(boolean connectFailure, Throwable cause) {
            if (connectFailure || !reused || responseSeen) {
                lease.failed(); // a pooled connection the peer closed while idle is not the endpoint failing
            }
            abandonAttempt();
            if (!responseSeen && canRetry(null)) {
                scheduleRetry(target);
                return;
            }
            if (!connectFailure && !responseSeen && reused && !staleRetried && replayable()) {
                // A pooled keep-alive connection the peer had closed: not the backend's answer, try a fresh one.
                staleRetried = true;
                attempts--;
                replay(target);
                return;
            }
            ex.record.flags |= connectFailure ? ResponseFlags.UPSTREAM_CONNECT_FAILURE : ResponseFlags.UPSTREAM_RESET;
            fx.onUpstreamFailure(connectFailure ? 503 : 502, cause);
        }

        private void onBackendTimeout() {
            backendTimer = null;
            if (!current() || responseComplete) {
                return;
            }
            lease.failed();
            abandonAttempt();
            if (!responseSeen && canRetry(504)) {
                scheduleRetry(target);
                return;
            }
            ex.record.flags |= ResponseFlags.UPSTREAM_TIMEOUT;
            fx.onUpstreamFailure(504, new TimeoutException("upstream request timeout of " + endpoint));
        }

        private void cancelBackendTimer() {
            if (backendTimer != null) {
                backendTimer.cancel(false);
                backendTimer = null;
            }
        }

        /** Stops this attempt: its connection's state is unknown, so it is closed (an HTTP/2 stream is reset). */
        void abandon() {
            abandoned = true;
            lease.release();
            cancelBackendTimer();
            drop();
            ByteBuf b;
            while ((b = early.poll()) != null) {
                b.release();
            }
            Channel ch = channel;
            channel = null;
            if (ch != null && !responseComplete) {
                pool.release(ch, false);
            }
        }

        private void drop() {
            HttpObject msg;
            while ((msg = pending.poll()) != null) {
                ReferenceCountUtil.release(msg);
            }
            queued = 0;
        }
    }
}
