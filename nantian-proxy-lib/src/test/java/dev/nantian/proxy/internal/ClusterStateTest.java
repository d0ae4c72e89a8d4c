package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.proxy.EndpointHealth;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The picking rules without sockets: ring stability, least request, ejection bookkeeping on a manual clock, panic.
 * The same behaviour through a real proxy is in {@code LoadBalancingIT}.
 */
class ClusterStateTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final UpstreamHealth registry = new UpstreamHealth(null, null, null, now::get, Clock.systemUTC());

    private ClusterState state(Cluster c) {
        return new ClusterState(c, null, registry.cluster(c.name()));
    }

    private static Cluster.Builder cluster(int n) {
        Cluster.Builder b = Cluster.builder("c");
        for (int i = 0; i < n; i++) {
            b.addEndpoint(Endpoint.of("10.0.0." + (i + 1), 8080));
        }
        return b;
    }

    private static UpstreamHost host(ClusterState s, String address) {
        return s.available(address + ":8080");
    }

    @Test
    void removingAnEndpointMovesOnlyTheKeysItOwned() {
        LoadBalancing hash = new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.SourceIp());
        ClusterState five = state(cluster(5).loadBalancing(hash).build());
        ClusterState four = state(Cluster.builder("c2")
                .endpoints(cluster(5).build().endpoints().subList(0, 4))
                .loadBalancing(hash)
                .build());
        Map<String, Integer> owned = new HashMap<>();
        int moved = 0;
        for (int k = 0; k < 10_000; k++) {
            long h = HostPicker.hash("key-" + k);
            String before = five.pickHost(h).authority();
            String after = four.pickHost(h).authority();
            owned.merge(before, 1, Integer::sum);
            if (!before.equals("10.0.0.5:8080")) {
                assertThat(after).as("key-" + k).isEqualTo(before);
            } else {
                moved++;
            }
        }
        // every endpoint owns a fair share of the ring (2000 each on average)
        assertThat(owned.values()).allSatisfy(n -> assertThat(n).isBetween(1400, 2600));
        assertThat(moved).isEqualTo(owned.get("10.0.0.5:8080"));
    }

    @Test
    void ringHonoursWeights() {
        ClusterState s = state(Cluster.builder("c")
                .addEndpoint(new Endpoint("10.0.0.1", 8080, 1, Optional.empty(), ""))
                .addEndpoint(new Endpoint("10.0.0.2", 8080, 3, Optional.empty(), ""))
                .loadBalancing(new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.SourceIp()))
                .build());
        int heavy = 0;
        for (int k = 0; k < 10_000; k++) {
            if (s.pickHost(HostPicker.hash("k" + k)).authority().equals("10.0.0.2:8080")) {
                heavy++;
            }
        }
        assertThat(heavy).isBetween(6500, 8500);
    }

    @Test
    void leastRequestTakesTheIdlerOfItsDraws() {
        ClusterState s = state(
                cluster(2).loadBalancing(new LoadBalancing.LeastRequest(2)).build());
        UpstreamHost busy = host(s, "10.0.0.1");
        for (int i = 0; i < 3; i++) {
            s.lease(busy); // three requests in flight
        }
        int busyPicks = 0;
        for (int i = 0; i < 4000; i++) {
            if (s.pickHost(HostPicker.NO_HASH) == busy) {
                busyPicks++;
            }
        }
        // only when both draws are the busy endpoint: 1 in 4
        assertThat(busyPicks).isBetween(800, 1200);
    }

    @Test
    void leasesCountRequestsInFlightUntilReleasedOnce() {
        ClusterState s = state(
                cluster(1).loadBalancing(new LoadBalancing.LeastRequest(2)).build());
        UpstreamHost h = host(s, "10.0.0.1");
        EndpointLease lease = s.lease(h);
        assertThat(h.health().inFlight.get()).isEqualTo(1);
        lease.release();
        lease.release();
        assertThat(h.health().inFlight.get()).isZero();
    }

    @Test
    void ejectionsGrowWithRepeatsAndAreForgivenOverTime() {
        ClusterState s = state(cluster(2)
                .outlierDetection(new OutlierDetection(2, Duration.ofSeconds(10), 50))
                .build());
        UpstreamHost h = host(s, "10.0.0.1");
        HostHealth health = h.health();

        fail(s, h, 1);
        assertThat(health.status(now.get())).isEqualTo(EndpointHealth.HEALTHY);
        s.lease(h).responded(200); // a success breaks the run
        fail(s, h, 1);
        assertThat(health.status(now.get())).isEqualTo(EndpointHealth.HEALTHY);
        fail(s, h, 1);
        assertThat(health.status(now.get())).isEqualTo(EndpointHealth.EJECTED);
        assertThat(s.available("10.0.0.1:8080")).isNull();

        advance(Duration.ofSeconds(10));
        assertThat(s.available("10.0.0.1:8080")).as("back after 10 s").isNotNull();

        fail(s, h, 2);
        advance(Duration.ofSeconds(19));
        assertThat(health.status(now.get())).as("second ejection lasts 20 s").isEqualTo(EndpointHealth.EJECTED);
        advance(Duration.ofSeconds(1));
        assertThat(health.status(now.get())).isEqualTo(EndpointHealth.HEALTHY);

        advance(Duration.ofSeconds(20)); // two base times in service forgive both earlier ejections
        fail(s, h, 2);
        advance(Duration.ofSeconds(10));
        assertThat(health.status(now.get())).isEqualTo(EndpointHealth.HEALTHY);
    }

    @Test
    void maxEjectionPercentIsABudgetForTheCluster() {
        ClusterState s = state(cluster(10)
                .outlierDetection(new OutlierDetection(1, Duration.ofSeconds(10), 20))
                .build());
        for (int i = 1; i <= 10; i++) {
            UpstreamHost h = host(s, "10.0.0." + i);
            if (h != null) {
                fail(s, h, 1);
            }
        }
        Set<String> available = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            available.add(s.pickHost(HostPicker.NO_HASH).authority());
        }
        assertThat(available).hasSize(8);
    }

    @Test
    void noAvailableEndpointMeansPanicOverAllOfThem() {
        ClusterState s = state(cluster(3).build());
        for (int i = 1; i <= 3; i++) {
            registry.cluster("c").host("10.0.0." + i + ":8080").activeHealthy = i != 2;
        }
        registry.cluster("c").changed();
        assertThat(s.inPanic()).isFalse();
        assertThat(s.available("10.0.0.2:8080")).isNull();

        registry.cluster("c").host("10.0.0.1:8080").activeHealthy = false;
        registry.cluster("c").host("10.0.0.3:8080").activeHealthy = false;
        registry.cluster("c").changed();
        assertThat(s.inPanic()).isTrue();
        Set<String> picked = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            picked.add(s.pick().toString());
        }
        assertThat(picked).hasSize(3);
    }

    private void fail(ClusterState s, UpstreamHost h, int times) {
        for (int i = 0; i < times; i++) {
            EndpointLease lease = s.lease(h);
            lease.responded(503);
            lease.release();
        }
    }

    private void advance(Duration d) {
        now.addAndGet(d.toNanos());
    }
}
