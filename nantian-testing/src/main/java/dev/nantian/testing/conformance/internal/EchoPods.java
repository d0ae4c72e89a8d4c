package dev.nantian.testing.conformance.internal;

import dev.nantian.testing.echo.EchoServer;
import dev.nantian.testing.echo.GrpcEchoServer;
import dev.nantian.testing.echo.L4EchoServer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The backend pods of the current test: one {@link EchoServer} per Deployment replica, each on its own loopback
 * address ({@code 127.0.0.2} upwards) with the ports of upstream's {@code echo-basic} ({@code HTTP_PORT} 3000,
 * {@code H2C_PORT} 3001, HTTPS 8443 when {@code TLS_SERVER_CERT}/{@code TLS_SERVER_PRIVKEY} name mounted files,
 * client certificates verified when {@code TLS_CLIENT_CACERTS} does). Pods of unchanged Deployments keep running
 * from test to test; changed or vanished ones are stopped.
 *
 * <p>{@code echo-basic} containers become the twin of their mode: {@link EchoServer} (HTTP, the default),
 * {@link GrpcEchoServer} ({@code GRPC_ECHO_SERVER}: {@code HTTP_PORT} 3000, TLS on {@code HTTPS_PORT} 8443 with
 * {@code TLS_SERVER_CERT}/{@code TLS_SERVER_PRIV_KEY}), {@link L4EchoServer} ({@code TCP_ECHO_SERVER}: {@code TCP_PORT}
 * 3000, TLS on {@code TLS_PORT} 8443 with {@code TLS_SERVER_CERT}/{@code TLS_SERVER_PRIV_KEY};
 * {@code UDP_ECHO_SERVER}: {@code UDP_PORT} 8080). Other images (coredns) have no in-process twin, so their Services
 * get no endpoints. Pods are named {@code <deployment>-<hash>-<n>}, the shape the weight test parses.
 *
 * <p>Not thread-safe: driven by the runner thread; request logs are filled on event loops and read under a lock.
 */
public final class EchoPods implements AutoCloseable {

    /** A running pod. */
    public record Pod(
            String namespace, String deployment, String name, Map<String, String> labels, InetAddress address) {}

    private static final int MAX_LOG_LINES = 10_000;
    private static final int FIRST_HOST = 2;

    private final EventLoopGroup group;
    private final Map<String, Running> running = new LinkedHashMap<>();
    private final BitSet usedHosts = new BitSet();
    // Addresses are handed out round robin, so a pod of the next test does not bind the address (and port) a pod of
    // the previous test released a moment ago, whose sockets a loaded machine may still be closing.
    private int nextHost = FIRST_HOST;
    private final List<String> notStarted = new ArrayList<>();

    private record Running(String signature, List<Pod> pods, List<AutoCloseable> servers, List<Deque<String>> logs) {}

    /** Creates the pod set with its own two event loops for every echo server. */
    public EchoPods() {
        this.group = new MultiThreadIoEventLoopGroup(
                2, new DefaultThreadFactory("nantian-conformance-echo", true), NioIoHandler.newFactory());
    }

    /**
     * Makes the running pods those of {@code manifests}' Deployments.
     *
     * @throws IllegalStateException when an echo server cannot be started (a port is taken)
     */
    public void reconcile(Manifests manifests) {
        notStarted.clear();
        Map<String, Manifests.Deployment> wanted = new LinkedHashMap<>();
        for (Manifests.Deployment d : manifests.deployments()) {
            if (!d.image().contains("echo-basic")) {
                notStarted.add(d.namespace() + "/" + d.name());
                continue;
            }
            wanted.put(d.namespace() + "/" + d.name(), d);
        }
        for (String key : new ArrayList<>(running.keySet())) {
            Manifests.Deployment d = wanted.get(key);
            if (d == null || !signature(d).equals(running.get(key).signature())) {
                stop(running.remove(key));
            }
        }
        for (Map.Entry<String, Manifests.Deployment> e : wanted.entrySet()) {
            if (!running.containsKey(e.getKey())) {
                running.put(e.getKey(), start(e.getValue()));
            }
        }
    }

    /** Deployments that got no pods (images other than echo-basic), as {@code namespace/name}. */
    public List<String> notStarted() {
        return List.copyOf(notStarted);
    }

    /** Every running pod. */
    public List<Pod> pods() {
        List<Pod> out = new ArrayList<>();
        running.values().forEach(r -> out.addAll(r.pods()));
        return out;
    }

    /** Upstream's stdout lines of every pod of a Deployment (label {@code app=<name>}), oldest first. */
    public List<String> logs(String namespace, String deployment) {
        List<String> out = new ArrayList<>();
        for (Running r : running.values()) {
            for (int i = 0; i < r.pods().size(); i++) {
                Pod pod = r.pods().get(i);
                if (pod.namespace().equals(namespace)
                        && deployment.equals(pod.labels().getOrDefault("app", pod.deployment()))) {
                    Deque<String> log = r.logs().get(i);
                    synchronized (log) {
                        out.addAll(log);
                    }
                }
            }
        }
        return out;
    }

    /**
     * EndpointSlices (one per Service whose selector matches running pods), labelled
     * {@code kubernetes.io/service-name}, as one multi-document YAML text.
     */
    public String endpointSlicesYaml(Manifests manifests) {
        StringBuilder sb = new StringBuilder("# Generated by the conformance runner: the echo pods of this test.\n");
        for (Manifests.Service svc : manifests.services()) {
            if (svc.selector().isEmpty()) {
                continue;
            }
            List<Pod> matching = new ArrayList<>();
            for (Pod pod : pods()) {
                if (pod.namespace().equals(svc.namespace())
                        && pod.labels().entrySet().containsAll(svc.selector().entrySet())) {
                    matching.add(pod);
                }
            }
            if (matching.isEmpty()) {
                continue;
            }
            sb.append("---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n");
            sb.append("  name: ").append(svc.name()).append("-conformance\n");
            sb.append("  namespace: ").append(svc.namespace()).append('\n');
            sb.append("  labels:\n    kubernetes.io/service-name: ")
                    .append(svc.name())
                    .append('\n');
            sb.append("addressType: IPv4\nendpoints:\n");
            for (Pod pod : matching) {
                sb.append("  - addresses: [\"")
                        .append(pod.address().getHostAddress())
                        .append("\"]\n");
                sb.append("    conditions: {ready: true, serving: true, terminating: false}\n");
                sb.append("    targetRef: {kind: Pod, namespace: ").append(pod.namespace());
                sb.append(", name: ").append(pod.name()).append("}\n");
            }
            sb.append("ports:\n");
            for (Manifests.ServicePort port : svc.ports()) {
                sb.append("  - name: \"").append(port.name()).append("\"\n");
                sb.append("    port: ").append(targetPort(port)).append('\n');
                sb.append("    protocol: ").append(port.protocol()).append('\n');
                if (port.appProtocol() != null) {
                    sb.append("    appProtocol: ").append(port.appProtocol()).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static int targetPort(Manifests.ServicePort port) {
        try {
            return Integer.parseInt(port.targetPort());
        } catch (NumberFormatException e) {
            // Named container ports: echo-basic declares none, so upstream's default HTTP port is the only one.
            return 3000;
        }
    }

    private Running start(Manifests.Deployment d) {
        List<Pod> pods = new ArrayList<>();
        List<AutoCloseable> servers = new ArrayList<>();
        List<Deque<String>> logs = new ArrayList<>();
        String hash = hash(d.namespace() + "/" + d.name());
        try {
            for (int i = 0; i < d.replicas(); i++) {
                InetAddress address = allocate();
                String podName = d.name() + "-" + hash + "-" + i;
                Deque<String> log = new ArrayDeque<>();
                Consumer<String> logger = line -> {
                    synchronized (log) {
                        if (log.size() >= MAX_LOG_LINES) {
                            log.removeFirst();
                        }
                        log.addLast(line);
                    }
                };
                try {
                    if (d.env().containsKey("GRPC_ECHO_SERVER")) {
                        servers.add(startGrpc(d, podName, address, logger));
                    } else if (d.env().containsKey("TCP_ECHO_SERVER") || d.env().containsKey("UDP_ECHO_SERVER")) {
                        servers.add(startL4(d, podName, address));
                    } else {
                        servers.add(startHttp(d, podName, address, logger));
                    }
                } catch (RuntimeException e) {
                    release(address);
                    throw e;
                }
                pods.add(new Pod(d.namespace(), d.name(), podName, d.podLabels(), address));
                logs.add(log);
            }
        } catch (Exception e) {
            servers.forEach(EchoPods::closeQuietly);
            pods.forEach(p -> release(p.address()));
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException(
                    "cannot start echo pods of Deployment " + d.namespace() + "/" + d.name() + ": " + e.getMessage(),
                    e);
        }
        return new Running(signature(d), List.copyOf(pods), List.copyOf(servers), List.copyOf(logs));
    }

    private EchoServer startHttp(Manifests.Deployment d, String podName, InetAddress address, Consumer<String> log)
            throws Exception {
        EchoServer.Builder builder = EchoServer.builder(podName, d.namespace())
                .bindAddress(address)
                .eventLoopGroup(group)
                .httpPort(intEnv(d, "HTTP_PORT", 3000))
                .h2cPort(intEnv(d, "H2C_PORT", 3001))
                .serviceName(d.env().getOrDefault("SERVICE_NAME", ""))
                .ingressName(d.env().getOrDefault("INGRESS_NAME", ""))
                .requestLog(log);
        String cert = d.files().get(d.env().get("TLS_SERVER_CERT"));
        String key = d.files().get(d.env().get("TLS_SERVER_PRIVKEY"));
        if (cert != null && key != null) {
            builder.tlsCertificate(cert, key).httpsPort(intEnv(d, "HTTPS_PORT", 8443));
            String clientCas = d.files().get(d.env().get("TLS_CLIENT_CACERTS"));
            if (clientCas != null) {
                builder.clientCaCertificates(clientCas);
            }
        }
        EchoServer server = builder.build();
        try {
            server.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** Upstream's gRPC mode reads the key from TLS_SERVER_PRIV_KEY (the HTTP mode from TLS_SERVER_PRIVKEY). */
    private static GrpcEchoServer startGrpc(
            Manifests.Deployment d, String podName, InetAddress address, Consumer<String> log) throws Exception {
        GrpcEchoServer.Builder builder = GrpcEchoServer.builder(podName, d.namespace())
                .bindAddress(address)
                .httpPort(intEnv(d, "HTTP_PORT", 3000))
                .serviceName(d.env().getOrDefault("SERVICE_NAME", ""))
                .ingressName(d.env().getOrDefault("INGRESS_NAME", ""))
                .requestLog(log);
        String cert = d.files().get(d.env().get("TLS_SERVER_CERT"));
        String key = d.files().get(d.env().get("TLS_SERVER_PRIV_KEY"));
        if (cert != null && key != null) {
            builder.httpsPort(intEnv(d, "HTTPS_PORT", 8443), cert, key);
        }
        GrpcEchoServer server = builder.build();
        try {
            server.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    /** TCP_ECHO_SERVER and UDP_ECHO_SERVER (upstream's l4 server runs both when both are set). */
    private L4EchoServer startL4(Manifests.Deployment d, String podName, InetAddress address) throws Exception {
        L4EchoServer.Builder builder = L4EchoServer.builder(podName, d.namespace())
                .bindAddress(address)
                .eventLoopGroup(group)
                .serviceName(d.env().getOrDefault("SERVICE_NAME", ""))
                .ingressName(d.env().getOrDefault("INGRESS_NAME", ""));
        if (d.env().containsKey("TCP_ECHO_SERVER")) {
            builder.tcpPort(intEnv(d, "TCP_PORT", 3000));
            String cert = d.files().get(d.env().get("TLS_SERVER_CERT"));
            String key = d.files().get(d.env().get("TLS_SERVER_PRIV_KEY"));
            if (cert != null && key != null) {
                builder.tlsPort(intEnv(d, "TLS_PORT", 8443), cert, key);
            }
        }
        if (d.env().containsKey("UDP_ECHO_SERVER")) {
            builder.udpPort(intEnv(d, "UDP_PORT", 8080));
        }
        L4EchoServer server = builder.build();
        try {
            server.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            server.close();
            throw e;
        }
        return server;
    }

    private static void closeQuietly(AutoCloseable server) {
        try {
            server.close();
        } catch (Exception e) {
            // Stopping a pod that failed to start: nothing more to do.
        }
    }

    private void stop(Running r) {
        r.servers().forEach(EchoPods::closeQuietly);
        r.pods().forEach(p -> release(p.address()));
    }

    private InetAddress allocate() throws UnknownHostException {
        int host = usedHosts.nextClearBit(nextHost);
        if (host > 254) {
            host = usedHosts.nextClearBit(FIRST_HOST);
        }
        if (host > 254) {
            // 127.0.1.0/24 belongs to the gateway's own addresses: pods stay within 127.0.0.0/24.
            throw new IllegalStateException("out of loopback addresses for echo pods (253 at most)");
        }
        usedHosts.set(host);
        nextHost = host + 1;
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) host});
    }

    private void release(InetAddress address) {
        byte[] b = address.getAddress();
        usedHosts.clear(b[3] & 0xff);
    }

    private static int intEnv(Manifests.Deployment d, String name, int fallback) {
        String value = d.env().get(name);
        return value == null ? fallback : Integer.parseInt(value.trim());
    }

    private static String signature(Manifests.Deployment d) {
        return d.replicas() + "|" + d.podLabels() + "|" + d.image() + "|" + d.env() + "|"
                + hash(d.files().toString());
    }

    private static String hash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                sb.append(String.format("%02x", digest[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Stops every pod and the event loops. Idempotent. */
    @Override
    public void close() {
        running.values().forEach(this::stop);
        running.clear();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
