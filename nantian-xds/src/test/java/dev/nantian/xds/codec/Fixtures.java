package dev.nantian.xds.codec;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.core.model.Endpoint;
import dev.nantian.core.model.ExtensionConfig;
import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HealthCheck;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.Listener;
import dev.nantian.core.model.ListenerProtocol;
import dev.nantian.core.model.ListenerRoutes;
import dev.nantian.core.model.ListenerTls;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.RetryPolicy;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.Secret;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.core.model.TcpRoute;
import dev.nantian.core.model.Timeouts;
import dev.nantian.core.model.TlsRoute;
import dev.nantian.core.model.UdpRoute;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.core.model.UpstreamTls;
import dev.nantian.core.model.VirtualHost;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A snapshot that uses every IR variant the codec handles. */
public final class Fixtures {
    private Fixtures() {}

    static RouteMeta meta(String name, int rule, int match) {
        return new RouteMeta(
                "HTTPRoute",
                "default",
                name,
                Instant.parse("2024-05-01T10:00:00.123Z"),
                rule,
                rule == 1 ? Optional.of("named-rule") : Optional.empty(),
                match,
                rule == 0 ? Map.of("gateway.nantian.dev/access-log-sample", "0.1") : Map.of());
    }

    static HeaderModifier modifier(String prefix) {
        return new HeaderModifier(
                List.of(new HttpHeader(prefix + "-set", "1"), new HttpHeader(prefix + "-set2", "2")),
                List.of(new HttpHeader(prefix + "-add", "a")),
                List.of(prefix + "-gone"));
    }

    static HttpRoute.Builder route(String name, int rule, int match, RouteAction action) {
        return HttpRoute.builder(meta(name, rule, match), action);
    }

    static RouteAction.Forward forward(String... clusters) {
        List<Backend> backends = new java.util.ArrayList<>();
        for (String c : clusters) {
            backends.add(Backend.ClusterBackend.of(c));
        }
        return new RouteAction.Forward(backends);
    }

    static List<HttpRoute> httpRoutes() {
        RouteFilter.ExtensionRef wasm =
                new RouteFilter.ExtensionRef("gateway.nantian.dev", "WasmPlugin", "default", "p");
        return List.of(
                route("exact", 0, 0, forward("default/web:80"))
                        .match(new HttpRouteMatch(
                                new PathMatch.Exact("/exact"),
                                Optional.of("POST"),
                                List.of(HeaderMatch.exact("x-env", "prod"), HeaderMatch.regex("x-id", "[0-9]+")),
                                List.of(QueryParamMatch.exact("debug", "1"), QueryParamMatch.regex("q", "a.*"))))
                        .addFilter(new RouteFilter.ResponseHeaderModifier(modifier("resp")))
                        .addFilter(new RouteFilter.RequestHeaderModifier(modifier("req")))
                        .addFilter(wasm)
                        .addFilter(new RouteFilter.UrlRewrite(
                                Optional.of("rewritten.example.com"),
                                Optional.of(new PathModifier.ReplaceFullPath("/full"))))
                        .addFilter(
                                new RouteFilter.RequestMirror("default/mirror:80", Optional.of(Fraction.percent(50))))
                        .addFilter(new RouteFilter.RequestMirror("default/mirror:80", Optional.of(new Fraction(1, 3))))
                        .addFilter(new RouteFilter.RequestMirror("default/mirror:80", Optional.empty()))
                        .addFilter(new RouteFilter.Cors(
                                List.of("*", "https://a.example.com", "https://*.example.org"),
                                true,
                                List.of("GET", "POST"),
                                List.of("x-a"),
                                List.of("x-b", "x-c"),
                                Duration.ofSeconds(600)))
                        .timeouts(new Timeouts(Optional.of(Duration.ofSeconds(10)), Optional.of(Duration.ofSeconds(2))))
                        .retry(new RetryPolicy(List.of(500, 503), 3, Optional.of(Duration.ofMillis(250))))
                        .build(),
                route(
                                "prefix",
                                1,
                                0,
                                new RouteAction.Forward(List.of(
                                        new Backend.ClusterBackend(
                                                "default/h2c:9000",
                                                70,
                                                List.of(
                                                        new RouteFilter.RequestHeaderModifier(modifier("b")),
                                                        wasm,
                                                        new RouteFilter.ResponseHeaderModifier(modifier("c")))),
                                        new Backend.ClusterBackend("default/hash:80", 0, List.of()),
                                        new Backend.InvalidBackend(20, "Service default/missing not found"),
                                        new Backend.ExtensionBackend(
                                                "gateway.nantian.dev",
                                                "AIService",
                                                "ai",
                                                "chat",
                                                10,
                                                List.of(new RouteFilter.RequestHeaderModifier(modifier("ai")))))))
                        .match(HttpRouteMatch.path(new PathMatch.Prefix("/api/")))
                        .addFilter(new RouteFilter.UrlRewrite(
                                Optional.empty(), Optional.of(new PathModifier.ReplacePrefixMatch("/v2"))))
                        .timeouts(new Timeouts(Optional.empty(), Optional.of(Duration.ofSeconds(3))))
                        .sessionPersistence(new SessionPersistence(
                                Optional.of("sticky"),
                                SessionPersistence.Type.COOKIE,
                                Optional.of(Duration.ofHours(1)),
                                Optional.of(Duration.ofMinutes(5)),
                                true))
                        .build(),
                route("odd-prefix", 1, 1, forward("default/hash:80"))
                        .match(HttpRouteMatch.path(new PathMatch.Prefix("/odd#frag")))
                        .sessionPersistence(new SessionPersistence(
                                Optional.empty(),
                                SessionPersistence.Type.HEADER,
                                Optional.empty(),
                                Optional.empty(),
                                false))
                        .build(),
                route("regex", 2, 0, new RouteAction.Forward(List.of()))
                        .match(HttpRouteMatch.path(new PathMatch.RegularExpression("/r/[a-z]+")))
                        .build(),
                route(
                                "redirect",
                                3,
                                0,
                                new RouteAction.Redirect(
                                        Optional.of("https"),
                                        Optional.of("secure.example.com"),
                                        Optional.of(new PathModifier.ReplacePrefixMatch("/new")),
                                        Optional.of(8443),
                                        301))
                        .match(HttpRouteMatch.path(new PathMatch.Prefix("/old")))
                        .addFilter(new RouteFilter.RequestHeaderModifier(modifier("r")))
                        .build(),
                route(
                                "redirect-full",
                                3,
                                1,
                                new RouteAction.Redirect(
                                        Optional.empty(),
                                        Optional.empty(),
                                        Optional.of(new PathModifier.ReplaceFullPath("/moved")),
                                        Optional.empty(),
                                        307))
                        .match(HttpRouteMatch.path(new PathMatch.Exact("/gone")))
                        .build(),
                route(
                                "direct",
                                4,
                                0,
                                new RouteAction.DirectResponse(
                                        418,
                                        List.of(new HttpHeader("x-tea", "pot"), new HttpHeader("x-tea", "cup")),
                                        "short"))
                        .match(HttpRouteMatch.path(new PathMatch.Exact("/teapot")))
                        .addFilter(new RouteFilter.ResponseHeaderModifier(modifier("d")))
                        .addFilter(new RouteFilter.RequestHeaderModifier(
                                new HeaderModifier(List.of(), List.of(), List.of())))
                        .build(),
                route("default", 5, 0, forward("default/web:80")).build());
    }

    public static ConfigSnapshot rich() {
        UpstreamTls h2Tls = new UpstreamTls(
                List.of("default/ca-1", "default/ca-2"),
                "backend.example.com",
                List.of(
                        new UpstreamTls.SubjectAltName(UpstreamTls.SubjectAltName.Type.HOSTNAME, "alt.example.com"),
                        new UpstreamTls.SubjectAltName(UpstreamTls.SubjectAltName.Type.URI, "spiffe://td/ns/sa")),
                Optional.of("default/client"));
        return ConfigSnapshot.builder("v42")
                .addCluster(Cluster.builder("default/web:80")
                        .addEndpoint(new Endpoint("10.0.0.1", 8080, 2, Optional.of("zone-a"), "web-0"))
                        .addEndpoint(new Endpoint("10.0.0.2", 8080, 1, Optional.of("zone-a"), "web-1"))
                        .addEndpoint(new Endpoint("fd00::3", 8080, 1, Optional.of("zone-b"), ""))
                        .addEndpoint(Endpoint.of("10.0.0.4", 8080))
                        .healthCheck(new HealthCheck(
                                "/healthz",
                                Optional.of("web.local"),
                                Duration.ofSeconds(3),
                                Duration.ofMillis(500),
                                1,
                                4,
                                200,
                                399))
                        .outlierDetection(new OutlierDetection(7, Duration.ofSeconds(20), 40))
                        .connectTimeout(Duration.ofMillis(1500))
                        .build())
                .addCluster(Cluster.builder("default/dns:443")
                        .addEndpoint(Endpoint.of("api.example.com", 443))
                        .protocol(UpstreamProtocol.H2)
                        .tls(h2Tls)
                        .loadBalancing(new LoadBalancing.LeastRequest(3))
                        .build())
                .addCluster(Cluster.builder("default/h2c:9000")
                        .addEndpoint(Endpoint.of("10.0.1.1", 9000))
                        .protocol(UpstreamProtocol.H2C)
                        .loadBalancing(new LoadBalancing.Random())
                        .build())
                .addCluster(Cluster.builder("default/hash:80")
                        .addEndpoint(Endpoint.of("10.0.2.1", 80))
                        .loadBalancing(new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.Cookie(
                                "affinity", Optional.of(Duration.ofMinutes(10)), "/app")))
                        .build())
                .addCluster(Cluster.builder("default/mirror:80")
                        .protocol(UpstreamProtocol.WEBSOCKET)
                        .tls(new UpstreamTls(List.of(), "mirror.example.com", List.of(), Optional.empty()))
                        .loadBalancing(new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.Header("x-user")))
                        .build())
                .addCluster(Cluster.builder("default/tcp:5432")
                        .addEndpoint(Endpoint.of("10.0.3.1", 5432))
                        .protocol(UpstreamProtocol.RAW)
                        .loadBalancing(new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.SourceIp()))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/http",
                                8080,
                                ListenerProtocol.HTTP,
                                new ListenerRoutes.Http(List.of(
                                        new VirtualHost(
                                                "example", List.of("example.com", "*.example.com"), httpRoutes()),
                                        new VirtualHost("any", List.of("*"), List.of()))))
                        .gateway("default/gw")
                        .hostname("*.example.com")
                        .build())
                .addListener(Listener.builder(
                                "default/gw/https",
                                8443,
                                ListenerProtocol.HTTPS,
                                new ListenerRoutes.Http(List.of(new VirtualHost(
                                        "secure",
                                        List.of("secure.example.com"),
                                        List.of(route("secure", 0, 0, forward("default/web:80"))
                                                .build())))))
                        .gateway("default/gw")
                        .address("127.0.0.1")
                        .hostname("secure.example.com")
                        .tls(new ListenerTls(
                                ListenerTls.Mode.TERMINATE,
                                List.of("default/cert-1", "default/cert-2"),
                                Optional.of(new ListenerTls.ClientValidation(
                                        List.of("default/ca-1", "default/ca-2"), true))))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/strict", 9443, ListenerProtocol.HTTPS, new ListenerRoutes.Http(List.of()))
                        .tls(new ListenerTls(
                                ListenerTls.Mode.TERMINATE,
                                List.of("default/cert-1"),
                                Optional.of(new ListenerTls.ClientValidation(List.of("default/ca-1"), false))))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/tls",
                                6443,
                                ListenerProtocol.TLS,
                                new ListenerRoutes.Tls(List.of(
                                        new TlsRoute(
                                                meta("tls", 0, 0).withRule(0, Optional.empty(), 0),
                                                List.of("a.example.com", "*.b.example.com"),
                                                List.of(
                                                        new L4Backend("default/tcp:5432", 3),
                                                        new L4Backend("", 1),
                                                        new L4Backend("default/web:80", 0))),
                                        new TlsRoute(
                                                tlsMeta("tls-single"),
                                                List.of("c.example.com"),
                                                List.of(new L4Backend("default/tcp:5432", 1))))))
                        .tls(ListenerTls.passthrough())
                        .build())
                .addListener(Listener.builder(
                                "default/gw/tls-term", 7443, ListenerProtocol.TLS, new ListenerRoutes.Tls(List.of()))
                        .tls(ListenerTls.terminate(List.of("default/cert-2")))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/tcp",
                                5432,
                                ListenerProtocol.TCP,
                                new ListenerRoutes.Tcp(List.of(
                                        new TcpRoute(tlsMeta("tcp-dead"), List.of(new L4Backend("", 1))),
                                        new TcpRoute(
                                                tlsMeta("tcp"),
                                                List.of(
                                                        new L4Backend("default/tcp:5432", 1),
                                                        new L4Backend("default/web:80", 2))))))
                        .build())
                .addListener(Listener.builder(
                                "default/gw/udp",
                                5353,
                                ListenerProtocol.UDP,
                                new ListenerRoutes.Udp(List.of(new UdpRoute(
                                        tlsMeta("udp"),
                                        List.of(
                                                new L4Backend("default/tcp:5432", 1),
                                                new L4Backend("default/web:80", 5))))))
                        .build())
                .addSecret(new Secret.TlsKeyPair("default/cert-1", "-----CERT 1-----", "-----KEY 1-----"))
                .addSecret(new Secret.TlsKeyPair("default/cert-2", "-----CERT 2-----", "-----KEY 2-----"))
                .addSecret(new Secret.TlsKeyPair("default/client", "-----CERT C-----", "-----KEY C-----"))
                .addSecret(new Secret.CaBundle("default/ca-1", "-----CA 1-----"))
                .addSecret(new Secret.CaBundle("default/ca-2", "-----CA 2-----"))
                .addSecret(new Secret.Generic("ai/openai", Map.of("apiKey", "sk-test", "org", "o-1")))
                .addExtension(new ExtensionConfig(
                        "gateway.nantian.dev",
                        "AIService",
                        "ai",
                        "chat",
                        Map.of(
                                "providers",
                                List.of(Map.of("name", "openai", "weight", 3L, "temperature", 0.5)),
                                "enabled",
                                true,
                                "nested",
                                Map.of("empty", List.of(), "label", "x"))))
                .addExtension(new ExtensionConfig("gateway.nantian.dev", "WasmPlugin", "default", "p", Map.of()))
                .build();
    }

    static RouteMeta tlsMeta(String name) {
        return new RouteMeta("TLSRoute", "default", name, Instant.EPOCH, 0, Optional.empty(), 0, Map.of());
    }
}
