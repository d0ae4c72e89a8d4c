package dev.nantian.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A fire-and-forget copy of a request (Gateway API {@code RequestMirror}): its response is read and dropped, its
 * failures only logged at debug level, and it never delays or changes the real exchange. Runs on the event loop of
 * the pool it was given.
 */
final class Mirror implements UpstreamListener {
    private final EndpointPool pool;
    private final Duration timeout;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean keepAlive = true;
    private boolean done;

    private Mirror(EndpointPool pool, Duration timeout) {
        this.pool = pool;
        this.timeout = timeout;
    }

    /**
     * Sends a copy.
     *
     * @param body the whole body; ownership passes to the mirror
     * @param trailers trailers to send, or {@code null}
     */
    static void send(EndpointPool pool, HttpRequest head, ByteBuf body, HttpHeaders trailers, Duration timeout) {
        new Mirror(pool, timeout).start(head, body, trailers);
    }

    private void start(HttpRequest head, ByteBuf body, HttpHeaders trailers) {
        pool.acquire().addListener((Future<Channel> f) -> {
            if (!f.isSuccess()) {
                body.release();
                return;
            }
            Channel ch = f.getNow();
            channel = ch;
            ch.pipeline().get(UpstreamHandler.class).attach(this);
            timer = ch.eventLoop().schedule(this::onTimeout, timeout.toNanos(), TimeUnit.NANOSECONDS);
            LastHttpContent content = new DefaultLastHttpContent(body);
            if (trailers != null) {
                content.trailingHeaders().set(trailers);
            }
            ch.write(head);
            ch.writeAndFlush(content);
            ch.read();
        });
    }

    @Override
    public void onUpstreamMessage(HttpObject msg) {
        if (msg instanceof io.netty.handler.codec.http.HttpResponse resp) {
            keepAlive = HttpUtil.isKeepAlive(resp) && resp.status().code() >= 200;
        }
        boolean last = msg instanceof LastHttpContent;
        ReferenceCountUtil.release(msg);
        if (last && !done) {
            finish(keepAlive);
        }
    }

    @Override
    public void onUpstreamReadComplete() {
        if (!done) {
            channel.read();
        }
    }

    @Override
    public void onUpstreamClosed(Throwable cause) {
        finish(false);
    }

    private void onTimeout() {
        finish(false);
    }

    private void finish(boolean reusable) {
        if (done) {
            return;
        }
        done = true;
        if (timer != null) {
            timer.cancel(false);
        }
        pool.release(channel, reusable);
    }
}
