package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerUpgradeHandler;
import io.netty.handler.codec.http2.CleartextHttp2ServerUpgradeHandler;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ServerUpgradeCodec;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AsciiString;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the pipeline of an accepted connection for one {@link PortKind}:
 *
 * <ul>
 *   <li>cleartext ({@code HTTP}, {@code H2C}): {@code CleartextHttp2ServerUpgradeHandler} tells the HTTP/2 preface
 *       (prior knowledge) from HTTP/1.x, and {@code HttpServerUpgradeHandler} performs {@code Upgrade: h2c};
 *   <li>{@code HTTPS}: TLS (optionally chosen by SNI), then ALPN picks HTTP/2 or HTTP/1.1.
 * </ul>
 *
 * HTTP/2 streams are child channels served by {@link Http2EchoStreamHandler}; HTTP/1.x by {@link Http1EchoHandler}.
 */
public final class EchoChannelInitializer extends ChannelInitializer<Channel> {

    private static final Logger log = LoggerFactory.getLogger(EchoChannelInitializer.class);
    private static final int MAX_UPGRADE_REQUEST_BODY = 64 * 1024;
    private static final ChannelHandler CONNECTION_ERRORS = new ConnectionErrorHandler();

    private final PortKind port;
    private final EchoResponder responder;
    private final ChannelGroup connections;
    private final Function<Channel, ChannelHandler> tlsHandlerFactory;

    /**
     * @param port the listener this initializer serves
     * @param responder the echo logic shared by all connections
     * @param connections every accepted connection is added here so the server can close them
     * @param tlsHandlerFactory creates the TLS handler ({@code SslHandler} or {@code SniHandler}) of a connection;
     *     required for {@link PortKind#HTTPS}, ignored otherwise
     */
    public EchoChannelInitializer(
            PortKind port,
            EchoResponder responder,
            ChannelGroup connections,
            Function<Channel, ChannelHandler> tlsHandlerFactory) {
        this.port = requireNonNull(port, "port");
        this.responder = requireNonNull(responder, "responder");
        this.connections = requireNonNull(connections, "connections");
        if (port == PortKind.HTTPS) {
            requireNonNull(tlsHandlerFactory, "tlsHandlerFactory");
        }
        this.tlsHandlerFactory = tlsHandlerFactory;
    }

    @Override
    protected void initChannel(Channel ch) {
        connections.add(ch);
        if (port == PortKind.HTTPS) {
            ch.pipeline().addLast(tlsHandlerFactory.apply(ch), new AlpnHandler());
        } else {
            initCleartext(ch.pipeline());
        }
    }

    private void initCleartext(ChannelPipeline pipeline) {
        HttpServerCodec codec = newHttpCodec();
        HttpServerUpgradeHandler upgrade = new HttpServerUpgradeHandler(
                codec,
                protocol -> AsciiString.contentEquals(Http2CodecUtil.HTTP_UPGRADE_PROTOCOL_NAME, protocol)
                        ? new Http2ServerUpgradeCodec(
                                Http2FrameCodecBuilder.forServer().build(),
                                newMultiplexHandler(null),
                                CONNECTION_ERRORS)
                        : null,
                MAX_UPGRADE_REQUEST_BODY);
        ChannelInitializer<Channel> priorKnowledge = new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline()
                        .addLast(
                                Http2FrameCodecBuilder.forServer().build(),
                                newMultiplexHandler(null),
                                CONNECTION_ERRORS);
            }
        };
        pipeline.addLast(new CleartextHttp2ServerUpgradeHandler(codec, upgrade, priorKnowledge));
        pipeline.addLast(new Http1EchoHandler(responder, port, null));
    }

    private Http2MultiplexHandler newMultiplexHandler(TlsInfo tls) {
        return new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline().addLast(new Http2EchoStreamHandler(responder, port, tls));
            }
        });
    }

    private static HttpServerCodec newHttpCodec() {
        // Go accepts up to 1 MiB of request headers; Netty's 8 KiB default is too tight for header-heavy tests.
        return new HttpServerCodec(
                new HttpDecoderConfig().setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(64 * 1024));
    }

    /** Formats an address as Go's {@code Request.RemoteAddr}: {@code host:port}, IPv6 hosts in brackets. */
    static String goAddress(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            String host = inet.getAddress().getHostAddress();
            int zone = host.indexOf('%');
            if (zone >= 0) {
                host = host.substring(0, zone);
            }
            return (inet.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    /**
     * Last handler of an HTTP/2 connection. The frame codec has already answered a protocol error (GOAWAY) by the
     * time the exception gets here; a misbehaving client is routine for a test backend, so log quietly and close.
     */
    @ChannelHandler.Sharable
    private static final class ConnectionErrorHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("closing HTTP/2 connection from {}", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }

    /** Completes the pipeline once the TLS handshake has chosen a protocol. */
    private final class AlpnHandler extends ApplicationProtocolNegotiationHandler {

        AlpnHandler() {
            super(ApplicationProtocolNames.HTTP_1_1);
        }

        @Override
        protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            TlsInfo tls = TlsInfo.of(ssl.engine().getSession(), ssl.applicationProtocol());
            if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                ctx.pipeline()
                        .addLast(
                                Http2FrameCodecBuilder.forServer().build(),
                                newMultiplexHandler(tls),
                                CONNECTION_ERRORS);
            } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
                ctx.pipeline().addLast(newHttpCodec(), new Http1EchoHandler(responder, port, tls));
            } else {
                throw new IllegalStateException("unexpected ALPN protocol " + protocol);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // Before ALPN completes this is typically a client speaking cleartext to the TLS port.
            log.debug("closing TLS connection from {}", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }

        @Override
        protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
            // Clients probing with the wrong trust or SNI are routine in conformance runs: not worth a warning.
            log.debug("TLS handshake with {} failed", ctx.channel().remoteAddress(), cause);
            ctx.close();
        }
    }
}
