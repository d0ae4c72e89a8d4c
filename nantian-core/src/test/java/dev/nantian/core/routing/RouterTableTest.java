package dev.nantian.core.routing;

import static dev.nantian.core.routing.Fixtures.entry;
import static dev.nantian.core.routing.Fixtures.http;
import static dev.nantian.core.routing.Fixtures.https;
import static dev.nantian.core.routing.Fixtures.tls;
import static dev.nantian.core.routing.Fixtures.tlsRoute;
import static dev.nantian.core.routing.Fixtures.vhost;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.UdpRoute;
import dev.nantian.core.model.VirtualHost;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouterTableTest {

    private static ConfigSnapshot.Builder snapshot() {
        return ConfigSnapshot.builder("v7")
                .addCluster(Cluster.builder("c").build())
                .addCluster(Cluster.builder("a/tls").build())
                .addSecret(new Secret.TlsKeyPair("default/cert", "chain", "key"));
    }

    private static Binding tcp(int port) {
        return new Binding(Binding.Transport.TCP, "0.0.0.0", port);
    }

    @Test
    void compilesOneRouterPerSocket() {
        Listener tcpListener = Listener.builder(
                        "gw/tcp",
                        9000,
                        ListenerProtocol.TCP,
                        new ListenerRoutes.Tcp(List.of(
                                new TcpRoute(RouteMeta.of("a", "idle"), List.of(new L4Backend("c", 0))),
                                new TcpRoute(RouteMeta.of("a", "live"), List.of(new L4Backend("c", 1))))))
                .build();
        Listener udpListener = Listener.builder(
                        "gw/udp",
                        9000,
                        ListenerProtocol.UDP,
                        new ListenerRoutes.Udp(List.of(new UdpRoute(RouteMeta.of("a", "dns"), List.of()))))
                .build();
        ConfigSnapshot snapshot = snapshot()
                .addListener(
                        http("gw/http", null, vhost(List.of("*"), entry("a/web").build())))
                .addListener(http(
                        "gw/http-foo",
                        "foo.com",
                        vhost(List.of("foo.com"), entry("a/foo").build())))
                .addListener(https(
                        "gw/https",
                        "secure.com",
                        vhost(List.of("secure.com"), entry("a/secure").build())))
                .addListener(tls("gw/tls", null, tlsRoute("a/tls", 1)))
                .addListener(tcpListener)
                .addListener(udpListener)
                .build();

        RouterTable table = RouterTable.compile(snapshot);

        assertThat(table.version()).isEqualTo("v7");
        assertThat(table.bindings())
                .containsExactly(tcp(80), tcp(443), tcp(9000), new Binding(Binding.Transport.UDP, "0.0.0.0", 9000));
        PortRouter.Http http = (PortRouter.Http) table.router(tcp(80));
        assertThat(Fixtures.id(http.router().match("FOO.com:80", "/", "GET", HeaderLookup.none())))
                .isEqualTo("a/foo/0/0");
        PortRouter.Tls tls = (PortRouter.Tls) table.router(tcp(443));
        assertThat(tls.sni().match("secure.com").outcome()).isEqualTo(SniMatchResult.Outcome.HTTPS);
        assertThat(tls.sni().match("other.com").route().meta().name()).isEqualTo("tls");
        assertThat(tls.https().orElseThrow().listeners())
                .extracting(Listener::name)
                .containsExactly("gw/https");
        PortRouter.Tcp tcp = (PortRouter.Tcp) table.router(tcp(9000));
        assertThat(tcp.route().orElseThrow().meta().name()).isEqualTo("live");
        PortRouter.Udp udp = (PortRouter.Udp) table.router(new Binding(Binding.Transport.UDP, "0.0.0.0", 9000));
        assertThat(udp.route()).isEmpty();
        assertThat(table.router(tcp(1))).isNull();
    }

    @Test
    void listenersOnDifferentAddressesGetTheirOwnSockets() {
        Listener a = Listener.builder(
                        "gw/a", 80, ListenerProtocol.HTTP, new ListenerRoutes.Http(List.of(vhost(List.of("*")))))
                .address("127.0.0.2")
                .build();
        Listener b = Listener.builder(
                        "gw/b", 80, ListenerProtocol.HTTP, new ListenerRoutes.Http(List.of(vhost(List.of("*")))))
                .address("127.0.0.3")
                .build();

        RouterTable table =
                RouterTable.compile(snapshot().addListener(a).addListener(b).build());

        assertThat(table.bindings())
                .containsExactly(
                        new Binding(Binding.Transport.TCP, "127.0.0.2", 80),
                        new Binding(Binding.Transport.TCP, "127.0.0.3", 80));
    }

    @Test
    void compileListsEveryProblemOfEverySocket() {
        VirtualHost dup = new VirtualHost("dup", List.of("x.com"), List.of());
        ConfigSnapshot snapshot = snapshot()
                .addListener(http("gw/http", null, vhost(List.of("x.com")), dup))
                .addListener(https("gw/https", null, vhost(List.of("x.com")), dup))
                .build();

        assertThatThrownBy(() -> RouterTable.compile(snapshot))
                .isInstanceOf(ConfigValidationException.class)
                .satisfies(e -> assertThat(((ConfigValidationException) e).errors())
                        .containsExactly(
                                "listener gw/http: domain x.com is served by virtual hosts x.com and dup",
                                "listener gw/https: domain x.com is served by virtual hosts x.com and dup"));
    }

    @Test
    void emptySnapshotBindsNothing() {
        assertThat(RouterTable.compile(ConfigSnapshot.empty("v0")).bindings()).isEmpty();
    }
}
