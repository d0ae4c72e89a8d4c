package dev.nantian.testing.echo.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;

/**
 * One connection of upstream's TCP echo server ({@code echo-basic/tcpserver}): a welcome line once the connection
 * (and its TLS handshake) is up, then per received line {@code TEST} answers the assertions JSON, {@code IS_TLS}
 * answers {@code true}/{@code false}, {@code PING} answers {@code PONG}; anything else is ignored. Runs on the
 * connection's event loop; expects a line decoder in front of it that strips the delimiters.
 */
public final class TcpEchoHandler extends ChannelInboundHandlerAdapter {

    /** The first line the server sends on every connection. */
    public static final String WELCOME = "Gateway API Test TCP Server\n";

    private final EchoJson.Identity identity;
    private final String tcpPort;
    private final String tlsPort;
    private final boolean tls;
    private TlsInfo tlsInfo;
    private boolean welcomed;

    /**
     * @param tls whether an {@link SslHandler} precedes this handler (the welcome then waits for the handshake)
     */
    public TcpEchoHandler(EchoJson.Identity identity, String tcpPort, String tlsPort, boolean tls) {
        this.identity = identity;
        this.tcpPort = tcpPort;
        this.tlsPort = tlsPort;
        this.tls = tls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!tls) {
            welcome(ctx);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                // Upstream logs the failed handshake and drops the connection.
                ctx.close();
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            tlsInfo = TlsInfo.of(ssl.engine().getSession(), ssl.applicationProtocol());
            welcome(ctx);
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void welcome(ChannelHandlerContext ctx) {
        if (!welcomed) {
            welcomed = true;
            ctx.writeAndFlush(Unpooled.copiedBuffer(WELCOME, StandardCharsets.UTF_8));
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        String line;
        try {
            if (!(msg instanceof ByteBuf buf)) {
                return;
            }
            line = buf.toString(StandardCharsets.UTF_8);
        } finally {
            ReferenceCountUtil.release(msg);
        }
        String answer;
        switch (line) {
            case "TEST":
                answer = L4Json.tcpAssertions(identity, tcpPort, tlsPort, tls ? tlsInfo : null);
                break;
            case "IS_TLS":
                answer = Boolean.toString(tls);
                break;
            case "PING":
                answer = "PONG";
                break;
            default:
                return;
        }
        ctx.writeAndFlush(Unpooled.copiedBuffer(answer + "\n", StandardCharsets.UTF_8));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset or an oversized line: the client is gone or misbehaving; either way the connection ends.
        ctx.close();
    }
}
