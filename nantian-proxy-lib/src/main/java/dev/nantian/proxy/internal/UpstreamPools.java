package dev.nantian.proxy.internal;

import io.netty.channel.EventLoop;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every upstream connection of a proxy, partitioned by event loop so that a request only ever uses connections of
 * its own loop (no locks, no cross-thread hand-off), as Envoy's per-worker pools do.
 */
public final class UpstreamPools implements AutoCloseable {
    private final Transport transport;
    private final ProxySettings settings;
    private final Map<EventLoop, Map<EndpointKey, EndpointPool>> loops = new ConcurrentHashMap<>();

    public UpstreamPools(Transport transport, ProxySettings settings) {
        this.transport = transport;
        this.settings = settings;
    }

    /** The socket implementation upstream connections use. */
    Transport transport() {
        return transport;
    }

    /** The pool of {@code key} for {@code loop}. Call on {@code loop}. */
    EndpointPool pool(EventLoop loop, EndpointKey key) {
        Map<EndpointKey, EndpointPool> pools = loops.computeIfAbsent(loop, l -> new HashMap<>());
        EndpointPool pool = pools.get(key);
        if (pool == null) {
            pool = key.http2()
                    ? new H2cPool(loop, key, transport, settings)
                    : new Http1Pool(loop, key, transport, settings);
            pools.put(key, pool);
        }
        return pool;
    }

    /** Drops the pools of endpoints that no longer exist, closing their idle connections. Any thread. */
    public void retainOnly(Set<EndpointKey> keep) {
        loops.forEach((loop, pools) -> loop.execute(() -> pools.entrySet().removeIf(e -> {
            if (keep.contains(e.getKey())) {
                return false;
            }
            e.getValue().close();
            return true;
        })));
    }

    /** Closes every idle connection; busy ones close when their requests end. */
    @Override
    public void close() {
        loops.forEach((loop, pools) -> {
            if (!loop.isShuttingDown()) {
                loop.execute(() -> {
                    pools.values().forEach(EndpointPool::close);
                    pools.clear();
                });
            }
        });
    }
}
