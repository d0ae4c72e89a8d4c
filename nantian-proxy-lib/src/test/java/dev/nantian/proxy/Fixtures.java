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
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
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
}
