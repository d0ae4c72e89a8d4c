package dev.nantian.core.filter.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.NantianException;
import dev.nantian.core.filter.AttributeKey;
import dev.nantian.core.filter.BodyBuffers;
import dev.nantian.core.filter.CalloutResponse;
import dev.nantian.core.filter.ConfiguredFilter;
import dev.nantian.core.filter.ConnectionInfo;
import dev.nantian.core.filter.ExchangeHost;
import dev.nantian.core.filter.ExchangeStats;
import dev.nantian.core.filter.FilterAction;
import dev.nantian.core.filter.FilterExchange;
import dev.nantian.core.filter.HttpFilter;
import dev.nantian.core.filter.HttpFilterContext;
import dev.nantian.core.filter.HttpHeaders;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import dev.nantian.core.filter.LocalReply;
import dev.nantian.core.filter.RouteInfo;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain executor: one instance per exchange, driven by the host on the exchange's event loop.
 *
 * <p>Each direction is a {@link Pipeline} of filter positions (request: filters 0..n-1; response: n-1..0, or only
 * the filters outside one that replied locally). An event (head, body chunk, trailers) walks the positions in one
 * synchronous loop and reaches the host at the end; nothing is allocated on that path. A position only gets a
 * {@link Stage} once its filter pauses: awaiting (later events queue there, copied) or buffering (body chunks are
 * appended there). When it resumes, its queue drains in order, so every filter sees every event of a direction in
 * order, exactly once.
 *
 * <p>Body events carry "last" (end of the body: what filters see) apart from "trailers follow", so that every filter
 * gets exactly one last body call per message even when the host's stream ends with trailers or with the head.
 */
public final class DefaultFilterExchange implements FilterExchange, HttpFilterContext {
    private static final Logger logger = LoggerFactory.getLogger(DefaultFilterExchange.class);

    private static final int HEAD = 0;
    private static final int BODY = 1;
    private static final int TRAILERS = 2;

    private static final int MODE_NONE = 0;
    private static final int MODE_AWAIT = 1;
    private static final int MODE_BUFFER = 2;

    // Where the response being processed comes from: retries are allowed for the first two only.
    private static final int FROM_UPSTREAM = 0;
    private static final int FROM_UPSTREAM_FAILURE = 1;
    private static final int FROM_LOCAL_REPLY = 2;

    private final ExchangeHost host;
    private final ConnectionInfo connection;
    private final RouteInfo route;
    private final ConfiguredFilter<?>[] configs;
    private final HttpFilter[] filters;
    private final int maxBufferBytes;
    private final long asyncTimeoutNanos;
    private final long startNanos;
    private final long startMillis;
    private final Pipeline requestPipeline;
    private Pipeline responsePipeline;
    private Throwable creationError;

    private HttpRequestHead request;
    private HttpResponseHead response;
    private int currentFilter = -1;
    private Object[] attrs; // key0, value0, key1, value1, ...
    private Map<String, String> logFields;
    private String selectedCluster;
    private InetSocketAddress selectedEndpoint;
    private HttpHeaders upstreamHeaders;

    /** The chunk the host lent for the current call: it dies when the call returns, so keeping it means copying. */
    private ByteBuffer lentChunk;

    private boolean upstreamStarted;
    /** No more events of the current attempt are accepted (the chain or the host gave up on it). */
    private boolean upstreamCancelled;
    /** {@link ExchangeHost#cancelUpstream()} was called for the current attempt. */
    private boolean cancelCalled;
    /** The chain handed the end of the request to the host (what a retry needs). */
    private boolean requestSent;
    /** The filter index at the top of response pipelines for upstream responses: lowers when a filter retries. */
    private int responseTop;

    private int responseSource = FROM_UPSTREAM;
    private Throwable upstreamFailure;
    private long responseHeadTimeoutNanos = -1;
    private Future<?> headTimer;
    private int attempt;
    private int logFieldsVersion;
    /** The chain asked the host to stop reading the response; a new attempt must not inherit that. */
    private boolean responsePaused;

    private boolean responseCommitted;
    private boolean localReplied;
    private boolean complete;
    private int status;
    private long requestBytes;
    private long responseBytes;
    private long firstByteNanos = -1;
    private String statsCluster;
    private InetSocketAddress statsEndpoint;
    private Throwable error;

    public DefaultFilterExchange(
            ExchangeHost host,
            ConnectionInfo connection,
            RouteInfo route,
            ConfiguredFilter<?>[] configs,
            int maxBufferBytes,
            Duration asyncTimeout) {
        this.host = requireNonNull(host, "host");
        this.connection = requireNonNull(connection, "connection");
        this.route = requireNonNull(route, "route");
        this.configs = configs;
        this.maxBufferBytes = maxBufferBytes;
        this.asyncTimeoutNanos = asyncTimeout.toNanos();
        this.startNanos = host.nanoTime();
        this.startMillis = host.currentTimeMillis();
        this.filters = new HttpFilter[configs.length];
        for (int i = 0; i < configs.length; i++) {
            try {
                filters[i] = configs[i].newFilter();
            } catch (RuntimeException e) {
                creationError = e;
                logger.warn("filter {} of route {} could not be created", configs[i].kind(), route.name(), e);
                break;
            }
        }
        this.requestPipeline = new Pipeline(true, 0, configs.length);
        this.responseTop = configs.length - 1;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Host -> chain

    @Override
    public HttpFilterContext context() {
        return this;
    }

    @Override
    public void onRequestHead(HttpRequestHead head, boolean endOfStream) {
        requireNonNull(head, "head");
        if (complete) {
            return;
        }
        if (request != null) {
            throw new IllegalStateException("request head already received");
        }
        request = head;
        if (creationError != null) {
            sendLocalReply(0, LocalReply.of(500), creationError);
            return;
        }
        Pipeline p = requestPipeline;
        process(p, 0, HEAD, head, endOfStream, false, null);
        if (endOfStream) {
            p.bodyEnded = true;
            process(p, 0, BODY, BodyBuffers.EMPTY, true, false, null);
        }
    }

    @Override
    public void onRequestBody(ByteBuffer chunk, boolean endOfStream) {
        requireNonNull(chunk, "chunk");
        requestBytes += chunk.remaining();
        Pipeline p = requestPipeline;
        if (complete || p.bodyEnded) {
            return;
        }
        p.bodyEnded = endOfStream;
        lentChunk = chunk;
        try {
            process(p, 0, BODY, chunk, endOfStream, false, null);
        } finally {
            lentChunk = null;
        }
    }

    @Override
    public void onRequestTrailers(HttpHeaders trailers) {
        requireNonNull(trailers, "trailers");
        if (!complete) {
            endWithTrailers(requestPipeline, trailers);
        }
    }

    @Override
    public void onUpstreamSelected(String cluster, InetSocketAddress endpoint) {
        statsCluster = requireNonNull(cluster, "cluster");
        statsEndpoint = endpoint;
    }

    @Override
    public void onResponseHead(HttpResponseHead head, boolean endOfStream) {
        requireNonNull(head, "head");
        if (complete || localReplied || upstreamCancelled) {
            return;
        }
        if (responsePipeline != null) {
            throw new IllegalStateException("response head already received");
        }
        cancelHeadTimer();
        Pipeline p = responsePipeline = new Pipeline(false, responseTop, responseTop + 1);
        responseSource = FROM_UPSTREAM;
        response = head;
        process(p, 0, HEAD, head, endOfStream, false, null);
        if (endOfStream) {
            p.bodyEnded = true;
            process(p, 0, BODY, BodyBuffers.EMPTY, true, false, null);
        }
    }

    @Override
    public void onResponseBody(ByteBuffer chunk, boolean endOfStream) {
        requireNonNull(chunk, "chunk");
        Pipeline p = responsePipeline;
        if (complete || localReplied || upstreamCancelled || p == null || p.bodyEnded) {
            return;
        }
        p.bodyEnded = endOfStream;
        lentChunk = chunk;
        try {
            process(p, 0, BODY, chunk, endOfStream, false, null);
        } finally {
            lentChunk = null;
        }
    }

    @Override
    public void onResponseTrailers(HttpHeaders trailers) {
        requireNonNull(trailers, "trailers");
        Pipeline p = responsePipeline;
        if (!complete && !localReplied && !upstreamCancelled && p != null) {
            endWithTrailers(p, trailers);
        }
    }

    @Override
    public void onUpstreamFailure(int status, Throwable cause) {
        requireNonNull(cause, "cause");
        if (complete || localReplied || upstreamCancelled) {
            return;
        }
        upstreamCancelled = true; // the host gave up on the upstream already
        upstreamFailed(status, cause);
    }

    /**
     * The current attempt failed (host failure or response-head timeout): before the response started, a bodyless
     * stand-in response with {@code status} runs through the response callbacks, where a filter may retry.
     */
    private void upstreamFailed(int status, Throwable cause) {
        cancelHeadTimer();
        upstreamFailure = cause; // seen only if the stand-in runs (before the response started)
        sendLocalReply(responseTop + 1, LocalReply.of(status), cause, FROM_UPSTREAM_FAILURE);
    }

    @Override
    public void cancel(Throwable cause) {
        requireNonNull(cause, "cause");
        if (complete) {
            return;
        }
        recordError(cause);
        cancelUpstream();
        finish();
    }

    @Override
    public boolean isComplete() {
        return complete;
    }

    private void endWithTrailers(Pipeline p, HttpHeaders trailers) {
        if (p.trailersReceived) {
            return;
        }
        p.trailersReceived = true;
        if (!p.bodyEnded) {
            // Filters see the end of the body in one place: a last (here empty) chunk, then the trailers.
            p.bodyEnded = true;
            process(p, 0, BODY, BodyBuffers.EMPTY, true, true, null);
        }
        process(p, 0, TRAILERS, trailers, false, false, null);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The walk

    /**
     * Walks one event from position {@code pos} to the end of {@code p}. For heads {@code eos} means "no body and no
     * trailers" and {@code aux} "held until the complete body passed: send both together with a fresh
     * content-length"; for bodies {@code eos} means "last chunk" and {@code aux} "trailers follow".
     *
     * @param resumed the action the filter at {@code pos} already chose for this event, or {@code null} to call it
     */
    private void process(
            Pipeline p, int pos, int kind, Object payload, boolean eos, boolean aux, FilterAction resumed) {
        FilterAction action = resumed;
        for (; ; ) {
            if (p.dead || complete) {
                return;
            }
            if (pos == p.length) {
                sink(p, kind, payload, eos, aux);
                return;
            }
            Stage s = p.stage(pos);
            if (action == null) {
                if (s != null && s.mode == MODE_AWAIT) {
                    s.enqueue(new Event(kind, retain(payload), eos, aux));
                    return;
                }
                if (s != null && s.mode == MODE_BUFFER) {
                    if (kind != BODY) {
                        // Trailers always follow the last chunk, which ends buffering; a head cannot come twice.
                        throw new IllegalStateException("event " + kind + " while buffering");
                    }
                    if (!append(p, pos, s, (ByteBuffer) payload) || !eos) {
                        return;
                    }
                    payload = s.takeBody();
                    s.mode = MODE_NONE;
                }
                action = invoke(p, pos, kind, payload, eos);
                if (action == null || p.dead || complete) {
                    return; // the filter failed and the chain replied already
                }
            }

            if (action instanceof FilterAction.Await) {
                FilterAction.Await await = (FilterAction.Await) action;
                action = completedNow(p, pos, await);
                if (action == null) {
                    if (!p.dead && !complete) {
                        startAwait(p, pos, kind, payload, eos, aux, await);
                    }
                    return;
                }
                continue; // the stage was already done: act on its result right away
            }
            if (action instanceof LocalReply) {
                sendLocalReply(p.filterIndex(pos), (LocalReply) action, null);
                return;
            }
            if (action instanceof FilterAction.Retry) {
                retry(p, pos, kind, s, (FilterAction.Retry) action);
                return;
            }
            if (action instanceof FilterAction.ProceedWith) {
                if (kind != BODY) {
                    fail(p, pos, new IllegalStateException("proceedWith() is only valid from body callbacks"));
                    return;
                }
                payload = ((FilterAction.ProceedWith) action).replacement();
            } else if (action instanceof FilterAction.BufferBody) {
                if (kind == TRAILERS) {
                    fail(p, pos, new IllegalStateException("bufferBody() is not valid from trailer callbacks"));
                    return;
                }
                if (kind == HEAD || !eos) {
                    startBuffering(p, pos, kind, payload, eos, (FilterAction.BufferBody) action);
                    return;
                }
                // Buffering at the last chunk: nothing more is coming, so this chunk is the whole rest; pass it on.
            }
            // Proceed: hand the event to the next position.
            if (kind == BODY && s != null && s.heldHead != null) {
                // The complete body passed the buffering filter: release the head it held, then the body.
                Object head = s.heldHead;
                boolean bodyless = s.heldHeadEos && !((ByteBuffer) payload).hasRemaining();
                s.heldHead = null;
                process(p, pos + 1, HEAD, head, bodyless, !bodyless, null);
            }
            pos++;
            action = null;
        }
    }

    private FilterAction invoke(Pipeline p, int pos, int kind, Object payload, boolean eos) {
        int index = p.filterIndex(pos);
        HttpFilter filter = filters[index];
        currentFilter = index;
        try {
            FilterAction action;
            if (kind == HEAD) {
                action = p.request
                        ? filter.onRequestHead(this, (HttpRequestHead) payload, eos)
                        : filter.onResponseHead(this, (HttpResponseHead) payload, eos);
            } else if (kind == BODY) {
                ByteBuffer chunk = (ByteBuffer) payload;
                int position = chunk.position();
                int limit = chunk.limit();
                try {
                    action = p.request
                            ? filter.onRequestBody(this, chunk, eos)
                            : filter.onResponseBody(this, chunk, eos);
                } finally {
                    // Filters read by relative get()s; the next one must see the whole chunk again.
                    chunk.limit(limit).position(position);
                }
            } else {
                action = p.request
                        ? filter.onRequestTrailers(this, (HttpHeaders) payload)
                        : filter.onResponseTrailers(this, (HttpHeaders) payload);
            }
            if (action == null) {
                throw new NullPointerException("filter returned null instead of a FilterAction");
            }
            return action;
        } catch (Throwable t) {
            rethrowIfFatal(t);
            fail(p, pos, t);
            return null;
        } finally {
            currentFilter = -1;
        }
    }

    private void fail(Pipeline p, int pos, Throwable cause) {
        String kind = configs[p.filterIndex(pos)].kind();
        logger.warn("filter {} failed on route {}", kind, route.name(), cause);
        sendLocalReply(
                p.filterIndex(pos),
                LocalReply.of(500),
                new NantianException(NantianException.Category.INTERNAL, "filter " + kind + " failed", cause));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Buffering

    private void startBuffering(
            Pipeline p, int pos, int kind, Object payload, boolean eos, FilterAction.BufferBody buffer) {
        Stage s = p.stageFor(pos);
        s.mode = MODE_BUFFER;
        s.limit = buffer.maxBytes() < 0 ? maxBufferBytes : buffer.maxBytes();
        if (kind == HEAD) {
            s.heldHead = payload;
            s.heldHeadEos = eos;
        } else {
            append(p, pos, s, (ByteBuffer) payload);
        }
    }

    /** Appends a copy of {@code chunk}; on overflow replies 413 (request) or 500 (response) and returns false. */
    private boolean append(Pipeline p, int pos, Stage s, ByteBuffer chunk) {
        int n = chunk.remaining();
        if ((long) s.size + n > s.limit) {
            String what = p.request ? "request" : "response";
            NantianException cause = new NantianException(
                    NantianException.Category.LIMIT,
                    what + " body exceeds the " + s.limit + " byte buffer limit of filter "
                            + configs[p.filterIndex(pos)].kind() + " on route " + route.name());
            sendLocalReply(p.filterIndex(pos), LocalReply.of(p.request ? 413 : 500), cause);
            return false;
        }
        if (s.buf == null || s.size + n > s.buf.length) {
            int capacity = (int) Math.min(s.limit, Math.max((long) s.size + n, Math.max(8192L, s.size * 2L)));
            s.buf = s.buf == null ? new byte[capacity] : Arrays.copyOf(s.buf, capacity);
        }
        chunk.get(chunk.position(), s.buf, s.size, n);
        s.size += n;
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Async

    /** The stage's outcome if it is already known (no hop needed), else {@code null}. */
    private FilterAction completedNow(Pipeline p, int pos, FilterAction.Await await) {
        if (!(await.stage() instanceof CompletableFuture)) {
            return null;
        }
        CompletableFuture<?> future = (CompletableFuture<?>) await.stage();
        if (!future.isDone()) {
            return null;
        }
        try {
            Object result = future.join();
            return result == null ? FilterAction.proceed() : (FilterAction) result;
        } catch (CompletionException | CancellationException e) {
            FilterAction action = onAwaitFailure(p, pos, await, unwrap(e));
            return action == null ? null : action;
        }
    }

    private void startAwait(
            Pipeline p, int pos, int kind, Object payload, boolean eos, boolean aux, FilterAction.Await await) {
        Stage s = p.stageFor(pos);
        s.mode = MODE_AWAIT;
        s.inFlight = new Event(kind, retain(payload), eos, aux);
        s.await = await;
        int generation = ++s.generation;
        if (p.awaiting++ == 0) {
            setReadable(p, false);
        }
        long timeoutNanos =
                await.timeout() == null ? asyncTimeoutNanos : await.timeout().toNanos();
        s.timeout = host.schedule(
                () -> resume(
                        p,
                        pos,
                        generation,
                        null,
                        new TimeoutException("filter "
                                + configs[p.filterIndex(pos)].kind() + " did not complete within "
                                + Duration.ofNanos(timeoutNanos))),
                timeoutNanos,
                TimeUnit.NANOSECONDS);
        Executor eventLoop = host.eventLoop();
        await.stage().whenComplete((result, failure) -> {
            try {
                eventLoop.execute(() -> resume(p, pos, generation, result, failure));
            } catch (RejectedExecutionException e) {
                // The event loop is shutting down; the exchange dies with it.
                logger.debug("dropped the completion of a filter stage", e);
            }
        });
    }

    /** Runs on the event loop when an awaited stage completed or timed out, whichever came first. */
    private void resume(Pipeline p, int pos, int generation, FilterAction result, Throwable failure) {
        if (p.dead || complete) {
            return;
        }
        Stage s = p.stage(pos);
        if (s == null || s.mode != MODE_AWAIT || s.generation != generation) {
            return; // the other of completion and timeout came first
        }
        if (s.timeout != null) {
            s.timeout.cancel(false);
            s.timeout = null;
        }
        Event event = s.inFlight;
        FilterAction.Await await = s.await;
        s.inFlight = null;
        s.await = null;
        s.mode = MODE_NONE;
        if (--p.awaiting == 0) {
            setReadable(p, true);
        }
        FilterAction next = failure == null
                ? (result == null ? FilterAction.proceed() : result)
                : onAwaitFailure(p, pos, await, unwrap(failure));
        if (next == null) {
            return;
        }
        process(p, pos, event.kind, event.payload, event.eos, event.aux, next);
        while (!p.dead && !complete && s.mode != MODE_AWAIT && s.queue != null && !s.queue.isEmpty()) {
            Event queued = s.queue.poll();
            process(p, pos, queued.kind, queued.payload, queued.eos, queued.aux, null);
        }
    }

    /** The action after a failed await, or {@code null} if the chain replied 500 already. */
    private FilterAction onAwaitFailure(Pipeline p, int pos, FilterAction.Await await, Throwable failure) {
        if (await.failureHandler() != null) {
            currentFilter = p.filterIndex(pos);
            try {
                FilterAction action = await.failureHandler().apply(failure);
                return action == null ? FilterAction.proceed() : action;
            } catch (Throwable t) {
                rethrowIfFatal(t);
                t.addSuppressed(failure);
                fail(p, pos, t);
                return null;
            } finally {
                currentFilter = -1;
            }
        }
        String kind = configs[p.filterIndex(pos)].kind();
        logger.debug("async work of filter {} failed on route {}", kind, route.name(), failure);
        sendLocalReply(
                p.filterIndex(pos),
                LocalReply.of(500),
                new NantianException(
                        NantianException.Category.INTERNAL, "async work of filter " + kind + " failed", failure));
        return null;
    }

    private void setReadable(Pipeline p, boolean readable) {
        if (p.request) {
            host.setRequestReadable(readable);
        } else {
            responsePaused = !readable;
            host.setResponseReadable(readable);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Ends of the pipelines

    private void sink(Pipeline p, int kind, Object payload, boolean eos, boolean aux) {
        if (kind == HEAD) {
            if (aux) {
                p.deferredHead = payload; // its complete body is right behind it
            } else {
                sendHead(p, payload, eos);
            }
            return;
        }
        if (kind == TRAILERS) {
            if (p.request) {
                requestSent = true;
                armHeadTimer();
                host.sendRequestTrailers((HttpHeaders) payload);
            } else {
                host.sendResponseTrailers((HttpHeaders) payload);
                finish();
            }
            return;
        }
        ByteBuffer chunk = (ByteBuffer) payload;
        boolean end = eos && !aux;
        if (p.deferredHead != null) {
            Object head = p.deferredHead;
            p.deferredHead = null;
            HttpHeaders headers = p.request ? ((HttpRequestHead) head).headers() : ((HttpResponseHead) head).headers();
            headers.remove("transfer-encoding");
            headers.set("content-length", Integer.toString(chunk.remaining()));
            sendHead(p, head, end && !chunk.hasRemaining());
        }
        if (p.headEndedStream) {
            if (chunk.hasRemaining()) {
                logger.warn(
                        "dropped {} body bytes a filter added to a bodyless {} on route {}; buffer the body to add one",
                        chunk.remaining(),
                        p.request ? "request" : "response",
                        route.name());
            }
        } else if (chunk.hasRemaining() || end) {
            if (p.request) {
                if (end) {
                    requestSent = true;
                    armHeadTimer();
                }
                host.sendRequestBody(chunk, end);
            } else {
                responseBytes += chunk.remaining();
                host.sendResponseBody(chunk, end);
            }
        }
        if (end && !p.request) {
            finish();
        }
    }

    private void sendHead(Pipeline p, Object head, boolean endOfStream) {
        p.headEndedStream = endOfStream;
        if (p.request) {
            upstreamStarted = true;
            requestSent = endOfStream;
            if (endOfStream) {
                armHeadTimer();
            }
            host.sendRequestHead((HttpRequestHead) head, endOfStream);
        } else {
            HttpResponseHead responseHead = (HttpResponseHead) head;
            response = responseHead;
            responseCommitted = true;
            status = responseHead.status();
            firstByteNanos = host.nanoTime() - startNanos;
            host.sendResponseHead(responseHead, endOfStream);
        }
    }

    /**
     * Answers the client from the filter at {@code filterIndex}: drops both directions and the upstream, then sends
     * the reply through the response callbacks of filters {@code filterIndex - 1 .. 0}. After the response head left
     * that is impossible, so the downstream is reset instead.
     */
    private void sendLocalReply(int filterIndex, LocalReply reply, Throwable cause) {
        sendLocalReply(filterIndex, reply, cause, FROM_LOCAL_REPLY);
    }

    private void sendLocalReply(int filterIndex, LocalReply reply, Throwable cause, int source) {
        if (complete) {
            return;
        }
        cancelHeadTimer();
        if (cause != null) {
            recordError(cause);
        }
        if (responseCommitted) {
            Throwable reason = cause != null
                    ? cause
                    : new NantianException(
                            NantianException.Category.INTERNAL,
                            "a filter replied locally after the response started on route " + route.name());
            recordError(reason);
            cancelUpstream();
            host.resetDownstream(reason);
            finish();
            return;
        }
        localReplied = true;
        requestPipeline.kill();
        if (responsePipeline != null) {
            responsePipeline.kill();
        }
        cancelUpstream();
        HttpResponseHead head = HttpResponseHead.of(reply.status(), HttpHeaders.copyOf(reply.headers()));
        ByteBuffer body = reply.body().asReadOnlyBuffer(); // replies may be shared constants: never move theirs
        int status = reply.status();
        if (status >= 200 && status != 204 && status != 304) {
            head.headers().set("content-length", Integer.toString(body.remaining()));
        }
        response = head;
        responseSource = source;
        if (source != FROM_UPSTREAM_FAILURE) {
            upstreamFailure = null;
        }
        Pipeline p = responsePipeline = new Pipeline(false, filterIndex - 1, filterIndex);
        p.bodyEnded = true;
        boolean bodyless = !body.hasRemaining();
        process(p, 0, HEAD, head, bodyless, false, null);
        process(p, 0, BODY, body, true, false, null);
    }

    private void cancelUpstream() {
        if (upstreamStarted && !upstreamCancelled) {
            upstreamCancelled = true;
            cancelCalled = true;
            host.cancelUpstream();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Attempts

    /**
     * A filter in the response pipeline {@code p} asked for a new attempt. Checks that nothing of this response
     * passed it and that the request is complete, abandons the attempt and sends the new request straight to the
     * host; the next response enters at this filter.
     */
    private void retry(Pipeline p, int pos, int kind, Stage s, FilterAction.Retry retry) {
        String problem = null;
        if (p.request) {
            problem = "retry() is only valid from response callbacks";
        } else if (responseSource == FROM_LOCAL_REPLY) {
            problem = "retry() is not valid for a local reply";
        } else if (responseCommitted || !(kind == HEAD || (kind == BODY && s != null && s.heldHead != null))) {
            problem = "retry() is only valid while the filter holds the response head";
        } else if (!requestSent) {
            problem = "retry() needs the whole request to have gone upstream first";
        }
        if (problem != null) {
            fail(p, pos, new IllegalStateException(problem));
            return;
        }
        int index = p.filterIndex(pos);
        p.kill();
        responsePipeline = null;
        response = null;
        if (!cancelCalled) {
            host.cancelUpstream();
        }
        if (responsePaused) {
            responsePaused = false;
            host.setResponseReadable(true);
        }
        attempt++;
        upstreamCancelled = false;
        cancelCalled = false;
        localReplied = false;
        upstreamFailure = null;
        responseSource = FROM_UPSTREAM;
        error = null; // only an upstream failure of the abandoned attempt can have set it
        status = 0;
        statsCluster = null;
        statsEndpoint = null;
        responseTop = index;
        if (retry.cluster() != null) {
            selectedCluster = retry.cluster();
            selectedEndpoint = retry.endpoint();
        }
        HttpRequestHead head = retry.head();
        ByteBuffer body = retry.body();
        boolean bodyless = !body.hasRemaining();
        head.headers().remove("transfer-encoding");
        if (bodyless && !hasBodyMethod(head.method())) {
            head.headers().remove("content-length");
        } else {
            head.headers().set("content-length", Integer.toString(body.remaining()));
        }
        request = head;
        requestSent = true;
        armHeadTimer(); // the whole request goes now: head and body in one go
        host.sendRequestHead(head, bodyless);
        if (!bodyless && !complete) {
            host.sendRequestBody(body, true);
        }
    }

    private static boolean hasBodyMethod(String method) {
        return "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method);
    }

    /** Starts the response-head timeout of the current attempt once its request went upstream completely. */
    private void armHeadTimer() {
        cancelHeadTimer();
        if (responseHeadTimeoutNanos <= 0 || responsePipeline != null || complete) {
            return; // no timeout, or a response (or a reply) is already there
        }
        int forAttempt = attempt;
        long nanos = responseHeadTimeoutNanos;
        headTimer = host.schedule(() -> headTimedOut(forAttempt, nanos), nanos, TimeUnit.NANOSECONDS);
    }

    private void cancelHeadTimer() {
        if (headTimer != null) {
            headTimer.cancel(false);
            headTimer = null;
        }
    }

    /** Runs on the event loop when an attempt's response head did not come in time. */
    private void headTimedOut(int forAttempt, long nanos) {
        if (forAttempt != attempt || complete || localReplied || upstreamCancelled || responsePipeline != null) {
            return; // a later attempt, the head arrived, or the attempt ended otherwise
        }
        headTimer = null;
        String cluster =
                statsCluster != null ? statsCluster : selectedCluster != null ? selectedCluster : "the route's";
        TimeoutException cause = new TimeoutException("no response head from cluster " + cluster + " within "
                + Duration.ofNanos(nanos) + " on route " + route.name());
        cancelUpstream();
        upstreamFailed(504, cause);
    }

    private void finish() {
        if (complete) {
            return;
        }
        complete = true;
        cancelHeadTimer();
        requestPipeline.kill();
        if (responsePipeline != null) {
            responsePipeline.kill();
        }
        ExchangeStats.Builder stats = ExchangeStats.builder()
                .status(status)
                .requestBodyBytes(requestBytes)
                .responseBodyBytes(responseBytes)
                .startEpochMillis(startMillis)
                .durationNanos(host.nanoTime() - startNanos)
                .firstByteNanos(firstByteNanos)
                .localReply(localReplied);
        if (logFields != null) {
            stats.logFields(logFields);
        }
        String cluster = statsCluster != null ? statsCluster : upstreamStarted ? selectedCluster : null;
        if (cluster != null) {
            stats.upstream(cluster, statsCluster != null ? statsEndpoint : selectedEndpoint);
        }
        if (error != null) {
            stats.error(error);
        }
        ExchangeStats result = stats.build();
        int fieldsBefore = logFieldsVersion;
        for (int i = filters.length - 1; i >= 0; i--) {
            if (filters[i] == null) {
                continue;
            }
            currentFilter = i;
            try {
                filters[i].onComplete(this, result);
            } catch (Throwable t) {
                rethrowIfFatal(t);
                logger.warn("onComplete of filter {} failed on route {}", configs[i].kind(), route.name(), t);
            } finally {
                currentFilter = -1;
            }
        }
        if (logFieldsVersion != fieldsBefore) {
            // Fields set in onComplete (final token counts, say) still belong in the access log.
            result = stats.logFields(logFields == null ? Map.of() : logFields).build();
        }
        host.completed(result);
    }

    private void recordError(Throwable cause) {
        if (error == null) {
            error = cause;
        }
    }

    private Object retain(Object payload) {
        return payload == lentChunk && payload != null ? BodyBuffers.copy((ByteBuffer) payload) : payload;
    }

    private static Throwable unwrap(Throwable t) {
        return (t instanceof CompletionException && t.getCause() != null) ? t.getCause() : t;
    }

    private static void rethrowIfFatal(Throwable t) {
        if (t instanceof VirtualMachineError) {
            throw (VirtualMachineError) t;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // HttpFilterContext

    @Override
    public ConnectionInfo connection() {
        return connection;
    }

    @Override
    public RouteInfo route() {
        return route;
    }

    @Override
    public <C> C filterConfig(Class<C> type) {
        if (currentFilter < 0) {
            throw new IllegalStateException("filterConfig() is only available inside a filter callback");
        }
        return type.cast(configs[currentFilter].config());
    }

    @Override
    public HttpRequestHead request() {
        return request;
    }

    @Override
    public HttpResponseHead response() {
        return response;
    }

    @Override
    public boolean responseCommitted() {
        return responseCommitted;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T attr(AttributeKey<T> key) {
        requireNonNull(key, "key");
        Object[] a = attrs;
        if (a != null) {
            for (int i = 0; i < a.length && a[i] != null; i += 2) {
                if (a[i] == key) {
                    return (T) a[i + 1];
                }
            }
        }
        return null;
    }

    @Override
    public void setLogField(String name, String value) {
        requireNonNull(name, "name");
        logFieldsVersion++;
        if (value == null) {
            if (logFields != null) {
                logFields.remove(name);
            }
            return;
        }
        if (logFields == null) {
            logFields = new LinkedHashMap<>(8);
        }
        logFields.put(name, value);
    }

    @Override
    public <T> void setAttr(AttributeKey<T> key, T value) {
        requireNonNull(key, "key");
        if (attrs == null) {
            if (value == null) {
                return;
            }
            attrs = new Object[8];
        }
        int i = 0;
        for (; i < attrs.length && attrs[i] != null; i += 2) {
            if (attrs[i] == key) {
                if (value != null) {
                    attrs[i + 1] = value;
                    return;
                }
                // Remove by moving the last pair into this slot, keeping the array dense.
                int last = lastPair();
                attrs[i] = attrs[last];
                attrs[i + 1] = attrs[last + 1];
                attrs[last] = null;
                attrs[last + 1] = null;
                return;
            }
        }
        if (value == null) {
            return;
        }
        if (i == attrs.length) {
            attrs = Arrays.copyOf(attrs, attrs.length * 2);
        }
        attrs[i] = key;
        attrs[i + 1] = value;
    }

    private int lastPair() {
        int i = 0;
        while (i + 2 < attrs.length && attrs[i + 2] != null) {
            i += 2;
        }
        return i;
    }

    @Override
    public void selectUpstream(String cluster) {
        selectUpstream(cluster, null);
    }

    @Override
    public void selectUpstream(String cluster, InetSocketAddress endpoint) {
        requireNonNull(cluster, "cluster");
        if (upstreamStarted) {
            throw new IllegalStateException("the request already went upstream");
        }
        selectedCluster = cluster;
        selectedEndpoint = endpoint;
    }

    @Override
    public Throwable upstreamFailure() {
        return responseSource == FROM_UPSTREAM_FAILURE ? upstreamFailure : null;
    }

    @Override
    public void setResponseHeadTimeout(Duration timeout) {
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        responseHeadTimeoutNanos = timeout == null ? -1 : timeout.toNanos();
    }

    @Override
    public String selectedCluster() {
        return selectedCluster;
    }

    @Override
    public InetSocketAddress selectedEndpoint() {
        return selectedEndpoint;
    }

    @Override
    public HttpHeaders upstreamRequestHeaders() {
        if (upstreamHeaders == null) {
            upstreamHeaders = HttpHeaders.of();
        }
        return upstreamHeaders;
    }

    @Override
    public CompletionStage<CalloutResponse> callout(
            String cluster, HttpRequestHead head, ByteBuffer body, Duration timeout) {
        requireNonNull(cluster, "cluster");
        requireNonNull(head, "head");
        requireNonNull(body, "body");
        requireNonNull(timeout, "timeout");
        return host.callout(cluster, head, body, timeout);
    }

    @Override
    public Executor eventLoop() {
        return host.eventLoop();
    }

    @Override
    public String toString() {
        return "FilterExchange(" + route.name() + ", "
                + (request == null ? "-" : request.method() + " " + request.path()) + (complete ? ", complete" : "")
                + ")";
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** One direction of the chain. */
    private static final class Pipeline {
        final boolean request;
        final int top; // filter index at position 0 of a response pipeline
        final int length;
        Stage[] stages; // created when a filter first pauses
        int awaiting; // positions in MODE_AWAIT, for flow control
        boolean dead;
        boolean bodyEnded; // the host delivered the last chunk (or it was synthesised)
        boolean trailersReceived;
        Object deferredHead; // at the end: a head waiting for its complete body
        boolean headEndedStream;

        Pipeline(boolean request, int top, int length) {
            this.request = request;
            this.top = top;
            this.length = length;
        }

        int filterIndex(int pos) {
            return request ? pos : top - pos;
        }

        Stage stage(int pos) {
            return stages == null ? null : stages[pos];
        }

        Stage stageFor(int pos) {
            if (stages == null) {
                stages = new Stage[length];
            }
            Stage s = stages[pos];
            return s != null ? s : (stages[pos] = new Stage());
        }

        void kill() {
            dead = true;
            deferredHead = null;
            if (stages != null) {
                for (Stage s : stages) {
                    if (s != null) {
                        s.clear();
                    }
                }
            }
        }
    }

    /** The state of a position whose filter paused at least once. */
    private static final class Stage {
        int mode;
        ArrayDeque<Event> queue;
        Event inFlight;
        FilterAction.Await await;
        int generation;
        Future<?> timeout;
        int limit;
        byte[] buf;
        int size;
        Object heldHead;
        boolean heldHeadEos;

        void enqueue(Event event) {
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            }
            queue.add(event);
        }

        ByteBuffer takeBody() {
            ByteBuffer body = buf == null
                    ? BodyBuffers.EMPTY
                    : ByteBuffer.wrap(buf, 0, size).asReadOnlyBuffer();
            buf = null;
            size = 0;
            return body;
        }

        void clear() {
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
            // A pending stage is not cancelled: it may be shared, and its owner learns of the end in onComplete.
            mode = MODE_NONE;
            queue = null;
            inFlight = null;
            await = null;
            buf = null;
            heldHead = null;
        }
    }

    /** An event parked at a position; only allocated when a filter pauses. */
    private static final class Event {
        final int kind;
        final Object payload;
        final boolean eos;
        final boolean aux;

        Event(int kind, Object payload, boolean eos, boolean aux) {
            this.kind = kind;
            this.payload = payload;
            this.eos = eos;
            this.aux = aux;
        }
    }
}
