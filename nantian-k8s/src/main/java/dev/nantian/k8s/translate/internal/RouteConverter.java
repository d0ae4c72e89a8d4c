package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.L4Backend;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.RetryPolicy;
import dev.nantian.core.model.RouteAction;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.core.model.StringMatchType;
import dev.nantian.core.model.Timeouts;
import dev.nantian.core.model.UpstreamProtocol;
import dev.nantian.k8s.crd.AIService;
import dev.nantian.k8s.crd.ExtensionResource;
import dev.nantian.k8s.crd.TokenPolicy;
import dev.nantian.k8s.crd.WasmPlugin;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.BackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCMethodMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.GRPCRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPBackendRef;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPCORSFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPHeaderMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPPathModifier;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPQueryParamMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestMirrorFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRequestRedirectFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteFilter;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteMatch;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRetry;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteRule;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.HTTPRouteTimeouts;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.LocalObjectReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ParentReference;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.RouteParentStatus;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TCPRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.TLSRoute;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.UDPRoute;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Converts the rules of HTTPRoutes and GRPCRoutes into route entries, one per match. A rule that cannot be served as
 * written (unsupported filter, invalid value, missing extension) keeps its matches but answers 500, so its traffic
 * never falls through to a less specific route; the route's status then says which rules were dropped. TLSRoutes,
 * TCPRoutes and UDPRoutes become weighted backends per rule.
 *
 * <p>TokenPolicies are placed here: a rule of a targeted HTTPRoute, or a rule that sends traffic to a targeted
 * AIService, gets an {@code ExtensionRef} filter per policy at the head of its filters, so the budget is checked
 * before the AIService backend is called.
 */
final class RouteConverter {
    private static final String ANNOTATION_PREFIX = "gateway.nantian.dev/";

    private final Backends backends;
    private final Extensions extensions;
    private final CreationTimes created;

    RouteConverter(Backends backends, Extensions extensions, CreationTimes created) {
        this.created = created;
        this.backends = backends;
        this.extensions = extensions;
    }

    RouteView convert(TLSRoute route) {
        return convertL4(
                route,
                route.getSpec().getHostnames(),
                route.getSpec().getParentRefs(),
                route.getStatus() == null ? null : route.getStatus().getParents(),
                ruleBackends(route.getSpec().getRules(), r -> r.getBackendRefs(), r -> r.getName()));
    }

    RouteView convert(TCPRoute route) {
        return convertL4(
                route,
                null,
                route.getSpec().getParentRefs(),
                route.getStatus() == null ? null : route.getStatus().getParents(),
                ruleBackends(route.getSpec().getRules(), r -> r.getBackendRefs(), r -> r.getName()));
    }

    RouteView convert(UDPRoute route) {
        return convertL4(
                route,
                null,
                route.getSpec().getParentRefs(),
                route.getStatus() == null ? null : route.getStatus().getParents(),
                ruleBackends(route.getSpec().getRules(), r -> r.getBackendRefs(), r -> r.getName()));
    }

    /** The backend references and name of each rule. */
    private static <R> List<Map.Entry<Optional<String>, List<BackendRef>>> ruleBackends(
            List<R> rules,
            java.util.function.Function<R, List<BackendRef>> refs,
            java.util.function.Function<R, String> name) {
        List<Map.Entry<Optional<String>, List<BackendRef>>> out = new ArrayList<>();
        for (R rule : Objects2.list(rules)) {
            out.add(Map.entry(Optional.ofNullable(name.apply(rule)), Objects2.list(refs.apply(rule))));
        }
        return out;
    }

    private RouteView convertL4(
            HasMetadata route,
            List<String> hostnames,
            List<ParentReference> parentRefs,
            List<RouteParentStatus> previous,
            List<Map.Entry<Optional<String>, List<BackendRef>>> rules) {
        RouteView view = new RouteView(route, hostnames, parentRefs, previous);
        RouteMeta base = meta(view);
        for (int i = 0; i < rules.size(); i++) {
            view.rules++;
            List<L4Backend> list = new ArrayList<>();
            for (BackendRef ref : rules.get(i).getValue()) {
                Backends.Resolved r = backends.resolveL4(
                        new Backends.Ref(
                                ref.getGroup(),
                                ref.getKind(),
                                ref.getName(),
                                ref.getNamespace(),
                                ref.getPort(),
                                ref.getWeight()),
                        view.kind,
                        view.namespace);
                int weight = ref.getWeight() == null ? 1 : ref.getWeight();
                if (r.ok()) {
                    view.clusters.add(r.cluster());
                    list.add(new L4Backend(r.cluster(), weight));
                } else {
                    view.unresolved(r.reason(), r.message());
                    list.add(new L4Backend("", weight)); // its share of connections is refused
                }
            }
            view.l4Rules.add(new RouteView.L4Rule(base.withRule(i, rules.get(i).getKey(), 0), list));
        }
        return view;
    }

    RouteView convert(HTTPRoute route) {
        RouteView view = new RouteView(
                route,
                route.getSpec().getHostnames(),
                route.getSpec().getParentRefs(),
                route.getStatus() == null ? null : route.getStatus().getParents());
        RouteMeta base = meta(view);
        List<HTTPRouteRule> rules = Objects2.list(route.getSpec().getRules());
        for (int i = 0; i < rules.size(); i++) {
            HTTPRouteRule rule = rules.get(i);
            view.rules++;
            RouteMeta ruleMeta = base.withRule(i, Optional.ofNullable(rule.getName()), 0);
            List<String> problems = new ArrayList<>();
            List<RouteFilter> filters = new ArrayList<>();
            RouteAction action = null;
            for (HTTPRouteFilter f : Objects2.list(rule.getFilters())) {
                if ("RequestRedirect".equals(f.getType())) {
                    action = redirect(f.getRequestRedirect(), problems);
                } else {
                    RouteFilter converted = httpFilter(f, view, problems);
                    if (converted != null) {
                        filters.add(converted);
                    }
                }
            }
            if (action == null) {
                List<String> aiServices = new ArrayList<>();
                List<Backend> list = new ArrayList<>();
                for (HTTPBackendRef ref : Objects2.list(rule.getBackendRefs())) {
                    List<RouteFilter> backendFilters = new ArrayList<>();
                    for (HTTPRouteFilter f : Objects2.list(ref.getFilters())) {
                        RouteFilter converted = "RequestRedirect".equals(f.getType())
                                ? unsupported("RequestRedirect on a backendRef", problems)
                                : httpFilter(f, view, problems);
                        if (converted != null) {
                            backendFilters.add(converted);
                        }
                    }
                    list.add(backend(
                            view,
                            new Backends.Ref(
                                    ref.getGroup(),
                                    ref.getKind(),
                                    ref.getName(),
                                    ref.getNamespace(),
                                    ref.getPort(),
                                    ref.getWeight()),
                            backendFilters,
                            UpstreamProtocol.HTTP_1_1));
                    if (list.get(list.size() - 1) instanceof Backend.ExtensionBackend ai) {
                        aiServices.add(ai.namespace() + "/" + ai.name());
                    }
                }
                action = new RouteAction.Forward(list);
                filters.addAll(0, extensions.tokenPolicyFilters(view.namespace, view.name, aiServices));
            }
            Timeouts timeouts = timeouts(rule.getTimeouts(), problems);
            RetryPolicy retry = retry(rule.getRetry(), problems);
            SessionPersistence session = session(rule.getSessionPersistence(), problems);
            if (session == null) {
                session = policySession(action);
            }
            List<HTTPRouteMatch> matches = Objects2.list(rule.getMatches());
            if (matches.isEmpty()) {
                matches = List.of(new HTTPRouteMatch());
            }
            for (int j = 0; j < matches.size(); j++) {
                HttpRouteMatch match;
                try {
                    match = httpMatch(matches.get(j));
                } catch (IllegalArgumentException e) {
                    problems.add("match " + j + ": " + e.getMessage());
                    continue;
                }
                addEntry(
                        view,
                        ruleMeta.withRule(i, ruleMeta.ruleName(), j),
                        match,
                        action,
                        filters,
                        timeouts,
                        retry,
                        session,
                        problems);
            }
            if (!problems.isEmpty()) {
                view.invalidRule("rule " + i + ": " + String.join("; ", problems));
            }
        }
        return view;
    }

    RouteView convert(GRPCRoute route) {
        RouteView view = new RouteView(
                route,
                route.getSpec().getHostnames(),
                route.getSpec().getParentRefs(),
                route.getStatus() == null ? null : route.getStatus().getParents());
        RouteMeta base = meta(view);
        List<GRPCRouteRule> rules = Objects2.list(route.getSpec().getRules());
        for (int i = 0; i < rules.size(); i++) {
            GRPCRouteRule rule = rules.get(i);
            view.rules++;
            RouteMeta ruleMeta = base.withRule(i, Optional.ofNullable(rule.getName()), 0);
            List<String> problems = new ArrayList<>();
            List<RouteFilter> filters = new ArrayList<>();
            for (GRPCRouteFilter f : Objects2.list(rule.getFilters())) {
                RouteFilter converted = grpcFilter(f, view, problems);
                if (converted != null) {
                    filters.add(converted);
                }
            }
            List<Backend> list = new ArrayList<>();
            for (GRPCBackendRef ref : Objects2.list(rule.getBackendRefs())) {
                List<RouteFilter> backendFilters = new ArrayList<>();
                for (GRPCRouteFilter f : Objects2.list(ref.getFilters())) {
                    RouteFilter converted = grpcFilter(f, view, problems);
                    if (converted != null) {
                        backendFilters.add(converted);
                    }
                }
                // gRPC needs HTTP/2; without an appProtocol the backend is assumed to speak h2c
                list.add(backend(
                        view,
                        new Backends.Ref(
                                ref.getGroup(),
                                ref.getKind(),
                                ref.getName(),
                                ref.getNamespace(),
                                ref.getPort(),
                                ref.getWeight()),
                        backendFilters,
                        UpstreamProtocol.H2C));
            }
            RouteAction action = new RouteAction.Forward(list);
            SessionPersistence session = session(rule.getSessionPersistence(), problems);
            if (session == null) {
                session = policySession(action);
            }
            List<GRPCRouteMatch> matches = Objects2.list(rule.getMatches());
            if (matches.isEmpty()) {
                matches = List.of(new GRPCRouteMatch());
            }
            for (int j = 0; j < matches.size(); j++) {
                HttpRouteMatch match;
                try {
                    match = grpcMatch(matches.get(j));
                } catch (IllegalArgumentException e) {
                    problems.add("match " + j + ": " + e.getMessage());
                    continue;
                }
                addEntry(
                        view,
                        ruleMeta.withRule(i, ruleMeta.ruleName(), j),
                        match,
                        action,
                        filters,
                        Timeouts.none(),
                        null,
                        session,
                        problems);
            }
            if (!problems.isEmpty()) {
                view.invalidRule("rule " + i + ": " + String.join("; ", problems));
            }
        }
        return view;
    }

    private RouteMeta meta(RouteView view) {
        Map<String, String> annotations = new TreeMap<>();
        Objects2.map(view.object.getMetadata().getAnnotations()).forEach((k, v) -> {
            if (k.startsWith(ANNOTATION_PREFIX)) {
                annotations.put(k, v);
            }
        });
        return new RouteMeta(
                view.kind, view.namespace, view.name, created.of(view.object), 0, Optional.empty(), 0, annotations);
    }

    private static void addEntry(
            RouteView view,
            RouteMeta meta,
            HttpRouteMatch match,
            RouteAction action,
            List<RouteFilter> filters,
            Timeouts timeouts,
            RetryPolicy retry,
            SessionPersistence session,
            List<String> problems) {
        if (problems.isEmpty()) {
            try {
                HttpRoute.Builder b = HttpRoute.builder(meta, action)
                        .match(match)
                        .filters(filters)
                        .timeouts(timeouts);
                if (retry != null) {
                    b.retry(retry);
                }
                if (session != null) {
                    b.sessionPersistence(session);
                }
                view.entries.add(b.build());
                return;
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        // the rule is invalid: its requests get 500 instead of falling through to another route
        view.entries.add(HttpRoute.builder(meta, new RouteAction.DirectResponse(500, List.of(), ""))
                .match(match)
                .build());
    }

    private Backend backend(
            RouteView view, Backends.Ref ref, List<RouteFilter> filters, UpstreamProtocol defaultProtocol) {
        Backends.Resolved r = backends.resolve(ref, view.kind, view.namespace, filters, defaultProtocol);
        if (!r.ok()) {
            view.unresolved(r.reason(), r.message());
        } else if (r.cluster() != null) {
            view.clusters.add(r.cluster());
        }
        return r.backend();
    }

    private static HttpRouteMatch httpMatch(HTTPRouteMatch m) {
        PathMatch path = PathMatch.any();
        if (m.getPath() != null) {
            String type = Objects2.orDefault(m.getPath().getType(), "PathPrefix");
            String value = Objects2.orDefault(m.getPath().getValue(), "/");
            switch (type) {
                case "Exact":
                    path = new PathMatch.Exact(value);
                    break;
                case "PathPrefix":
                    path = new PathMatch.Prefix(value);
                    break;
                case "RegularExpression":
                    path = new PathMatch.RegularExpression(value);
                    break;
                default:
                    throw new IllegalArgumentException("unsupported path match type " + type);
            }
        }
        List<HeaderMatch> headers = new ArrayList<>();
        for (HTTPHeaderMatch h : Objects2.list(m.getHeaders())) {
            headers.add(new HeaderMatch(matchType(h.getType()), h.getName(), h.getValue()));
        }
        List<QueryParamMatch> params = new ArrayList<>();
        for (HTTPQueryParamMatch q : Objects2.list(m.getQueryParams())) {
            params.add(new QueryParamMatch(matchType(q.getType()), q.getName(), q.getValue()));
        }
        return new HttpRouteMatch(path, Optional.ofNullable(m.getMethod()), headers, params);
    }

    /** gRPC service and method become a path match on {@code /service/method}, as gRPC maps calls to HTTP/2. */
    private static HttpRouteMatch grpcMatch(GRPCRouteMatch m) {
        PathMatch path = PathMatch.any();
        GRPCMethodMatch method = m.getMethod();
        if (method != null && (method.getService() != null || method.getMethod() != null)) {
            String type = Objects2.orDefault(method.getType(), "Exact");
            String service = method.getService();
            String name = method.getMethod();
            if (type.equals("Exact")) {
                if (service != null && name != null) {
                    path = new PathMatch.Exact("/" + service + "/" + name);
                } else if (service != null) {
                    path = new PathMatch.Prefix("/" + service + "/");
                } else {
                    path = new PathMatch.RegularExpression("/[^/]+/" + java.util.regex.Pattern.quote(name));
                }
            } else if (type.equals("RegularExpression")) {
                path = new PathMatch.RegularExpression(
                        "/" + (service == null ? "[^/]+" : service) + "/" + (name == null ? "[^/]+" : name));
            } else {
                throw new IllegalArgumentException("unsupported method match type " + type);
            }
        }
        List<HeaderMatch> headers = new ArrayList<>();
        for (GRPCHeaderMatch h : Objects2.list(m.getHeaders())) {
            headers.add(new HeaderMatch(matchType(h.getType()), h.getName(), h.getValue()));
        }
        return new HttpRouteMatch(path, Optional.empty(), headers, List.of());
    }

    private static StringMatchType matchType(String type) {
        if (type == null || type.equals("Exact")) {
            return StringMatchType.EXACT;
        }
        if (type.equals("RegularExpression")) {
            return StringMatchType.REGULAR_EXPRESSION;
        }
        throw new IllegalArgumentException("unsupported match type " + type);
    }

    /** Converts one filter; a value the route model refuses makes the rule invalid instead of failing the run. */
    private RouteFilter httpFilter(HTTPRouteFilter f, RouteView view, List<String> problems) {
        try {
            return convertHttpFilter(f, view, problems);
        } catch (IllegalArgumentException e) {
            problems.add("filter " + f.getType() + ": " + e.getMessage());
            return null;
        }
    }

    private RouteFilter grpcFilter(GRPCRouteFilter f, RouteView view, List<String> problems) {
        try {
            return convertGrpcFilter(f, view, problems);
        } catch (IllegalArgumentException e) {
            problems.add("filter " + f.getType() + ": " + e.getMessage());
            return null;
        }
    }

    private RouteFilter convertHttpFilter(HTTPRouteFilter f, RouteView view, List<String> problems) {
        String type = String.valueOf(f.getType());
        switch (type) {
            case "RequestHeaderModifier":
                return f.getRequestHeaderModifier() == null
                        ? missing(type, problems)
                        : new RouteFilter.RequestHeaderModifier(modifier(f.getRequestHeaderModifier()));
            case "ResponseHeaderModifier":
                return f.getResponseHeaderModifier() == null
                        ? missing(type, problems)
                        : new RouteFilter.ResponseHeaderModifier(modifier(f.getResponseHeaderModifier()));
            case "URLRewrite":
                if (f.getUrlRewrite() == null) {
                    return missing(type, problems);
                }
                return new RouteFilter.UrlRewrite(
                        Optional.ofNullable(f.getUrlRewrite().getHostname()),
                        pathModifier(f.getUrlRewrite().getPath(), problems));
            case "RequestMirror":
                return mirror(f.getRequestMirror(), view, problems);
            case "CORS":
                return f.getCors() == null ? missing(type, problems) : cors(f.getCors());
            case "ExtensionRef":
                return extension(f.getExtensionRef(), view, problems);
            default:
                return unsupported("filter type " + type, problems);
        }
    }

    private RouteFilter convertGrpcFilter(GRPCRouteFilter f, RouteView view, List<String> problems) {
        String type = String.valueOf(f.getType());
        switch (type) {
            case "RequestHeaderModifier":
                return f.getRequestHeaderModifier() == null
                        ? missing(type, problems)
                        : new RouteFilter.RequestHeaderModifier(modifier(f.getRequestHeaderModifier()));
            case "ResponseHeaderModifier":
                return f.getResponseHeaderModifier() == null
                        ? missing(type, problems)
                        : new RouteFilter.ResponseHeaderModifier(modifier(f.getResponseHeaderModifier()));
            case "RequestMirror":
                return mirror(f.getRequestMirror(), view, problems);
            case "ExtensionRef":
                return extension(f.getExtensionRef(), view, problems);
            default:
                return unsupported("filter type " + type, problems);
        }
    }

    private static RouteFilter missing(String type, List<String> problems) {
        problems.add("filter " + type + " lacks its configuration");
        return null;
    }

    private static RouteFilter unsupported(String what, List<String> problems) {
        problems.add(what + " is not supported");
        return null;
    }

    private static HeaderModifier modifier(HTTPHeaderFilter f) {
        List<HttpHeader> set = new ArrayList<>();
        Objects2.list(f.getSet()).forEach(h -> set.add(new HttpHeader(h.getName(), h.getValue())));
        List<HttpHeader> add = new ArrayList<>();
        Objects2.list(f.getAdd()).forEach(h -> add.add(new HttpHeader(h.getName(), h.getValue())));
        return new HeaderModifier(set, add, Objects2.list(f.getRemove()));
    }

    private static Optional<PathModifier> pathModifier(HTTPPathModifier p, List<String> problems) {
        if (p == null) {
            return Optional.empty();
        }
        if ("ReplaceFullPath".equals(p.getType()) && p.getReplaceFullPath() != null) {
            return Optional.of(new PathModifier.ReplaceFullPath(p.getReplaceFullPath()));
        }
        if ("ReplacePrefixMatch".equals(p.getType()) && p.getReplacePrefixMatch() != null) {
            return Optional.of(new PathModifier.ReplacePrefixMatch(p.getReplacePrefixMatch()));
        }
        problems.add("path modifier " + p.getType() + " lacks its value or is not supported");
        return Optional.empty();
    }

    private static RouteAction redirect(HTTPRequestRedirectFilter r, List<String> problems) {
        if (r == null) {
            problems.add("filter RequestRedirect lacks its configuration");
            return null;
        }
        try {
            return new RouteAction.Redirect(
                    Optional.ofNullable(r.getScheme()),
                    Optional.ofNullable(r.getHostname()),
                    pathModifier(r.getPath(), problems),
                    Optional.ofNullable(r.getPort()),
                    r.getStatusCode() == null ? 302 : r.getStatusCode());
        } catch (IllegalArgumentException e) {
            problems.add("filter RequestRedirect: " + e.getMessage());
            return null;
        }
    }

    private RouteFilter mirror(HTTPRequestMirrorFilter m, RouteView view, List<String> problems) {
        if (m == null || m.getBackendRef() == null) {
            return missing("RequestMirror", problems);
        }
        BackendObjectReference ref = m.getBackendRef();
        Backends.Resolved r = backends.resolve(
                new Backends.Ref(ref.getGroup(), ref.getKind(), ref.getName(), ref.getNamespace(), ref.getPort(), 1),
                view.kind,
                view.namespace,
                List.of(),
                UpstreamProtocol.HTTP_1_1);
        if (!r.ok()) {
            // an unresolved mirror is dropped: the primary traffic is unaffected, the status reports it
            view.unresolved(r.reason(), "mirror: " + r.message());
            return null;
        }
        if (r.cluster() == null) {
            return unsupported("mirroring to " + ref.getKind(), problems);
        }
        view.clusters.add(r.cluster());
        Optional<Fraction> fraction = Optional.empty();
        if (m.getFraction() != null && m.getFraction().getNumerator() != null) {
            int denominator = m.getFraction().getDenominator() == null
                    ? 100
                    : m.getFraction().getDenominator();
            fraction = Optional.of(new Fraction(m.getFraction().getNumerator(), denominator));
        } else if (m.getPercent() != null) {
            fraction = Optional.of(Fraction.percent(m.getPercent()));
        }
        return new RouteFilter.RequestMirror(r.cluster(), fraction);
    }

    private static RouteFilter cors(HTTPCORSFilter c) {
        return new RouteFilter.Cors(
                Objects2.list(c.getAllowOrigins()),
                Boolean.TRUE.equals(c.getAllowCredentials()),
                Objects2.list(c.getAllowMethods()),
                Objects2.list(c.getAllowHeaders()),
                Objects2.list(c.getExposeHeaders()),
                Duration.ofSeconds(c.getMaxAge() == null ? 5 : c.getMaxAge()));
    }

    /**
     * An {@code ExtensionRef} filter to a WasmPlugin or TokenPolicy of the route's namespace. A reference that
     * cannot be served (another group or kind, a missing or unusable object) makes the rule answer 500, as Gateway
     * API requires of filters that cannot be applied.
     */
    private RouteFilter extension(LocalObjectReference ref, RouteView view, List<String> problems) {
        if (ref == null || ref.getKind() == null || ref.getName() == null) {
            return missing("ExtensionRef", problems);
        }
        String group = Objects2.orDefault(ref.getGroup(), "");
        if (!group.equals(ExtensionResource.GROUP)
                || !(ref.getKind().equals(WasmPlugin.KIND) || ref.getKind().equals(TokenPolicy.KIND))) {
            return unsupported(
                    "extensionRef to " + group + "/" + ref.getKind()
                            + (ref.getKind().equals(AIService.KIND) ? " (an AIService is a backendRef)" : ""),
                    problems);
        }
        Extensions.Entry e = extensions.get(ref.getKind(), view.namespace, ref.getName());
        if (e == null) {
            problems.add("extensionRef " + ref.getKind() + " " + view.namespace + "/" + ref.getName() + " not found");
            return null;
        }
        if (!e.usable()) {
            problems.add("extensionRef: " + e.unusableReason());
            return null;
        }
        return new RouteFilter.ExtensionRef(group, ref.getKind(), view.namespace, ref.getName());
    }

    private static Timeouts timeouts(HTTPRouteTimeouts t, List<String> problems) {
        if (t == null) {
            return Timeouts.none();
        }
        try {
            return new Timeouts(
                    duration(t.getRequest(), "timeouts.request"),
                    duration(t.getBackendRequest(), "timeouts.backendRequest"));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return Timeouts.none();
        }
    }

    /** A Gateway API duration; {@code 0s} means "no timeout", which the route model writes as empty. */
    private static Optional<Duration> duration(String text, String field) {
        if (text == null) {
            return Optional.empty();
        }
        Duration d = Durations.parse(text, field);
        return d.isZero() ? Optional.empty() : Optional.of(d);
    }

    private static RetryPolicy retry(HTTPRouteRetry r, List<String> problems) {
        if (r == null) {
            return null;
        }
        try {
            return new RetryPolicy(
                    Objects2.list(r.getCodes()),
                    r.getAttempts() == null ? 1 : r.getAttempts(),
                    duration(r.getBackoff(), "retry.backoff"));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return null;
        }
    }

    /**
     * The session persistence of a rule without its own: that of a Gateway API BackendLBPolicy on the Service of the
     * rule's first backend that has one (GEP-1619: the rule's own setting wins over the policy's).
     */
    private SessionPersistence policySession(RouteAction action) {
        if (action instanceof RouteAction.Forward fwd) {
            for (Backend b : fwd.backends()) {
                if (b instanceof Backend.ClusterBackend cb) {
                    SessionPersistence s = backends.sessionPersistenceOf(cb.cluster());
                    if (s != null) {
                        return s;
                    }
                }
            }
        }
        return null;
    }

    private static SessionPersistence session(
            io.fabric8.kubernetes.api.model.gatewayapi.v1.SessionPersistence s, List<String> problems) {
        if (s == null) {
            return null;
        }
        try {
            // idleTimeout is newer than the fabric8 model; it arrives as an additional property
            Object idle = s.getAdditionalProperties() == null
                    ? null
                    : s.getAdditionalProperties().get("idleTimeout");
            String type = Objects2.orDefault(s.getType(), "Cookie");
            return new SessionPersistence(
                    Optional.ofNullable(s.getSessionName()),
                    type.toLowerCase(Locale.ROOT).equals("header")
                            ? SessionPersistence.Type.HEADER
                            : SessionPersistence.Type.COOKIE,
                    duration(s.getAbsoluteTimeout(), "sessionPersistence.absoluteTimeout"),
                    duration(idle == null ? null : idle.toString(), "sessionPersistence.idleTimeout"),
                    s.getCookieConfig() != null
                            && "Permanent".equals(s.getCookieConfig().getLifetimeType()));
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
            return null;
        }
    }
}
