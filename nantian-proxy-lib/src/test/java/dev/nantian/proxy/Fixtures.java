package dev.nantian.proxy;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.VirtualHost;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small builders for test snapshots. */
final class Fixtures {
    private Fixtures() {}

    /** A port that was free a moment ago. */
    /** A started proxy with {@code eventLoops} event loops serving {@code snapshot}. */
    static NantianProxy startProxy(ConfigSnapshot snapshot, int eventLoops) throws Exception {
        NantianProxy proxy = NantianProxy.builder()
                .eventLoopThreads(eventLoops)
                .initialSnapshot(snapshot)
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return proxy;
    }

    /** An event-loop group for test clients; close it with {@link #shutdown}. */
    static EventLoopGroup clientGroup() {
        return new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    static void shutdown(EventLoopGroup group) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /**
     * {@code n} distinct free ports: all are held open until every one is chosen, so that two of them cannot be the
     * same port as two calls of {@link #freePort} can.
     */
    static int[] freePorts(int n) {
        ServerSocket[] open = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                open[i] = new ServerSocket(0);
                open[i].setReuseAddress(true);
                ports[i] = open[i].getLocalPort();
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket s : open) {
                if (s != null) {
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closing a listening socket we no longer need
                    }
                }
            }
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Cluster cluster(String name, int... ports) {
        Cluster.Builder b = Cluster.builder(name);
        for (int p : ports) {
            b.addEndpoint(Endpoint.of("127.0.0.1", p));
        }
        return b.build();
    }

    static Cluster cluster(String name, UpstreamProtocol protocol, int... ports) {
        Cluster.Builder b = Cluster.builder(name).protocol(protocol);
        for (int p : ports) {
            b.addEndpoint(Endpoint.of("127.0.0.1", p));
        }
        return b.build();
    }

    static RouteAction.Forward forward(String cluster) {
        return new RouteAction.Forward(List.of(Backend.ClusterBackend.of(cluster)));
    }

    static HttpRoute.Builder prefix(String name, String prefix, RouteAction action) {
        return HttpRoute.builder(RouteMeta.of("test", name), action)
                .match(HttpRouteMatch.path(new PathMatch.Prefix(prefix)));
    }

    static HttpRoute prefixTo(String name, String prefix, String cluster, RouteFilter... filters) {
        return prefix(name, prefix, forward(cluster)).filters(List.of(filters)).build();
    }

    static Listener httpListener(String name, int port, List<HttpRoute> routes) {
        return Listener.builder(
                        name,
                        port,
                        ListenerProtocol.HTTP,
                        new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), routes))))
                .address("127.0.0.1")
                .build();
    }

    /** A raw (layer-4) cluster of loopback endpoints on {@code ports}. */
    static Cluster.Builder rawCluster(String name, int... ports) {
        Cluster.Builder c = Cluster.builder(name).protocol(UpstreamProtocol.RAW);
        for (int p : ports) {
            c.addEndpoint(Endpoint.of("127.0.0.1", p));
        }
        return c;
    }

    /** A UDP backend on {@code group} answering each datagram with {@code name:payload}. */
    static Channel udpEcho(EventLoopGroup group, String name) throws InterruptedException {
        return new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket p) {
                        ByteBuf out = Unpooled.copiedBuffer(
                                name + ":" + p.content().toString(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
                        ctx.writeAndFlush(new DatagramPacket(out, p.sender()));
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
    }

    /** Sends {@code text} from {@code client} to the loopback UDP {@code port} and returns the reply. */
    static String udpRoundTrip(DatagramSocket client, int port, String text) throws IOException {
        byte[] data = text.getBytes(StandardCharsets.UTF_8);
        client.send(new java.net.DatagramPacket(data, data.length, new InetSocketAddress("127.0.0.1", port)));
        java.net.DatagramPacket reply = new java.net.DatagramPacket(new byte[512], 512);
        client.receive(reply);
        return new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8);
    }
}
