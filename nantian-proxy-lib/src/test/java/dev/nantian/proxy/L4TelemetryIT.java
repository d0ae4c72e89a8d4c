package dev.nantian.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.UdpRoute;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import dev.nantian.proxy.metrics.ProxyMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layer-4 connections and flows in the access log and metrics, and the cluster's load-balancing policy, leases and
 * outlier detection applied to them, over real sockets. Each test has its own listener, route and cluster, so the
 * log lines are told apart by route.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class L4TelemetryIT {
    private static final String FORMAT = "%CLIENT_IP%|%METHOD%|%PATH%|%PROTOCOL%|%HOST%|%STATUS%|%RESPONSE_FLAGS%|"
            + "%BYTES_RECEIVED%|%BYTES_SENT%|%LATENCY_MS%|%UPSTREAM_ADDR%|%UPSTREAM_CLUSTER%|%ROUTE%|%USER_AGENT%";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private EventLoopGroup group;
    private Path log;
    private int backendA;
    private int backendB;
    private int backendC;
    private int dead;
    private Channel udpBackend;
    private NantianProxy proxy;
    private int tcpPort;
    private int refusedPort;
    private int udpPort;
    private int leastRequestPort;
    private int hashPort;
    private int deadPort;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        log = dir.resolve("access.log");
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        backendA = tcpBackend("A");
        backendB = tcpBackend("B");
        backendC = tcpBackend("C");
        udpBackend = Fixtures.udpEcho(group, "U");
        int[] ports = Fixtures.freePorts(7);
        dead = ports[0];
        tcpPort = ports[1];
        refusedPort = ports[2];
        udpPort = ports[3];
        leastRequestPort = ports[4];
        hashPort = ports[5];
        deadPort = ports[6];
        ConfigSnapshot snapshot = ConfigSnapshot.builder("v1")
                .addCluster(Fixtures.rawCluster("one", backendA).build())
                .addCluster(Fixtures.rawCluster("udp", ((InetSocketAddress) udpBackend.localAddress()).getPort())
                        .build())
                .addCluster(Fixtures.rawCluster("lr", backendB, backendC)
                        .loadBalancing(new LoadBalancing.LeastRequest(64))
                        .build())
                .addCluster(Fixtures.rawCluster("hash", backendB, backendC)
                        .loadBalancing(new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.SourceIp()))
                        .build())
                .addCluster(Fixtures.rawCluster("withdead", backendA, dead)
                        .outlierDetection(new OutlierDetection(2, Duration.ofMinutes(1), 100))
                        .build())
                .addListener(tcp("tcp", tcpPort, "one"))
                .addListener(tcp("bad", refusedPort, ""))
                .addListener(tcp("lr", leastRequestPort, "lr"))
                .addListener(tcp("hash", hashPort, "hash"))
                .addListener(tcp("dead", deadPort, "withdead"))
                .addListener(Listener.builder(
                                "udp",
                                udpPort,
                                ListenerProtocol.UDP,
                                new ListenerRoutes.Udp(List.of(
                                        new UdpRoute(RouteMeta.of("ns", "udp"), List.of(new L4Backend("udp", 1))))))
                        .address("127.0.0.1")
                        .build())
                .build();
        proxy = NantianProxy.builder()
                .eventLoopThreads(2)
                .idleTimeout(Duration.ofSeconds(2))
                .accessLog(AccessLogSettings.builder()
                        .path(log)
                        .format(FORMAT)
                        .sampleRate(1.0)
                        .build())
                .meterRegistry(registry)
                .initialSnapshot(snapshot)
                .build();
        proxy.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterAll
    void stop() {
        proxy.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aTcpConnectionIsLoggedOnceWithItsBytesAndUpstream() throws Exception {
        try (Socket s = connect(tcpPort, "127.0.0.1")) {
            assertThat(greeting(s)).isEqualTo("A");
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII))
                    .isEqualTo("hello");
        }
        String[] f = line("ns/tcp/rule/0");
        assertThat(f[0]).isEqualTo("127.0.0.1");
        // HTTP-only fields are absent.
        assertThat(List.of(f[1], f[2], f[4], f[5], f[13])).containsOnly("-");
        assertThat(f[3]).isEqualTo("TCP");
        assertThat(f[6]).isEqualTo("-");
        assertThat(f[7]).isEqualTo("5");
        assertThat(f[8]).isEqualTo("7"); // "A\n" + the echo
        assertThat(f[10]).isEqualTo("127.0.0.1:" + backendA);
        assertThat(f[11]).isEqualTo("one");
        assertThat(lines("ns/tcp/rule/0")).hasSize(1);

        assertThat(registry.get(ProxyMetrics.L4_CONNECTIONS)
                        .tags(ProxyMetrics.TAG_ROUTE, "ns/tcp/rule/0", ProxyMetrics.TAG_CLUSTER, "one")
                        .tag(ProxyMetrics.TAG_PROTOCOL, "tcp")
                        .counter()
                        .count())
                .isEqualTo(1.0);
        assertThat(registry.get(ProxyMetrics.L4_RECEIVED_BYTES)
                        .tag(ProxyMetrics.TAG_ROUTE, "ns/tcp/rule/0")
                        .counter()
                        .count())
                .isEqualTo(5.0);
        assertThat(registry.get(ProxyMetrics.L4_SENT_BYTES)
                        .tag(ProxyMetrics.TAG_ROUTE, "ns/tcp/rule/0")
                        .counter()
                        .count())
                .isEqualTo(7.0);
    }

    @Test
    void aConnectionRefusedForAnInvalidBackendIsLoggedWithTheReason() throws Exception {
        try (Socket s = connect(refusedPort, "127.0.0.1")) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        String[] f = line("ns/bad/rule/0");
        assertThat(f[3]).isEqualTo("TCP");
        assertThat(f[6]).isEqualTo("NC");
        assertThat(f[10]).isEqualTo("-");
        assertThat(f[11]).isEqualTo("-");
        assertThat(registry.get(ProxyMetrics.L4_CONNECTIONS)
                        .tags(ProxyMetrics.TAG_ROUTE, "ns/bad/rule/0", ProxyMetrics.TAG_CLUSTER, ProxyMetrics.NONE)
                        .counter()
                        .count())
                .isEqualTo(1.0);
    }

    @Test
    void aUdpFlowIsLoggedOnceAfterItsIdleTimeout() throws Exception {
        try (DatagramSocket client = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            client.setSoTimeout(5000);
            assertThat(Fixtures.udpRoundTrip(client, udpPort, "x1")).isEqualTo("U:x1");
            assertThat(Fixtures.udpRoundTrip(client, udpPort, "x22")).isEqualTo("U:x22");
            // The flow is still open: nothing logged yet.
            assertThat(lines("ns/udp/rule/0")).isEmpty();
        }
        String[] f = line("ns/udp/rule/0");
        assertThat(f[3]).isEqualTo("UDP");
        assertThat(f[5]).isEqualTo("-");
        assertThat(f[6]).isEqualTo("-");
        assertThat(f[7]).isEqualTo("5");
        assertThat(f[8]).isEqualTo("9");
        assertThat(Long.parseLong(f[9])).isGreaterThanOrEqualTo(2000);
        assertThat(f[10]).isEqualTo("127.0.0.1:" + ((InetSocketAddress) udpBackend.localAddress()).getPort());
        assertThat(lines("ns/udp/rule/0")).hasSize(1);
    }

    @Test
    void leastRequestSpreadsLongLivedConnectionsEvenly() throws Exception {
        List<Socket> held = new ArrayList<>();
        try {
            Map<String, List<Socket>> byEndpoint = new TreeMap<>();
            for (int i = 0; i < 10; i++) {
                Socket s = connect(leastRequestPort, "127.0.0.1");
                held.add(s);
                byEndpoint.computeIfAbsent(greeting(s), k -> new ArrayList<>()).add(s);
            }
            assertThat(byEndpoint.keySet()).containsExactly("B", "C");
            assertThat(byEndpoint.get("B")).hasSize(5);
            assertThat(byEndpoint.get("C")).hasSize(5);

            // Four of B's connections end (each is logged once its lease is released): the next four all go to B,
            // where round robin would alternate.
            for (Socket s : byEndpoint.get("B").subList(0, 4)) {
                s.close();
            }
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> lines("ns/lr/rule/0").size() == 4);
            List<String> next = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Socket s = connect(leastRequestPort, "127.0.0.1");
                held.add(s);
                next.add(greeting(s));
            }
            assertThat(next).containsExactly("B", "B", "B", "B");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    @Test
    void consistentHashKeepsOneSourceIpOnOneEndpoint() throws Exception {
        for (String ip : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")) {
            List<String> seen = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                try (Socket s = connect(hashPort, ip)) {
                    seen.add(greeting(s));
                }
            }
            assertThat(seen).as("endpoints of %s", ip).hasSize(4).containsOnly(seen.get(0));
        }
    }

    @Test
    void connectFailuresToADeadEndpointEjectItAndAreLogged() throws Exception {
        String gone = "127.0.0.1:" + dead;
        int failed = 0;
        for (int i = 0; i < 10 && proxy.endpointHealth("withdead", gone).orElseThrow() != EndpointHealth.EJECTED; i++) {
            try (Socket s = connect(deadPort, "127.0.0.1")) {
                if (greeting(s) == null) {
                    failed++;
                }
            }
        }
        assertThat(failed).isEqualTo(2);
        assertThat(proxy.endpointHealth("withdead", gone)).contains(EndpointHealth.EJECTED);
        for (int i = 0; i < 4; i++) {
            try (Socket s = connect(deadPort, "127.0.0.1")) {
                assertThat(greeting(s)).isEqualTo("A");
            }
        }
        String[] f = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> lines("ns/dead/rule/0").stream()
                                .filter(l -> l[6].equals("UF"))
                                .findFirst()
                                .orElse(null),
                        l -> l != null);
        assertThat(f[10]).isEqualTo(gone);
        assertThat(f[11]).isEqualTo("withdead");
        assertThat(registry.get(ProxyMetrics.UPSTREAM_CONNECT_ERRORS)
                        .tags(ProxyMetrics.TAG_CLUSTER, "withdead", ProxyMetrics.TAG_ENDPOINT, gone)
                        .counter()
                        .count())
                .isEqualTo(2.0);
    }

    // ---- helpers ----

    private List<String[]> lines(String route) throws IOException {
        if (!Files.exists(log)) {
            return List.of();
        }
        List<String[]> out = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
            String[] f = l.split("\\|", -1);
            if (f.length == 14 && f[12].equals(route)) {
                out.add(f);
            }
        }
        return out;
    }

    /** The first log line of {@code route}, split into the format's fields, once it is written. */
    private String[] line(String route) {
        return await().atMost(Duration.ofSeconds(10))
                .until(() -> lines(route).stream().findFirst().orElse(null), f -> f != null);
    }

    private static Socket connect(int port, String sourceIp) throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(5000);
        s.bind(new InetSocketAddress(sourceIp, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        return s;
    }

    /** The backend's name line, or {@code null} when the proxy closed the connection without one. */
    private static String greeting(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                return null;
            }
            buf.write(b);
        }
        return buf.toString(StandardCharsets.US_ASCII);
    }

    private static Listener tcp(String name, int port, String cluster) {
        return Listener.builder(
                        name,
                        port,
                        ListenerProtocol.TCP,
                        new ListenerRoutes.Tcp(
                                List.of(new TcpRoute(RouteMeta.of("ns", name), List.of(new L4Backend(cluster, 1))))))
                .address("127.0.0.1")
                .build();
    }

    /** A TCP backend that greets each connection with its name and a newline, then echoes. */
    private int tcpBackend(String name) throws InterruptedException {
        Channel ch = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        ctx.writeAndFlush(Unpooled.copiedBuffer(name + "\n", StandardCharsets.US_ASCII));
                    }

                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ctx.writeAndFlush(msg);
                    }

                    @Override
                    public boolean isSharable() {
                        return true;
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
        return ((InetSocketAddress) ch.localAddress()).getPort();
    }
}
