package dev.nantian.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.testing.tls.TestCertificates;
import dev.nantian.xds.client.XdsClient;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The controller app over real sockets: YAML directory in, xDS out, watched by an {@link XdsClient}. */
class ControlPlaneIT {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;

    @TempDir
    Path tlsDir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final List<ConfigSnapshot> applied = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    private void writeConfig(String prefix) throws IOException {
        Files.writeString(
                dir.resolve("gateway.yaml"),
                String.join(
                        "\n",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: GatewayClass",
                        "metadata: {name: nantian}",
                        "spec: {controllerName: gateway.networking.k8s.io/nantian-gw}",
                        "---",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: Gateway",
                        "metadata: {name: gw, namespace: default}",
                        "spec:",
                        "  gatewayClassName: nantian",
                        "  listeners:",
                        "  - {name: http, protocol: HTTP, port: 18080}",
                        ""));
        Files.writeString(
                dir.resolve("routes.yaml"),
                String.join(
                        "\n",
                        "apiVersion: v1",
                        "kind: Service",
                        "metadata: {name: web, namespace: default}",
                        "spec:",
                        "  clusterIP: 127.0.0.1",
                        "  ports: [{name: http, port: 9000}]",
                        "---",
                        "apiVersion: gateway.networking.k8s.io/v1",
                        "kind: HTTPRoute",
                        "metadata: {name: web, namespace: default}",
                        "spec:",
                        "  parentRefs: [{name: gw}]",
                        "  rules:",
                        "  - matches: [{path: {type: PathPrefix, value: " + prefix + "}}]",
                        "    backendRefs: [{name: web, port: 9000}]",
                        ""));
    }

    private ControlPlane start(String extraConfig) {
        ControllerConfig config = ControllerConfig.parse("xdsAddr: \"127.0.0.1:0\"\n"
                + "adminAddr: \"127.0.0.1:0\"\n"
                + "source: {directory: " + dir + "}\n"
                + "reconcilerRunner: {settleDelay: 50ms}\n"
                + extraConfig);
        ControlPlane controller = ControlPlane.builder(config)
                .tlsCheckInterval(Duration.ofMillis(200))
                .build();
        closeables.add(controller);
        controller.start();
        return controller;
    }

    private XdsClient client(ControlPlane controller, String nodeId, ChannelCredentials creds, String authority) {
        return client(controller, nodeId, creds, authority, false);
    }

    private XdsClient client(
            ControlPlane controller, String nodeId, ChannelCredentials creds, String authority, boolean incremental) {
        InetSocketAddress a = controller.xdsAddress();
        NettyChannelBuilder b = NettyChannelBuilder.forTarget("127.0.0.1:" + a.getPort(), creds);
        if (authority != null) {
            b.overrideAuthority(authority);
        }
        ManagedChannel channel = b.build();
        closeables.add(channel::shutdownNow);
        XdsClient client = XdsClient.builder(() -> channel, nodeId, applied::add)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .incremental(incremental)
                .build();
        closeables.add(client);
        client.start();
        return client;
    }

    private HttpResponse<String> get(ControlPlane controller, String path, String token) throws Exception {
        InetSocketAddress a = controller.adminAddress();
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path));
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(ControlPlane controller, String path) throws Exception {
        HttpResponse<String> r = get(controller, path, null);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void yamlDirectoryIsServedOverXdsAndEditsArePushed() throws Exception {
        writeConfig("/v1");
        ControlPlane controller = start("");
        String v1 = controller.servedSnapshot().orElseThrow().version();

        XdsClient client = client(controller, "proxy-1", InsecureChannelCredentials.create(), null);

        await().atMost(10, TimeUnit.SECONDS).until(client::ready);
        assertThat(client.config().orElseThrow())
                .isEqualTo(controller.servedSnapshot().orElseThrow());
        assertThat(client.config().orElseThrow().clusters()).containsKey("default/web:9000");
        assertThat(get(controller, "/readyz", null).statusCode()).isEqualTo(200);
        assertThat(getJson(controller, "/api/v1/config/snapshot/version")
                        .path("version")
                        .asString())
                .isEqualTo(v1);
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            JsonNode c = getJson(controller, "/api/v1/clients").path("clients").get(0);
            assertThat(c.path("node_id").asString()).isEqualTo("proxy-1");
            assertThat(c.path("connected_since").asString()).isNotEmpty();
            assertThat(c.path("types")).isNotEmpty();
            for (JsonNode t : c.path("types")) {
                assertThat(t.path("version_acked").asString()).as(t.toString()).isEqualTo(v1);
            }
            assertThat(c.path("last_nack").isNull()).isTrue();
        });
        JsonNode snapshot = getJson(controller, "/api/v1/config/snapshot");
        assertThat(snapshot.path("version").asString()).isEqualTo(v1);
        assertThat(snapshot.path("clusters").toString()).contains("default/web:9000");
        JsonNode status = getJson(controller, "/api/v1/status");
        assertThat(status.path("errors")).isEmpty();
        assertThat(status.path("servingRevision").asString())
                .isEqualTo(status.path("revision").asString());
        assertThat(status.path("resources").toString()).contains("HTTPRoute", "Accepted");
        assertThat(get(controller, "/metrics", null).body())
                .contains("nantian_controller_reconciles_total{result=\"applied\"} 1.0")
                .contains("nantian_controller_xds_clients 1.0");

        // An edit pushes a new version.
        writeConfig("/v2");
        await().atMost(10, TimeUnit.SECONDS).until(() -> client.config()
                .map(ConfigSnapshot::version)
                .filter(v -> !v.equals(v1))
                .isPresent());
        String v2 = client.config().orElseThrow().version();
        assertThat(v2).isEqualTo(controller.servedSnapshot().orElseThrow().version());
        assertThat(applied).extracting(ConfigSnapshot::version).containsExactly(v1, v2);

        // A broken edit is reported and not pushed: the data plane keeps v2.
        Files.writeString(dir.resolve("broken.yaml"), "kind: [unclosed\n");
        await().atMost(10, TimeUnit.SECONDS)
                .untilAsserted(() -> assertThat(controller.errors()).isNotEmpty());
        JsonNode broken = getJson(controller, "/api/v1/status");
        assertThat(broken.path("errors").toString()).contains("broken.yaml");
        assertThat(broken.path("servingRevision").asString())
                .isNotEqualTo(broken.path("revision").asString());
        assertThat(getJson(controller, "/api/v1/config/snapshot/version")
                        .path("version")
                        .asString())
                .isEqualTo(v2);
        assertThat(client.config().orElseThrow().version()).isEqualTo(v2);
        assertThat(applied).hasSize(2);
    }

    @Test
    void incrementalClientsGetEditsAndAreListedAsDelta() throws Exception {
        writeConfig("/v1");
        ControlPlane controller = start("");
        XdsClient client = client(controller, "proxy-delta", InsecureChannelCredentials.create(), null, true);
        await().atMost(10, TimeUnit.SECONDS).until(client::ready);
        String v1 = client.config().orElseThrow().version();
        assertThat(client.config().orElseThrow().clusters()).containsKey("default/web:9000");

        writeConfig("/v2");

        await().atMost(10, TimeUnit.SECONDS)
                .until(() -> !client.config().orElseThrow().version().equals(v1));
        String v2 = controller.servedSnapshot().orElseThrow().version();
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            JsonNode c = getJson(controller, "/api/v1/clients").path("clients").get(0);
            assertThat(c.path("protocol").asString()).isEqualTo("delta");
            for (JsonNode t : c.path("types")) {
                assertThat(t.path("version_acked").asString()).as(t.toString()).isEqualTo(v2);
            }
            assertThat(c.path("last_nack").isNull()).isTrue();
        });
        assertThat(client.config().orElseThrow().version()).isEqualTo(v2);
    }

    @Test
    void mutualTlsAdmitsOnlyClientsWithACertificateFromTheCa() throws Exception {
        writeConfig("/");
        TestCertificates ca = new TestCertificates("xds-ca");
        Path[] server = ca.issue(tlsDir, "server", "nantian-controller");
        Path[] proxy = ca.issue(tlsDir, "proxy", "proxy-1");
        Path caFile = ca.writeCa(tlsDir.resolve("ca.crt"));
        ControlPlane controller = start("grpcTLS: {enabled: true, certPath: " + server[0] + ", keyPath: " + server[1]
                + ", clientCAPath: " + caFile + ", requireClientCert: true}\n");

        XdsClient withCert = client(
                controller,
                "proxy-1",
                TlsChannelCredentials.newBuilder()
                        .trustManager(caFile.toFile())
                        .keyManager(proxy[0].toFile(), proxy[1].toFile())
                        .build(),
                "localhost");
        XdsClient withoutCert = client(
                controller,
                "proxy-2",
                TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build(),
                "localhost");

        await().atMost(10, TimeUnit.SECONDS).until(withCert::ready);
        await().atMost(10, TimeUnit.SECONDS)
                .untilAsserted(
                        () -> assertThat(withoutCert.status().lastStreamError()).isPresent());
        assertThat(withoutCert.ready()).isFalse();
        assertThat(controller.xdsServer().clients()).extracting(c -> c.nodeId()).containsExactly("proxy-1");
    }

    @Test
    void renewedServerCertificateIsPickedUpWithoutRestart() throws Exception {
        writeConfig("/");
        TestCertificates oldCa = new TestCertificates("old-ca");
        Path[] server = oldCa.issue(tlsDir, "server", "nantian-controller");
        ControlPlane controller =
                start("grpcTLS: {enabled: true, certPath: " + server[0] + ", keyPath: " + server[1] + "}\n");
        TestCertificates newCa = new TestCertificates("new-ca");
        Path newCaFile = newCa.writeCa(tlsDir.resolve("new-ca.crt"));

        // Rotate: same paths, a certificate from another CA. Only clients trusting the new CA get through.
        Path staging = Files.createDirectory(tlsDir.resolve("staging"));
        Path[] renewed = newCa.issue(staging, "server", "nantian-controller");
        Files.move(renewed[1], server[1], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(renewed[0], server[0], java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        // Modification times have a coarse granularity on some file systems; make the change visible.
        Files.setLastModifiedTime(
                server[0], java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        Files.setLastModifiedTime(
                server[1], java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));

        XdsClient client = client(
                controller,
                "proxy-1",
                TlsChannelCredentials.newBuilder()
                        .trustManager(newCaFile.toFile())
                        .build(),
                "localhost");

        await().atMost(15, TimeUnit.SECONDS).until(client::ready);
    }

    @Test
    void adminApiNeedsTheBearerTokenExceptForProbes() throws Exception {
        writeConfig("/");
        ControlPlane controller = start("adminAuth: {bearerToken: s3cret}\n");

        assertThat(get(controller, "/api/v1/clients", null).statusCode()).isEqualTo(401);
        assertThat(get(controller, "/api/v1/clients", "wrong").statusCode()).isEqualTo(401);
        assertThat(get(controller, "/api/v1/clients", "s3cret").statusCode()).isEqualTo(200);
        assertThat(get(controller, "/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get(controller, "/readyz", null).statusCode()).isEqualTo(200);
    }
}
