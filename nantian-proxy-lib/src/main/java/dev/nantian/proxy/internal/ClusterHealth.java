package dev.nantian.proxy.internal;

import dev.nantian.core.model.OutlierDetection;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health of one cluster's endpoints, by {@code host:port}, kept across config swaps for as long as the cluster
 * exists: the compiled {@link ClusterState}s of successive configs share it, so an unchanged cluster keeps its
 * health state and a changed one keeps the state of the endpoints it still has.
 *
 * <p>{@link #epoch()} moves whenever an endpoint becomes available or unavailable; a {@link ClusterState} rebuilds
 * its load balancer when it sees a new epoch, so the request path reads one volatile long per pick.
 */
final class ClusterHealth {
    private static final Logger log = LoggerFactory.getLogger(ClusterHealth.class);
    /** Ejections never last longer than this (or the base ejection time, when that is longer), as in Envoy. */
    static final Duration MAX_EJECTION_TIME = Duration.ofSeconds(300);

    final String name;
    private final ConcurrentHashMap<String, HostHealth> hosts = new ConcurrentHashMap<>();
    private final AtomicLong epoch = new AtomicLong();
    private final LongSupplier nanoTime;
    private final Clock clock;

    ClusterHealth(String name, LongSupplier nanoTime, Clock clock) {
        this.name = name;
        this.nanoTime = nanoTime;
        this.clock = clock;
    }

    /** Health that no registry tracks: for configs compiled without a proxy (tests, the empty config). */
    static ClusterHealth detached(String name) {
        return new ClusterHealth(name, System::nanoTime, Clock.systemUTC());
    }

    /** The state of {@code authority}, created healthy on first use. Any thread. */
    HostHealth host(String authority) {
        return hosts.computeIfAbsent(authority, HostHealth::new);
    }

    /** The state of {@code authority}, or {@code null} when the cluster never had it. */
    HostHealth find(String authority) {
        return hosts.get(authority);
    }

    /** Forgets endpoints the served config no longer has. Config thread. */
    void retain(Set<String> authorities) {
        hosts.keySet().retainAll(authorities);
    }

    long epoch() {
        return epoch.get();
    }

    /** An endpoint's availability changed: load balancers rebuild on their next pick. */
    void changed() {
        epoch.incrementAndGet();
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    Clock clock() {
        return clock;
    }

    /** A request to {@code host} got an answer that is not a 5xx. Event loop. */
    void recordSuccess(HostHealth host) {
        if (host.consecutiveFailures.get() != 0) {
            host.consecutiveFailures.set(0);
        }
    }

    /**
     * A request to {@code host} failed (5xx, connect failure, reset, timeout); ejects it when that makes
     * {@code detection.consecutiveFailures()} in a row and the cluster's ejection budget allows. Event loop.
     *
     * @param size how many endpoints the cluster has in the config the request used
     */
    void recordFailure(HostHealth host, OutlierDetection detection, int size) {
        if (host.consecutiveFailures.incrementAndGet() >= detection.consecutiveFailures()) {
            tryEject(host, detection, size);
        }
    }

    /** The rare path: a lock keeps two event loops from ejecting past the budget together. */
    private synchronized void tryEject(HostHealth host, OutlierDetection detection, int size) {
        long now = nanoTime.getAsLong();
        if (host.isEjected(now) || host.consecutiveFailures.get() < detection.consecutiveFailures()) {
            return;
        }
        int ejectedNow = 0;
        for (HostHealth h : hosts.values()) {
            if (h.isEjected(now)) {
                ejectedNow++;
            }
        }
        // As in Envoy: a percentage that rounds down to nothing still allows one ejection, unless it is 0.
        int budget = detection.maxEjectionPercent() == 0 ? 0 : Math.max(1, size * detection.maxEjectionPercent() / 100);
        if (ejectedNow >= budget) {
            return;
        }
        long base = detection.baseEjectionTime().toNanos();
        if (host.ejections > 0 && host.lastEjectionEnd != 0) {
            // Each base ejection time spent back in service since the last ejection forgives one earlier ejection.
            long forgiven = Math.max(0, (now - host.lastEjectionEnd) / base);
            host.ejections = (int) Math.max(0, host.ejections - forgiven);
        }
        host.ejections++;
        long max = Math.max(base, MAX_EJECTION_TIME.toNanos());
        long duration = Math.min(max, base * Math.min(host.ejections, 1_000_000L));
        host.ejectedUntil = now + duration;
        host.lastEjectionEnd = now + duration;
        host.ejected = true;
        host.consecutiveFailures.set(0);
        changed();
        log.info(
                "cluster {}: ejected endpoint {} for {} ms after {} failures in a row (ejection {})",
                name,
                host.authority,
                duration / 1_000_000,
                detection.consecutiveFailures(),
                host.ejections);
    }

    @Override
    public String toString() {
        return "ClusterHealth[" + name + ", " + hosts.values() + "]";
    }
}
