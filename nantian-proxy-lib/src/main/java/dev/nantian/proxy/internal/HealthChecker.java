package dev.nantian.proxy.internal;

import dev.nantian.core.model.HealthCheck;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active HTTP health checking of one endpoint of one cluster: every {@code interval} (plus up to 10% random jitter,
 * so that checkers started together drift apart) a {@code GET path} in the cluster's protocol (HTTP/1.1; HTTP/2 as a
 * stream for h2c and h2 clusters), over TLS when the cluster has TLS, on one connection kept between checks while the
 * endpoint keeps it alive (a failed or timed-out check closes it, and the next one connects anew), which must
 * answer with an expected status within {@code timeout}. After
 * {@code unhealthyThreshold} failures in a row the endpoint turns unhealthy, after {@code healthyThreshold} successes
 * in a row healthy again.
 *
 * <p>One checker per endpoint and cluster per proxy, pinned to one event loop that runs all of its code, off the
 * request path. {@link UpstreamHealth} starts it, keeps it across config swaps while its endpoint and check are
 * unchanged, and stops it.
 */
final class HealthChecker {
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);
    private static final String USER_AGENT = "nantian-health-check";

    private final ClusterHealth cluster;
    private final HostHealth host;
    private final EndpointKey key;
    private final HealthCheck check;
    private final EventLoop loop;
    private final Transport transport;
    private final ProxySettings settings;

    // Event loop state.
    private int successes;
    private int failures;
    /** Set by {@link #stop()} on the config thread: no verdict of this checker counts after it. */
    private volatile boolean stopped;

    private ScheduledFuture<?> next;
    private Probe current;
    /** The connection kept between checks (HTTP/1.1 keep-alive, or the HTTP/2 connection the streams run on). */
    private Channel connection;

    HealthChecker(
            ClusterHealth cluster,
            HostHealth host,
            EndpointKey key,
            HealthCheck check,
            EventLoop loop,
            Transport transport,
            ProxySettings settings) {
        this.cluster = cluster;
        this.host = host;
        this.key = key;
        this.check = check;
        this.loop = loop;
        this.transport = transport;
        this.settings = settings;
    }

    /** What the checker checks; equal specs keep their checker across a config swap. */
    record Spec(EndpointKey key, HealthCheck check) {}

    Spec spec() {
        return new Spec(key, check);
    }

    /** Starts checking: the first check comes within the jitter, not a whole interval later. Any thread. */
    void start() {
        loop.execute(() -> schedule(jitter()));
    }

    /**
     * Stops checking and abandons a check in progress. Once this returns, the checker changes its endpoint's health
     * no more. Any thread; idempotent.
     */
    void stop() {
        synchronized (host) {
            stopped = true;
        }
        if (loop.isShuttingDown()) {
            return;
        }
        loop.execute(() -> {
            if (next != null) {
                next.cancel(false);
            }
            finish(current, null);
            closeConnection();
        });
    }

    private long jitter() {
        long tenth = check.interval().toNanos() / 10;
        return tenth <= 0 ? 0 : ThreadLocalRandom.current().nextLong(tenth + 1);
    }

    private void schedule(long delayNanos) {
        if (!stopped) {
            next = loop.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void run() {
        next = null;
        if (stopped) {
            return;
        }
        Probe probe = new Probe();
        current = probe;
        probe.timeout = loop.schedule(
                () -> finish(probe, Boolean.FALSE), check.timeout().toNanos(), TimeUnit.NANOSECONDS);
        Channel open = connection;
        if (open != null && open.isActive()) {
            // The connection of the previous check, kept alive: no handshake, and one connection per checker.
            probe.channel = open;
            sendOn(probe, open);
            return;
        }
        closeConnection();
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(transport.socketChannel())
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.ALLOCATOR, settings.allocator())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int)
                        Math.max(1, Math.min(Integer.MAX_VALUE, check.timeout().toMillis())))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (key.tls() != null) {
                            ch.pipeline().addLast(key.tls().newHandler(ch.alloc(), key.port()));
                        }
                        if (key.http2()) {
                            // h2c by prior knowledge, or h2 over TLS: each check is one stream
                            ch.pipeline()
                                    .addLast(Http2FrameCodecBuilder.forClient().build())
                                    .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            ReferenceCountUtil.release(msg); // no pushed streams
                                        }
                                    }));
                        } else {
                            ch.pipeline().addLast(new HttpClientCodec()).addLast(new ResponseHandler(null));
                        }
                    }
                });
        ChannelFuture f = b.connect(key.address(), key.port());
        probe.channel = f.channel();
        connection = f.channel();
        f.addListener(c -> {
            if (!c.isSuccess()) {
                finish(probe, Boolean.FALSE);
                return;
            }
            if (!probe.done) {
                sendOn(probe, f.channel());
            }
        });
    }

    /** Sends {@code probe}'s request on {@code connection}: on the connection itself for HTTP/1.1, as a stream for HTTP/2. */
    private void sendOn(Probe probe, Channel connection) {
        if (!key.http2()) {
            send(probe, connection);
            return;
        }
        new Http2StreamChannelBootstrap(connection)
                .handler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(false))
                                .addLast(new ResponseHandler(probe));
                    }
                })
                .open()
                .addListener(s -> {
                    if (!s.isSuccess()) {
                        finish(probe, Boolean.FALSE);
                    } else if (probe.done) {
                        ((Channel) s.getNow()).close();
                    } else {
                        probe.stream = (Channel) s.getNow();
                        send(probe, probe.stream);
                    }
                });
    }

    /** Closes the kept connection, if any. Event loop. */
    private void closeConnection() {
        Channel c = connection;
        connection = null;
        if (c != null) {
            c.close();
        }
    }

    /**
     * Turns the endpoint healthy or unhealthy. Under the endpoint's lock (taken only here and when a config swap
     * takes the check away), so that a stopped checker's last verdict cannot overwrite the swap's.
     */
    private void verdict(boolean healthy) {
        synchronized (host) {
            if (stopped || host.activeHealthy == healthy) {
                return;
            }
            host.activeHealthy = healthy;
        }
        cluster.changed();
        if (healthy) {
            log.info("cluster {}: endpoint {} is healthy again", cluster.name, host.authority);
        } else {
            log.info(
                    "cluster {}: endpoint {} is unhealthy after {} failed checks",
                    cluster.name,
                    host.authority,
                    failures);
        }
    }

    /** Writes the check's request on {@code ch}: the connection for HTTP/1.1, a stream for HTTP/2. */
    private void send(Probe probe, Channel ch) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, check.path());
        req.headers()
                .set(HttpHeaderNames.HOST, check.host().orElse(key.address()))
                .set(HttpHeaderNames.USER_AGENT, USER_AGENT)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        ch.writeAndFlush(req).addListener(w -> {
            if (!w.isSuccess()) {
                finish(probe, Boolean.FALSE);
            }
        });
    }

    /** One check: its connection (and stream, on HTTP/2) and timer. */
    private static final class Probe {
        Channel channel;
        Channel stream;
        ScheduledFuture<?> timeout;
        boolean done;
        /** The endpoint answered and lets the connection live on: the next check reuses it. */
        boolean reusable;
    }

    /**
     * Reads responses: a stream's (for the probe it was opened for), or an HTTP/1.1 connection's (for the check in
     * flight; the rest of a response body is read and dropped, so the connection is ready for the next check).
     */
    private final class ResponseHandler extends ChannelInboundHandlerAdapter {
        private final Probe streamProbe;

        /** {@code probe} for an HTTP/2 stream, {@code null} for an HTTP/1.1 connection. */
        ResponseHandler(Probe probe) {
            this.streamProbe = probe;
        }

        private Probe probe() {
            return streamProbe != null ? streamProbe : current;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                Probe probe = probe();
                if (msg instanceof HttpResponse resp && probe != null) {
                    int code = resp.status().code();
                    if (code >= 100 && code < 200) {
                        return;
                    }
                    boolean decoded = resp.decoderResult().isSuccess();
                    boolean ok = decoded && code >= check.expectedStatusMin() && code <= check.expectedStatusMax();
                    if (!ok && log.isDebugEnabled()) {
                        log.debug("health check of {} in {}: status {}", key, cluster.name, code);
                    }
                    probe.reusable = decoded && (key.http2() || HttpUtil.isKeepAlive(resp));
                    finish(probe, ok);
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (streamProbe == null && connection == ctx.channel()) {
                connection = null;
            }
            Probe probe = probe();
            if (probe != null && (probe.channel == ctx.channel() || probe.stream == ctx.channel())) {
                finish(probe, Boolean.FALSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("health check of {} in {} failed: {}", key, cluster.name, cause.toString());
            Probe probe = probe();
            if (probe != null) {
                finish(probe, Boolean.FALSE);
            }
            ctx.close();
        }
    }

    /**
     * Ends {@code probe} with {@code ok} ({@code null}: abandoned, no verdict) and schedules the next check. Only the
     * first call per probe counts.
     */
    private void finish(Probe probe, Boolean ok) {
        if (probe == null || probe.done) {
            return;
        }
        probe.done = true;
        if (current == probe) {
            current = null;
        }
        if (probe.timeout != null) {
            probe.timeout.cancel(false);
        }
        if (probe.stream != null) {
            probe.stream.close();
        }
        if (!probe.reusable || stopped) {
            // A timeout, a failure or an answer that closes the connection: its state is unknown or over.
            if (probe.channel != null) {
                probe.channel.close();
                if (connection == probe.channel) {
                    connection = null;
                }
            }
        }
        if (ok == null || stopped) {
            return;
        }
        if (ok) {
            failures = 0;
            successes++;
            if (!host.activeHealthy && successes >= check.healthyThreshold()) {
                verdict(true);
            }
        } else {
            successes = 0;
            failures++;
            if (host.activeHealthy && failures >= check.unhealthyThreshold()) {
                verdict(false);
            }
        }
        schedule(check.interval().toNanos() + jitter());
    }
}
