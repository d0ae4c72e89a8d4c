package dev.nantian.proxy.internal;

import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.routing.Binding;
import dev.nantian.core.routing.PortRouter;
import dev.nantian.core.routing.SniMatchResult;
import dev.nantian.proxy.internal.tls.ServerTls;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.AbstractSniHandler;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a TLS socket: reads the ClientHello without terminating it, lets the socket's
 * {@link dev.nantian.core.routing.SniRouter} pick a listener by the SNI name, and rebuilds the pipeline for it:
 *
 * <ul>
 *   <li>HTTPS listener: TLS with the certificate chosen by SNI, then ALPN picks HTTP/2 or HTTP/1.1, both ending in
 *       the same exchange path as cleartext connections;
 *   <li>TLS listener, passthrough: the ClientHello and everything after it are spliced to a backend of the route;
 *   <li>TLS listener, terminate: TLS here, the decrypted stream spliced to a backend;
 *   <li>nothing serves the name: the connection is closed (and logged with {@code NR}).
 * </ul>
 *
 * Runs on the connection's event loop. The lookup is synchronous: the router and the contexts were built with the
 * config.
 */
final class SniDispatcher extends AbstractSniHandler<SniMatchResult> {
    private static final Logger log = LoggerFactory.getLogger(SniDispatcher.class);

    private final ProxyContext proxy;
    private final Binding binding;
    private final DownstreamInitializer http;
    private CompiledConfig config;

    SniDispatcher(ProxyContext proxy, Binding binding, DownstreamInitializer http) {
        super(proxy.settings().headerReadTimeout().toMillis());
        this.proxy = proxy;
        this.binding = binding;
        this.http = http;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        super.channelActive(ctx);
        // Connections start with AUTO_READ off; the ClientHello has to be read.
        ctx.read();
    }

    @Override
    protected Future<SniMatchResult> lookup(ChannelHandlerContext ctx, String hostname) {
        config = proxy.config();
        PortRouter router = config.portRouter(binding);
        SniMatchResult result = router instanceof PortRouter.Tls tls ? tls.sni().match(hostname) : null;
        return ctx.executor().newSucceededFuture(result);
    }

    @Override
    protected void onLookupComplete(ChannelHandlerContext ctx, String hostname, Future<SniMatchResult> future) {
        SniMatchResult match = future.getNow();
        if (match == null
                || match.outcome() == SniMatchResult.Outcome.NO_LISTENER
                || match.outcome() == SniMatchResult.Outcome.NO_ROUTE) {
            log.debug("no TLS listener or route on {} for server name {}; closing", binding, hostname);
            proxy.telemetry().trackConnection(ctx.channel());
            L4Record record = L4Record.noRoute(L4Record.TLS, ctx.channel().remoteAddress());
            record.finish();
            proxy.telemetry().l4Done(record);
            ctx.close();
            return;
        }
        String listener = match.listener().name();
        if (match.outcome() == SniMatchResult.Outcome.HTTPS) {
            ServerTls tls = config.serverTls(listener);
            SslHandler ssl = tls.select(hostname).newHandler(ctx.alloc());
            ctx.pipeline().addAfter(ctx.name(), "alpn", new Alpn(new DownstreamTls(listener, hostname)));
            ctx.pipeline().replace(this, "ssl", ssl);
            return;
        }
        proxy.telemetry().trackConnection(ctx.channel());
        L4Targets targets = config.l4(match.route());
        L4Record record = targets == null
                ? L4Record.noRoute(L4Record.TLS, ctx.channel().remoteAddress())
                : targets.open(L4Record.TLS, ctx.channel().remoteAddress());
        if (record.lease == null) {
            log.debug("TLS route for {} on {} has no usable backend; closing", hostname, binding);
            record.finish();
            proxy.telemetry().l4Done(record);
            ctx.close();
            return;
        }
        boolean passthrough = match.listener().tls().orElseThrow().mode() == ListenerTls.Mode.PASSTHROUGH;
        ctx.pipeline()
                .addAfter(
                        ctx.name(),
                        DownstreamInitializer.IDLE,
                        new IdleStateHandler(
                                0, 0, proxy.settings().idleTimeout().toMillis(), TimeUnit.MILLISECONDS));
        if (passthrough) {
            ctx.pipeline().addAfter(DownstreamInitializer.IDLE, "l4", new L4Forwarder(proxy, record, false));
            // Removing this decoder hands the buffered ClientHello on to the forwarder.
            ctx.pipeline().remove(this);
        } else {
            SslHandler ssl = config.serverTls(listener).select(hostname).newHandler(ctx.alloc());
            ctx.pipeline().addAfter(DownstreamInitializer.IDLE, "l4", new L4Forwarder(proxy, record, true));
            ctx.pipeline().replace(this, "ssl", ssl);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Not TLS at all, or a truncated ClientHello: routine for a public port.
        if (cause instanceof DecoderException || cause instanceof IOException) {
            log.debug("closing {} before TLS: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.warn("closing {} before TLS", ctx.channel().remoteAddress(), cause);
        }
        ctx.close();
    }

    /** Completes an HTTPS connection once the handshake chose a protocol. */
    private final class Alpn extends ApplicationProtocolNegotiationHandler {
        private final DownstreamTls tls;

        Alpn(DownstreamTls tls) {
            super(ApplicationProtocolNames.HTTP_1_1);
            this.tls = tls;
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                http.initHttp2OverTls(ctx.pipeline(), tls);
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                http.initHttp1OverTls(ctx.pipeline(), tls);
                // The HTTP/1.1 handler starts reading on channelActive, which happened before it was added.
                ctx.fireChannelActive();
            } else {
                log.debug(
                        "unexpected ALPN protocol {} from {}",
                        protocol,
                        ctx.channel().remoteAddress());
                ctx.close();
            }
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof DecoderException || cause instanceof IOException || cause instanceof SSLException) {
                log.debug("TLS connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            } else {
                log.warn("TLS connection {} failed", ctx.channel().remoteAddress(), cause);
            }
            ctx.close();
        }
    }
}
