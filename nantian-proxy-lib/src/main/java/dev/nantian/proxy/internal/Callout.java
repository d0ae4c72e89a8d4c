package dev.nantian.proxy.internal;

import dev.nantian.core.NantianException;
import dev.nantian.core.filter.CalloutResponse;
import dev.nantian.core.filter.HttpRequestHead;
import dev.nantian.core.filter.HttpResponseHead;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A filter's side request ({@link dev.nantian.core.filter.HttpFilterContext#callout}) to a cluster of the exchange's
 * config, over the same per-event-loop pools as the exchange; the whole response is collected (up to a limit) and
 * handed back as heap copies, so nothing of Netty leaves. Runs on the given event loop.
 */
final class Callout implements UpstreamListener {
    private final EventLoop loop;
    private final int maxBodyBytes;
    private final CompletableFuture<CalloutResponse> result = new CompletableFuture<>();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private EndpointPool pool;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private HttpResponseHead head;
    private boolean keepAlive = true;
    private boolean skipLast;
    private boolean done;

    private Callout(EventLoop loop, int maxBodyBytes) {
        this.loop = loop;
        this.maxBodyBytes = maxBodyBytes;
    }

    /**
     * Sends {@code head} and {@code body} (now owned by the callout) to {@code cluster}; the stage completes on
     * {@code loop} with the whole response, or fails when the cluster is unknown or empty, the connection fails, the
     * response exceeds {@code maxBodyBytes}, or {@code timeout} passes.
     */
    static CompletionStage<CalloutResponse> send(
            CompiledConfig config,
            UpstreamPools pools,
            EventLoop loop,
            int maxBodyBytes,
            String cluster,
            HttpRequestHead head,
            ByteBuffer body,
            Duration timeout) {
        Callout c = new Callout(loop, maxBodyBytes);
        if (loop.inEventLoop()) {
            c.start(config, pools, cluster, head, body, timeout);
        } else {
            loop.execute(() -> c.start(config, pools, cluster, head, body, timeout));
        }
        return c.result;
    }

    private void start(
            CompiledConfig config,
            UpstreamPools pools,
            String clusterName,
            HttpRequestHead head,
            ByteBuffer requestBody,
            Duration timeout) {
        ClusterState cluster = config.cluster(clusterName);
        if (cluster == null) {
            fail(new NantianException(
                    NantianException.Category.CONFIG, "callout cluster " + clusterName + " does not exist"));
            return;
        }
        EndpointKey endpoint = cluster.pick();
        if (endpoint == null) {
            fail(new NantianException(
                    NantianException.Category.UPSTREAM, "callout cluster " + clusterName + " has no endpoint"));
            return;
        }
        FullHttpRequest request;
        try {
            DefaultHttpHeaders h = new DefaultHttpHeaders();
            head.headers().forEach(h::add);
            if (!head.authority().isEmpty()) {
                h.set(HttpHeaderNames.HOST, head.authority());
            }
            h.remove(HttpHeaderNames.TRANSFER_ENCODING);
            h.setInt(HttpHeaderNames.CONTENT_LENGTH, requestBody.remaining());
            request = new DefaultFullHttpRequest(
                    HttpVersion.HTTP_1_1,
                    HttpMethod.valueOf(head.method()),
                    head.path(),
                    Unpooled.wrappedBuffer(requestBody),
                    h,
                    new DefaultHttpHeaders());
        } catch (RuntimeException e) {
            fail(e);
            return;
        }
        pool = pools.pool(loop, endpoint);
        timer = loop.schedule(
                () -> fail(new TimeoutException("callout to " + clusterName + " timed out after " + timeout)),
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
        pool.acquire().addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                request.release();
                fail(f.cause());
                return;
            }
            Channel ch = f.getNow();
            if (done) {
                request.release();
                pool.release(ch, true);
                return;
            }
            channel = ch;
            ch.pipeline().get(UpstreamHandler.class).attach(this);
            ch.writeAndFlush(request);
            ch.read();
        });
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        try {
            if (done) {
                return;
            }
            if (msg instanceof HttpResponse resp) {
                if (resp.decoderResult().isFailure()) {
                    fail(resp.decoderResult().cause());
                    return;
                }
                int code = resp.status().code();
                if (code >= 100 && code < 200) {
                    skipLast = !(msg instanceof LastHttpContent);
                    return;
                }
                keepAlive = HttpUtil.isKeepAlive(resp);
                HeaderOps.stripHopByHop(resp.headers(), false);
                head = HttpResponseHead.of(code, FilterHost.toCore(resp.headers(), null));
            } else if (msg instanceof LastHttpContent && skipLast) {
                skipLast = false;
                return;
            }
            if (head == null || !(msg instanceof HttpContent c)) {
                return;
            }
            int n = c.content().readableBytes();
            if (body.size() + (long) n > maxBodyBytes) {
                fail(new NantianException(
                        NantianException.Category.LIMIT,
                        "callout response exceeds the " + maxBodyBytes + " byte limit"));
                return;
            }
            c.content().getBytes(c.content().readerIndex(), body, n);
            if (msg instanceof LastHttpContent last) {
                done = true;
                cancelTimer();
                Channel ch = channel;
                channel = null;
                pool.release(ch, keepAlive);
                result.complete(new CalloutResponse(
                        head,
                        ByteBuffer.wrap(body.toByteArray()).asReadOnlyBuffer(),
                        FilterHost.toCore(last.trailingHeaders(), null)));
            }
        } catch (java.io.IOException e) {
            fail(e);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!done && channel != null) {
            channel.read();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        channel = null;
        fail(cause != null ? cause : new ClosedChannelException());
    }

    private void fail(Throwable cause) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        Channel ch = channel;
        channel = null;
        if (ch != null) {
            pool.release(ch, false);
        }
        result.completeExceptionally(cause);
    }

    private void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
