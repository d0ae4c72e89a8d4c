package dev.nantian.testing.echo.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import java.nio.charset.StandardCharsets;

/**
 * Upstream's UDP echo server ({@code echo-basic/udpechoserver}): every datagram is answered, to its sender, with
 * the JSON envelope carrying the payload (its first 1024 bytes, upstream's read buffer) and the pod's identity.
 * Runs on the channel's event loop.
 */
public final class UdpEchoHandler extends SimpleChannelInboundHandler<DatagramPacket> {

    private static final int MAX_READ = 1024;

    private final EchoJson.Identity identity;

    public UdpEchoHandler(EchoJson.Identity identity) {
        this.identity = identity;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
        int n = Math.min(packet.content().readableBytes(), MAX_READ);
        String request = packet.content().toString(packet.content().readerIndex(), n, StandardCharsets.UTF_8);
        byte[] answer = L4Json.udpEcho(identity, request).getBytes(StandardCharsets.UTF_8);
        ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(answer), packet.sender()));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Upstream logs read and write errors and keeps serving; so does this (e.g. ICMP port unreachable).
    }
}
