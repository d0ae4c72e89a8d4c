package dev.nantian.proxy.internal;

import dev.nantian.core.NantianException;
import dev.nantian.core.routing.Binding;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens and closes listening sockets as configs change. Sockets that stay keep their connections; new ones are bound
 * before the config that needs them is published, and accept only after it is; removed ones stop accepting and
 * drain. Methods are called from one thread at a time (the proxy's config thread).
 */
public final class ListenerManager {
    private static final Logger log = LoggerFactory.getLogger(ListenerManager.class);

    private final EventLoopGroup group;
    private final Transport transport;
    private final ProxyContext proxy;
    private final Map<Binding, BoundSocket> bound = new LinkedHashMap<>();

    public ListenerManager(EventLoopGroup group, Transport transport, ProxyContext proxy) {
        this.group = group;
        this.transport = transport;
        this.proxy = proxy;
    }

    /**
     * Moves the sockets to what {@code next} needs, calling {@code publish} once every new socket is bound and before
     * any accepts a connection.
     *
     * @throws NantianException when a socket cannot be bound; then nothing changed and {@code publish} was not called
     */
    public void apply(CompiledConfig next, Runnable publish) {
        Set<Binding> wanted = next.bindings();
        Map<Binding, BoundSocket> opened = new LinkedHashMap<>();
        List<String> errors = new ArrayList<>();
        for (Binding b : wanted) {
            if (!bound.containsKey(b)) {
                try {
                    opened.put(b, bind(b));
                } catch (RuntimeException e) {
                    errors.add("cannot bind " + b + ": " + e.getMessage());
                }
            }
        }
        if (!errors.isEmpty()) {
            opened.values().forEach(s -> s.server.close().awaitUninterruptibly());
            throw new NantianException(NantianException.Category.CONFIG, String.join("; ", errors));
        }
        publish.run();
        opened.forEach((b, s) -> {
            bound.put(b, s);
            s.server.config().setAutoRead(true);
            log.info("listening on {}", s.server.localAddress());
        });
        List<Binding> gone = new ArrayList<>();
        for (Binding b : bound.keySet()) {
            if (!wanted.contains(b)) {
                gone.add(b);
            }
        }
        for (Binding b : gone) {
            BoundSocket s = bound.remove(b);
            log.info("closing {}; draining its connections", s.server.localAddress());
            s.drain(proxy.settings().drainTimeout().toMillis());
        }
    }

    private BoundSocket bind(Binding b) {
        ChannelGroup connections = new DefaultChannelGroup("connections " + b, group.next());
        if (b.transport() == Binding.Transport.UDP) {
            ChannelFuture f =
                    UdpProxy.bind(group, transport, proxy, b, connections).awaitUninterruptibly();
            if (!f.isSuccess()) {
                throw new IllegalStateException(f.cause().getMessage(), f.cause());
            }
            return new BoundSocket(f.channel(), connections);
        }
        ServerBootstrap sb = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                // Accept nothing until the config that serves this socket is published.
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.ALLOCATOR, proxy.settings().allocator())
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.ALLOCATOR, proxy.settings().allocator())
                .childHandler(new ConnectionInitializer(proxy, b, connections));
        ChannelFuture f = sb.bind(b.address(), b.port()).awaitUninterruptibly();
        if (!f.isSuccess()) {
            throw new IllegalStateException(f.cause().getMessage(), f.cause());
        }
        return new BoundSocket(f.channel(), connections);
    }

    /** The addresses currently listened on. */
    public List<InetSocketAddress> localAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (BoundSocket s : bound.values()) {
            SocketAddress a = s.server.localAddress();
            if (a instanceof InetSocketAddress inet) {
                out.add(inet);
            }
        }
        return out;
    }

    /** Stops accepting everywhere and drains every connection; completes when all are closed. */
    public CompletableFuture<Void> closeAll() {
        List<CompletableFuture<Void>> drains = new ArrayList<>();
        for (BoundSocket s : bound.values()) {
            drains.add(s.drain(proxy.settings().drainTimeout().toMillis()));
        }
        bound.clear();
        return CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new));
    }

    private final class BoundSocket {
        final Channel server;
        final ChannelGroup connections;

        BoundSocket(Channel server, ChannelGroup connections) {
            this.server = server;
            this.connections = connections;
        }

        CompletableFuture<Void> drain(long timeoutMillis) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            server.close().addListener(f -> {
                List<Channel> open = new ArrayList<>(connections);
                if (open.isEmpty()) {
                    done.complete(null);
                    return;
                }
                AtomicInteger left = new AtomicInteger(open.size());
                for (Channel ch : open) {
                    ch.closeFuture().addListener(c -> {
                        if (left.decrementAndGet() == 0) {
                            done.complete(null);
                        }
                    });
                    ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(DownstreamInitializer.DRAIN));
                }
                Future<?> force = group.next()
                        .schedule(
                                () -> {
                                    if (!done.isDone()) {
                                        log.info("closing {} connections that did not drain in time", left.get());
                                        connections.close();
                                    }
                                },
                                timeoutMillis,
                                TimeUnit.MILLISECONDS);
                done.whenComplete((v, e) -> force.cancel(false));
            });
            return done;
        }
    }
}
