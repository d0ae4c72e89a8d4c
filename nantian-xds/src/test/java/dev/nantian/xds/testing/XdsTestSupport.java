package dev.nantian.xds.testing;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.VirtualHost;
import dev.nantian.xds.server.XdsServer;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Snapshots and an in-process gRPC pair for the server and client tests. */
public final class XdsTestSupport implements AutoCloseable {
    public static final String WEB = "default/web:80";

    private final String name = InProcessServerBuilder.generateName();
    private final ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    private Server server;

    /** A small but complete snapshot: one HTTP listener routing to one cluster on {@code port}. */
    public static ConfigSnapshot snapshot(String version, int port) {
        RouteMeta meta = new RouteMeta("HTTPRoute", "default", "web", Instant.EPOCH, 0, Optional.empty(), 0, Map.of());
        HttpRoute route = HttpRoute.builder(meta, new RouteAction.Forward(List.of(Backend.ClusterBackend.of(WEB))))
                .build();
        return ConfigSnapshot.builder(version)
                .addCluster(Cluster.builder(WEB)
                        .addEndpoint(Endpoint.of("10.0.0.1", port))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/http",
                                8080,
                                ListenerProtocol.HTTP,
                                new ListenerRoutes.Http(List.of(new VirtualHost("any", List.of("*"), List.of(route)))))
                        .build())
                .build();
    }

    /** Serves {@code xds} in-process, replacing a server started before. */
    public void serve(XdsServer xds) {
        try {
            server = InProcessServerBuilder.forName(name)
                    .addService(xds.service())
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the gRPC server now, as a crashed control plane would vanish. */
    public void stopServing() {
        if (server != null) {
            try {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
    }

    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopServing();
    }
}
