package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import dev.nantian.testing.echo.EchoServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ProbeClient#exchange} against a real echo server's {@code /ws} and against servers that cannot upgrade. */
class WebSocketProbeIT {

    private static final List<ProbeClient.WebSocketMessage> UPSTREAM_EXCHANGE = List.of(
            ProbeClient.WebSocketMessage.text("Websocket Support!"),
            new ProbeClient.WebSocketMessage(true, new byte[] {1, 2, 3, 4, 5, 6, 7}));

    private static EchoServer echo;
    private static ProbeClient client;

    @BeforeAll
    static void start() throws Exception {
        echo = EchoServer.builder("infra-backend-v1-0123456789-0", "gateway-conformance-infra")
                .bindAddress(InetAddress.getLoopbackAddress())
                .httpPort(0)
                .h2cPort(0)
                .build();
        echo.start().toCompletableFuture().get(10, TimeUnit.SECONDS);
        client = new ProbeClient(1);
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    private static ProbeClient.WebSocketProbe probe(InetSocketAddress address, String path) {
        return new ProbeClient.WebSocketProbe(
                address,
                address.getHostString() + ":" + address.getPort(),
                path,
                "ws://gateway/WebSocketProbeIT",
                UPSTREAM_EXCHANGE,
                Duration.ofSeconds(5));
    }

    @Test
    void echoServerEchoesTheTextAndTheBinaryMessage() throws Exception {
        InetSocketAddress address = new InetSocketAddress(echo.address(), echo.httpPort());

        assertThat(client.exchange(probe(address, "/ws"))).isNull();
    }

    @Test
    void pathWithoutWebSocketHandlerFailsTheUpgrade() {
        InetSocketAddress address = new InetSocketAddress(echo.address(), echo.httpPort());

        assertThatThrownBy(() -> client.exchange(probe(address, "/not-ws")))
                .isInstanceOf(ProbeClient.TransportException.class)
                .hasMessageContaining("handshake");
    }

    @Test
    void plainHttpServerFailsTheUpgradeAndSeesGosHandshakeHeaders() throws Exception {
        CompletableFuture<Headers> seen = new CompletableFuture<>();
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        plain.createContext("/", exchange -> {
            seen.complete(exchange.getRequestHeaders());
            byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        plain.start();
        try {
            InetSocketAddress address = plain.getAddress();

            assertThatThrownBy(() -> client.exchange(probe(address, "/ws")))
                    .isInstanceOf(ProbeClient.TransportException.class)
                    .hasMessageContaining("handshake");
            Headers headers = seen.get(5, TimeUnit.SECONDS);
            assertThat(headers.getFirst("Host")).isEqualTo(address.getHostString() + ":" + address.getPort());
            assertThat(headers.getFirst("Origin")).isEqualTo("ws://gateway/WebSocketProbeIT");
            assertThat(headers.getFirst("Upgrade")).isEqualToIgnoringCase("websocket");
            assertThat(headers.getFirst("Sec-WebSocket-Version")).isEqualTo("13");
        } finally {
            plain.stop(0);
        }
    }

    @Test
    void closedPortIsATransportError() throws Exception {
        InetSocketAddress address;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            address = new InetSocketAddress(socket.getInetAddress(), socket.getLocalPort());
        }
        InetSocketAddress closed = address;

        assertThatThrownBy(() -> client.exchange(probe(closed, "/ws")))
                .isInstanceOf(ProbeClient.TransportException.class);
    }
}
