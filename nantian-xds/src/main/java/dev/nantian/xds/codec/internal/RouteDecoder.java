package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.core.model.StringMatchType;
import dev.nantian.core.model.Timeouts;
import dev.nantian.xds.proto.config.v1.BackendExtras;
import dev.nantian.xds.proto.config.v1.ExtensionFilters;
import dev.nantian.xds.proto.config.v1.FilterKind;
import dev.nantian.xds.proto.config.v1.FilterSpec;
import dev.nantian.xds.proto.config.v1.RouteExtras;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Decodes a {@link RouteConfiguration} into IR virtual hosts, collecting errors. */
public final class RouteDecoder {
    private static final Set<String> RETRY_ON = Set.of(Names.RETRY_ON.split(","));

    private final Map<String, dev.nantian.core.model.Cluster> clusters;
    private final Errors errors;

    /**
     * @param clusters the decoded clusters, whose consistent-hash keys explain routes' hash policies
     */
    public RouteDecoder(Map<String, dev.nantian.core.model.Cluster> clusters, Errors errors) {
        this.clusters = clusters;
        this.errors = errors;
    }

    public List<dev.nantian.core.model.VirtualHost> decode(RouteConfiguration rc) {
        String where = "RouteConfiguration " + rc.getName();
        Protos.onlyFields(
                rc, errors, where, "name", "virtual_hosts", "ignore_port_in_host_matching", "validate_clusters");
        List<dev.nantian.core.model.VirtualHost> out = new ArrayList<>();
        for (int i = 0; i < rc.getVirtualHostsCount(); i++) {
            VirtualHost vh = rc.getVirtualHosts(i);
            String vw = where + ": virtual_hosts[" + i + "]";
            Protos.onlyFields(vh, errors, vw, "name", "domains", "routes");
            List<Indexed> routes = new ArrayList<>();
            boolean allIndexed = true;
            for (int j = 0; j < vh.getRoutesCount(); j++) {
                Indexed r = route(vh.getRoutes(j), vw + ".routes[" + j + "]", vh.getName(), j);
                if (r != null) {
                    routes.add(r);
                    allIndexed &= r.index >= 0;
                }
            }
            if (allIndexed) {
                routes.sort(Comparator.comparingInt(r -> r.index));
            }
            List<HttpRoute> list = new ArrayList<>();
            routes.forEach(r -> list.add(r.route));
            var v = errors.attempt(
                    vw, () -> new dev.nantian.core.model.VirtualHost(vh.getName(), vh.getDomainsList(), list));
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    /** A route and its position in the IR (-1 when the resource does not say). */
    private record Indexed(HttpRoute route, int index) {}

    private Indexed route(Route r, String where, String vhost, int position) {
        Protos.onlyFields(
                r,
                errors,
                where,
                "name",
                "match",
                "route",
                "redirect",
                "direct_response",
                "request_headers_to_add",
                "request_headers_to_remove",
                "response_headers_to_add",
                "response_headers_to_remove",
                "typed_per_filter_config",
                "metadata");
        int before = errors.size();
        RouteExtras ex = r.hasMetadata() ? Protos.extras(r.getMetadata(), RouteExtras.class, errors, where) : null;
        RouteMeta meta;
        if (ex != null && ex.hasMeta()) {
            meta = errors.attempt(where + ".metadata.meta", () -> IrProtos.meta(ex.getMeta()));
        } else {
            String name = r.getName().isEmpty() ? vhost + "-" + position : r.getName();
            meta = new RouteMeta("HTTPRoute", "", name, Instant.EPOCH, position, Optional.empty(), 0, Map.of());
        }
        HttpRouteMatch match = match(r.getMatch(), ex, where + ".match");

        // where each native filter source is, consumed by the filter order below
        int directHeaders = ex == null ? 0 : ex.getDirectResponseHeaderCount();
        List<HeaderValueOption> responseAdd = r.getResponseHeadersToAddList();
        if (directHeaders > responseAdd.size()) {
            errors.add(where, "direct_response_header_count exceeds response_headers_to_add");
            directHeaders = 0;
        }
        Sources src = new Sources();
        if (r.getRequestHeadersToAddCount() > 0 || r.getRequestHeadersToRemoveCount() > 0) {
            src.request = Headers.modifier(
                    r.getRequestHeadersToAddList(),
                    r.getRequestHeadersToRemoveList(),
                    errors,
                    where + ".request_headers");
        }
        if (responseAdd.size() > directHeaders || r.getResponseHeadersToRemoveCount() > 0) {
            src.response = Headers.modifier(
                    responseAdd.subList(directHeaders, responseAdd.size()),
                    r.getResponseHeadersToRemoveList(),
                    errors,
                    where + ".response_headers");
        }
        perFilterConfig(r.getTypedPerFilterConfigMap(), src, where);

        dev.nantian.core.model.RouteAction action = null;
        Timeouts timeouts = Timeouts.none();
        Optional<dev.nantian.core.model.RetryPolicy> retry = Optional.empty();
        Optional<SessionPersistence> session = Optional.empty();
        if (ex != null && ex.hasSessionPersistence()) {
            SessionPersistence s =
                    errors.attempt(where + ".metadata", () -> IrProtos.session(ex.getSessionPersistence()));
            session = Optional.ofNullable(s);
        }
        switch (r.getActionCase()) {
            case ROUTE:
                RouteAction ra = r.getRoute();
                String aw = where + ".route";
                action = forward(ra, aw);
                timeouts = timeouts(ra, aw);
                retry = retry(ra, aw);
                rewrite(ra, src, aw);
                mirrors(ra, ex, src, aw);
                if (action != null) {
                    checkHashPolicies(ra, session, (dev.nantian.core.model.RouteAction.Forward) action, aw);
                }
                break;
            case REDIRECT:
                action = redirect(r.getRedirect(), where + ".redirect");
                break;
            case DIRECT_RESPONSE:
                List<HttpHeader> headers = new ArrayList<>();
                for (int i = 0; i < directHeaders; i++) {
                    HttpHeader h =
                            Headers.appended(responseAdd.get(i), errors, where + ".response_headers_to_add[" + i + "]");
                    if (h != null) {
                        headers.add(h);
                    }
                }
                String dw = where + ".direct_response";
                Protos.onlyFields(r.getDirectResponse(), errors, dw, "status", "body");
                String body = r.getDirectResponse().hasBody()
                        ? text(r.getDirectResponse().getBody(), dw + ".body")
                        : "";
                int status = r.getDirectResponse().getStatus();
                action = errors.attempt(
                        dw, () -> new dev.nantian.core.model.RouteAction.DirectResponse(status, headers, body));
                break;
            default:
                errors.add(where, "a route needs route, redirect or direct_response");
        }
        List<RouteFilter> filters = filters(ex == null ? null : ex.getFilterOrderList(), src, where);
        if (errors.size() > before || meta == null || match == null || action == null || timeouts == null) {
            return null;
        }
        dev.nantian.core.model.RouteAction a = action;
        Timeouts t = timeouts;
        Optional<dev.nantian.core.model.RetryPolicy> rp = retry;
        Optional<SessionPersistence> sp = session;
        HttpRoute route = errors.attempt(where, () -> new HttpRoute(meta, match, a, filters, t, rp, sp));
        return route == null ? null : new Indexed(route, ex == null ? -1 : ex.getIndex());
    }

    /** Filter sources found in Envoy fields and our extension config. */
    private static final class Sources {
        HeaderModifier request;
        HeaderModifier response;
        RouteFilter.UrlRewrite rewrite;
        final Deque<RouteFilter> mirrors = new ArrayDeque<>();
        RouteFilter.Cors cors;
        final Deque<RouteFilter> others = new ArrayDeque<>();
    }

    private void perFilterConfig(Map<String, Any> configs, Sources src, String where) {
        for (Map.Entry<String, Any> e : configs.entrySet()) {
            String fw = where + ".typed_per_filter_config[" + e.getKey() + "]";
            if (e.getKey().equals(Names.CORS_FILTER)) {
                CorsPolicy cp = Protos.unpack(e.getValue(), CorsPolicy.class, errors, fw);
                if (cp != null) {
                    src.cors = cors(cp, fw);
                }
            } else if (e.getKey().equals(Names.EXTENSIONS_FILTER)) {
                ExtensionFilters f = unwrap(e.getValue(), ExtensionFilters.class, fw);
                if (f != null) {
                    for (FilterSpec spec : f.getFiltersList()) {
                        RouteFilter hf = errors.attempt(fw, () -> IrProtos.filter(spec));
                        if (hf != null) {
                            src.others.add(hf);
                        }
                    }
                }
            } else if (!isOptional(e.getValue())) {
                errors.add(fw, "filter is not supported");
            }
        }
    }

    private static boolean isOptional(Any any) {
        try {
            return any.is(FilterConfig.class) && any.unpack(FilterConfig.class).getIsOptional();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            return false;
        }
    }

    /** Our config, bare or inside an (optional) {@link FilterConfig}. */
    private <T extends com.google.protobuf.Message> T unwrap(Any any, Class<T> type, String where) {
        if (any.is(FilterConfig.class)) {
            FilterConfig fc = Protos.unpack(any, FilterConfig.class, errors, where);
            if (fc == null) {
                return null;
            }
            if (fc.getDisabled()) {
                errors.add(where, "disabled is not supported");
            }
            return Protos.unpack(fc.getConfig(), type, errors, where + ".config");
        }
        return Protos.unpack(any, type, errors, where);
    }

    private List<RouteFilter> filters(List<FilterKind> order, Sources src, String where) {
        List<RouteFilter> out = new ArrayList<>();
        if (order == null) {
            // no order recorded: the natural one
            if (src.request != null) {
                out.add(new RouteFilter.RequestHeaderModifier(src.request));
            }
            if (src.response != null) {
                out.add(new RouteFilter.ResponseHeaderModifier(src.response));
            }
            if (src.rewrite != null) {
                out.add(src.rewrite);
            }
            out.addAll(src.mirrors);
            if (src.cors != null) {
                out.add(src.cors);
            }
            out.addAll(src.others);
            return out;
        }
        boolean request = false;
        boolean response = false;
        boolean rewrite = false;
        boolean cors = false;
        for (FilterKind kind : order) {
            switch (kind) {
                case REQUEST_HEADER_MODIFIER:
                    request = true;
                    out.add(new RouteFilter.RequestHeaderModifier(
                            src.request == null ? new HeaderModifier(List.of(), List.of(), List.of()) : src.request));
                    break;
                case RESPONSE_HEADER_MODIFIER:
                    response = true;
                    out.add(new RouteFilter.ResponseHeaderModifier(
                            src.response == null ? new HeaderModifier(List.of(), List.of(), List.of()) : src.response));
                    break;
                case URL_REWRITE:
                    rewrite = true;
                    out.add(
                            src.rewrite == null
                                    ? new RouteFilter.UrlRewrite(Optional.empty(), Optional.empty())
                                    : src.rewrite);
                    break;
                case CORS:
                    cors = true;
                    if (src.cors == null) {
                        errors.add(where, "filter order names CORS but there is no CORS policy");
                    } else {
                        out.add(src.cors);
                    }
                    break;
                case REQUEST_MIRROR:
                    if (src.mirrors.isEmpty()) {
                        errors.add(where, "filter order names more mirrors than request_mirror_policies");
                    } else {
                        out.add(src.mirrors.poll());
                    }
                    break;
                case OTHER:
                    if (src.others.isEmpty()) {
                        errors.add(where, "filter order names more filters than " + Names.EXTENSIONS_FILTER + " has");
                    } else {
                        out.add(src.others.poll());
                    }
                    break;
                default:
                    errors.add(where, "unknown filter kind " + kind);
            }
        }
        if ((src.request != null && !request)
                || (src.response != null && !response)
                || (src.rewrite != null && !rewrite)
                || (src.cors != null && !cors)
                || !src.mirrors.isEmpty()
                || !src.others.isEmpty()) {
            errors.add(where, "filters are configured that the filter order does not name");
        }
        return out;
    }

    private HttpRouteMatch match(RouteMatch m, RouteExtras ex, String where) {
        Protos.onlyFields(
                m,
                errors,
                where,
                "prefix",
                "path",
                "safe_regex",
                "path_separated_prefix",
                "headers",
                "query_parameters",
                "case_sensitive");
        if (m.hasCaseSensitive() && !m.getCaseSensitive().getValue()) {
            errors.add(where, "case-insensitive path matching is not supported");
        }
        PathMatch path = null;
        switch (m.getPathSpecifierCase()) {
            case PATH:
                path = errors.attempt(where + ".path", () -> new PathMatch.Exact(m.getPath()));
                break;
            case PREFIX:
                if (m.getPrefix().equals("/") || (ex != null && ex.getSegmentPrefix())) {
                    path = errors.attempt(where + ".prefix", () -> new PathMatch.Prefix(m.getPrefix()));
                } else {
                    errors.add(
                            where + ".prefix",
                            "'" + m.getPrefix() + "' would match across path segments; use path_separated_prefix");
                }
                break;
            case PATH_SEPARATED_PREFIX:
                path = errors.attempt(
                        where + ".path_separated_prefix", () -> new PathMatch.Prefix(m.getPathSeparatedPrefix()));
                break;
            case SAFE_REGEX:
                Protos.onlyFields(m.getSafeRegex(), errors, where + ".safe_regex", "regex");
                path = errors.attempt(
                        where + ".safe_regex",
                        () -> new PathMatch.RegularExpression(m.getSafeRegex().getRegex()));
                break;
            default:
                errors.add(where, "path specifier " + m.getPathSpecifierCase() + " is not supported");
        }
        Optional<String> method = Optional.empty();
        List<HeaderMatch> headers = new ArrayList<>();
        for (int i = 0; i < m.getHeadersCount(); i++) {
            HeaderMatcher h = m.getHeaders(i);
            String hw = where + ".headers[" + i + "]";
            int known = errors.size();
            Protos.onlyFields(h, errors, hw, "name", "string_match");
            if (!h.hasStringMatch()) {
                if (errors.size() == known) {
                    // without a specifier Envoy matches on presence, which the IR cannot express
                    errors.add(hw, "a header match needs string_match");
                }
                continue;
            }
            StringMatchType type = stringMatchType(h.getStringMatch(), hw + ".string_match");
            if (type == null) {
                continue;
            }
            String value = type == StringMatchType.EXACT
                    ? h.getStringMatch().getExact()
                    : h.getStringMatch().getSafeRegex().getRegex();
            if (h.getName().equals(":method") && type == StringMatchType.EXACT && method.isEmpty()) {
                method = Optional.of(value);
            } else {
                HeaderMatch hm = errors.attempt(hw, () -> new HeaderMatch(type, h.getName(), value));
                if (hm != null) {
                    headers.add(hm);
                }
            }
        }
        List<QueryParamMatch> query = new ArrayList<>();
        for (int i = 0; i < m.getQueryParametersCount(); i++) {
            QueryParameterMatcher q = m.getQueryParameters(i);
            String qw = where + ".query_parameters[" + i + "]";
            int known = errors.size();
            Protos.onlyFields(q, errors, qw, "name", "string_match");
            if (!q.hasStringMatch()) {
                if (errors.size() == known) {
                    errors.add(qw, "a query parameter match needs string_match");
                }
                continue;
            }
            StringMatchType type = stringMatchType(q.getStringMatch(), qw + ".string_match");
            if (type == null) {
                continue;
            }
            String value = type == StringMatchType.EXACT
                    ? q.getStringMatch().getExact()
                    : q.getStringMatch().getSafeRegex().getRegex();
            QueryParamMatch qm = errors.attempt(qw, () -> new QueryParamMatch(type, q.getName(), value));
            if (qm != null) {
                query.add(qm);
            }
        }
        if (path == null) {
            return null;
        }
        PathMatch p = path;
        Optional<String> meth = method;
        return errors.attempt(where, () -> new HttpRouteMatch(p, meth, headers, query));
    }

    private StringMatchType stringMatchType(StringMatcher m, String where) {
        if (m.getIgnoreCase()) {
            errors.add(where, "ignore_case is not supported");
            return null;
        }
        if (m.hasExact()) {
            return StringMatchType.EXACT;
        }
        if (m.hasSafeRegex()) {
            Protos.onlyFields(m.getSafeRegex(), errors, where + ".safe_regex", "regex");
            return StringMatchType.REGULAR_EXPRESSION;
        }
        errors.add(where, "only exact and safe_regex matches are supported");
        return null;
    }

    private dev.nantian.core.model.RouteAction forward(RouteAction ra, String where) {
        Protos.onlyFields(
                ra,
                errors,
                where,
                "cluster",
                "weighted_clusters",
                "cluster_not_found_response_code",
                "timeout",
                "retry_policy",
                "hash_policy",
                "prefix_rewrite",
                "regex_rewrite",
                "host_rewrite_literal",
                "request_mirror_policies");
        List<Backend> backends = new ArrayList<>();
        switch (ra.getClusterSpecifierCase()) {
            case CLUSTER:
                if (!ra.getCluster().equals(Names.INVALID_CLUSTER)) {
                    backends.add(Backend.ClusterBackend.of(ra.getCluster()));
                }
                break;
            case WEIGHTED_CLUSTERS:
                WeightedCluster wc = ra.getWeightedClusters();
                Protos.onlyFields(wc, errors, where + ".weighted_clusters", "clusters");
                for (int i = 0; i < wc.getClustersCount(); i++) {
                    Backend b = backend(wc.getClusters(i), where + ".weighted_clusters.clusters[" + i + "]");
                    if (b != null) {
                        backends.add(b);
                    }
                }
                break;
            default:
                errors.add(where, "cluster specifier " + ra.getClusterSpecifierCase() + " is not supported");
                return null;
        }
        return new dev.nantian.core.model.RouteAction.Forward(backends);
    }

    private Backend backend(WeightedCluster.ClusterWeight cw, String where) {
        Protos.onlyFields(
                cw,
                errors,
                where,
                "name",
                "weight",
                "request_headers_to_add",
                "request_headers_to_remove",
                "response_headers_to_add",
                "response_headers_to_remove",
                "typed_per_filter_config");
        BackendExtras ex = null;
        for (Map.Entry<String, Any> e : cw.getTypedPerFilterConfigMap().entrySet()) {
            String fw = where + ".typed_per_filter_config[" + e.getKey() + "]";
            if (e.getKey().equals(Names.EXTENSIONS_FILTER)) {
                ex = unwrap(e.getValue(), BackendExtras.class, fw);
            } else if (!isOptional(e.getValue())) {
                errors.add(fw, "filter is not supported");
            }
        }
        int weight = cw.hasWeight() ? cw.getWeight().getValue() : 0;
        Sources src = new Sources();
        if (cw.getRequestHeadersToAddCount() > 0 || cw.getRequestHeadersToRemoveCount() > 0) {
            src.request = Headers.modifier(
                    cw.getRequestHeadersToAddList(),
                    cw.getRequestHeadersToRemoveList(),
                    errors,
                    where + ".request_headers");
        }
        if (cw.getResponseHeadersToAddCount() > 0 || cw.getResponseHeadersToRemoveCount() > 0) {
            src.response = Headers.modifier(
                    cw.getResponseHeadersToAddList(),
                    cw.getResponseHeadersToRemoveList(),
                    errors,
                    where + ".response_headers");
        }
        if (ex != null) {
            for (FilterSpec spec : ex.getOtherFiltersList()) {
                RouteFilter f = errors.attempt(where, () -> IrProtos.filter(spec));
                if (f != null) {
                    src.others.add(f);
                }
            }
        }
        List<RouteFilter> filters = filters(ex == null ? null : ex.getFilterOrderList(), src, where);
        String name = cw.getName();
        if (name.equals(Names.INVALID_CLUSTER)) {
            String reason = ex != null && ex.hasInvalidReason() ? ex.getInvalidReason() : "unresolved backend";
            return errors.attempt(where, () -> new Backend.InvalidBackend(weight, reason));
        }
        if (name.startsWith(Names.EXTENSION_CLUSTER_PREFIX)) {
            if (ex == null || !ex.hasExtension()) {
                errors.add(where, "extension backend " + name + " needs its reference in " + Names.EXTENSIONS_FILTER);
                return null;
            }
            var r = ex.getExtension();
            return errors.attempt(
                    where,
                    () -> new Backend.ExtensionBackend(
                            r.getGroup(), r.getKind(), r.getNamespace(), r.getName(), weight, filters));
        }
        return errors.attempt(where, () -> new Backend.ClusterBackend(name, weight, filters));
    }

    private Timeouts timeouts(RouteAction ra, String where) {
        Optional<Duration> request;
        if (!ra.hasTimeout()) {
            request = Optional.of(Names.ENVOY_DEFAULT_ROUTE_TIMEOUT);
        } else {
            Duration d = Protos.duration(ra.getTimeout());
            request = d.isZero() ? Optional.empty() : Optional.of(d);
        }
        Optional<Duration> perTry = ra.getRetryPolicy().hasPerTryTimeout()
                ? Optional.of(Protos.duration(ra.getRetryPolicy().getPerTryTimeout()))
                : Optional.empty();
        return errors.attempt(where + ".timeout", () -> new Timeouts(request, perTry));
    }

    private Optional<dev.nantian.core.model.RetryPolicy> retry(RouteAction ra, String where) {
        if (!ra.hasRetryPolicy()) {
            return Optional.empty();
        }
        RetryPolicy rp = ra.getRetryPolicy();
        String rw = where + ".retry_policy";
        Protos.onlyFields(
                rp,
                errors,
                rw,
                "retry_on",
                "num_retries",
                "retriable_status_codes",
                "per_try_timeout",
                "retry_back_off");
        if (rp.getRetryOn().isEmpty()) {
            if (rp.getNumRetries().getValue() != 0 || rp.getRetriableStatusCodesCount() > 0 || rp.hasRetryBackOff()) {
                errors.add(rw, "retry settings without retry_on are not supported");
            }
            return Optional.empty();
        }
        Set<String> on = new HashSet<>(Arrays.asList(rp.getRetryOn().split(",")));
        on.removeIf(String::isBlank);
        if (!on.equals(RETRY_ON)) {
            errors.add(rw + ".retry_on", "only '" + Names.RETRY_ON + "' is supported, got '" + rp.getRetryOn() + "'");
            return Optional.empty();
        }
        Optional<Duration> backoff = Optional.empty();
        if (rp.hasRetryBackOff()) {
            Protos.onlyFields(rp.getRetryBackOff(), errors, rw + ".retry_back_off", "base_interval");
            backoff = Optional.of(Protos.duration(rp.getRetryBackOff().getBaseInterval()));
        }
        int attempts = rp.hasNumRetries() ? rp.getNumRetries().getValue() : 1;
        Optional<Duration> b = backoff;
        var out = errors.attempt(
                rw, () -> new dev.nantian.core.model.RetryPolicy(rp.getRetriableStatusCodesList(), attempts, b));
        return Optional.ofNullable(out);
    }

    private void rewrite(RouteAction ra, Sources src, String where) {
        Optional<String> host = ra.hasHostRewriteLiteral() ? Optional.of(ra.getHostRewriteLiteral()) : Optional.empty();
        Optional<PathModifier> path = Optional.empty();
        if (!ra.getPrefixRewrite().isEmpty() && ra.hasRegexRewrite()) {
            errors.add(where, "prefix_rewrite and regex_rewrite together are not supported");
        } else if (!ra.getPrefixRewrite().isEmpty()) {
            path = Optional.of(new PathModifier.ReplacePrefixMatch(ra.getPrefixRewrite()));
        } else if (ra.hasRegexRewrite()) {
            if (!ra.getRegexRewrite().getPattern().getRegex().equals(RouteEncoder.FULL_PATH_PATTERN)) {
                errors.add(
                        where + ".regex_rewrite",
                        "only the full-path pattern " + RouteEncoder.FULL_PATH_PATTERN + " is supported");
            } else {
                path = Optional.of(
                        new PathModifier.ReplaceFullPath(ra.getRegexRewrite().getSubstitution()));
            }
        }
        if (host.isPresent() || path.isPresent()) {
            src.rewrite = new RouteFilter.UrlRewrite(host, path);
        }
    }

    private void mirrors(RouteAction ra, RouteExtras ex, Sources src, String where) {
        for (int i = 0; i < ra.getRequestMirrorPoliciesCount(); i++) {
            RouteAction.RequestMirrorPolicy m = ra.getRequestMirrorPolicies(i);
            String mw = where + ".request_mirror_policies[" + i + "]";
            Protos.onlyFields(m, errors, mw, "cluster", "runtime_fraction");
            Optional<Fraction> fraction = Optional.empty();
            if (ex != null && ex.containsMirrorFractions(i)) {
                var r = ex.getMirrorFractionsOrThrow(i);
                fraction = Optional.ofNullable(errors.attempt(mw, () -> IrProtos.fraction(r)));
            } else if (m.hasRuntimeFraction()) {
                FractionalPercent p = m.getRuntimeFraction().getDefaultValue();
                int denominator;
                switch (p.getDenominator()) {
                    case HUNDRED:
                        denominator = 100;
                        break;
                    case TEN_THOUSAND:
                        denominator = 10_000;
                        break;
                    case MILLION:
                        denominator = 1_000_000;
                        break;
                    default:
                        errors.add(mw, "unknown denominator " + p.getDenominator());
                        continue;
                }
                // Envoy caps the numerator at the denominator
                int num = Math.min(p.getNumerator(), denominator);
                fraction = Optional.of(new Fraction(num, denominator));
            }
            Optional<Fraction> f = fraction;
            RouteFilter mirror = errors.attempt(mw, () -> new RouteFilter.RequestMirror(m.getCluster(), f));
            if (mirror != null) {
                src.mirrors.add(mirror);
            }
        }
    }

    private void checkHashPolicies(
            RouteAction ra,
            Optional<SessionPersistence> session,
            dev.nantian.core.model.RouteAction.Forward fwd,
            String where) {
        var expected = RouteEncoder.hashPolicies(session.orElse(null), fwd.backends(), clusters);
        if (!new HashSet<>(expected).equals(new HashSet<>(ra.getHashPolicyList()))) {
            errors.add(
                    where + ".hash_policy",
                    "hash policies must be exactly those of session persistence and the consistent-hash clusters"
                            + " routed to (" + expected.size() + " expected, " + ra.getHashPolicyCount() + " given)");
        }
    }

    private dev.nantian.core.model.RouteAction redirect(RedirectAction r, String where) {
        Protos.onlyFields(
                r,
                errors,
                where,
                "scheme_redirect",
                "https_redirect",
                "host_redirect",
                "port_redirect",
                "path_redirect",
                "prefix_rewrite",
                "response_code");
        Optional<String> scheme = r.getHttpsRedirect()
                ? Optional.of("https")
                : r.getSchemeRedirect().isEmpty() ? Optional.empty() : Optional.of(r.getSchemeRedirect());
        Optional<PathModifier> path = r.hasPathRedirect()
                ? Optional.of(new PathModifier.ReplaceFullPath(r.getPathRedirect()))
                : r.hasPrefixRewrite()
                        ? Optional.of(new PathModifier.ReplacePrefixMatch(r.getPrefixRewrite()))
                        : Optional.empty();
        int status;
        switch (r.getResponseCode()) {
            case MOVED_PERMANENTLY:
                status = 301;
                break;
            case FOUND:
                status = 302;
                break;
            case SEE_OTHER:
                status = 303;
                break;
            case TEMPORARY_REDIRECT:
                status = 307;
                break;
            case PERMANENT_REDIRECT:
                status = 308;
                break;
            default:
                errors.add(where, "response_code " + r.getResponseCode() + " is not supported");
                return null;
        }
        Optional<String> host = r.getHostRedirect().isEmpty() ? Optional.empty() : Optional.of(r.getHostRedirect());
        Optional<Integer> port = r.getPortRedirect() == 0 ? Optional.empty() : Optional.of(r.getPortRedirect());
        return errors.attempt(
                where, () -> new dev.nantian.core.model.RouteAction.Redirect(scheme, host, path, port, status));
    }

    private RouteFilter.Cors cors(CorsPolicy p, String where) {
        Protos.onlyFields(
                p,
                errors,
                where,
                "allow_origin_string_match",
                "allow_methods",
                "allow_headers",
                "expose_headers",
                "max_age",
                "allow_credentials");
        List<String> origins = new ArrayList<>();
        for (StringMatcher m : p.getAllowOriginStringMatchList()) {
            String o = Origins.origin(m);
            if (o == null) {
                errors.add(where + ".allow_origin_string_match", "matcher " + m + " is not a Gateway API origin");
            } else {
                origins.add(o);
            }
        }
        Duration maxAge = Duration.ZERO;
        if (!p.getMaxAge().isEmpty()) {
            try {
                maxAge = Duration.ofSeconds(Long.parseLong(p.getMaxAge()));
            } catch (NumberFormatException e) {
                errors.add(where + ".max_age", "not a number of seconds: " + p.getMaxAge());
            }
        }
        Duration age = maxAge;
        return errors.attempt(
                where,
                () -> new RouteFilter.Cors(
                        origins,
                        p.getAllowCredentials().getValue(),
                        split(p.getAllowMethods()),
                        split(p.getAllowHeaders()),
                        split(p.getExposeHeaders()),
                        age));
    }

    private static List<String> split(String csv) {
        List<String> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            if (!s.isBlank()) {
                out.add(s.trim());
            }
        }
        return out;
    }

    private String text(DataSource d, String where) {
        switch (d.getSpecifierCase()) {
            case INLINE_STRING:
                return d.getInlineString();
            case INLINE_BYTES:
                return d.getInlineBytes().toString(StandardCharsets.UTF_8);
            default:
                errors.add(where, "only inline data is supported");
                return "";
        }
    }

    /** Inline text of a data source, for secrets. */
    static String inlineText(DataSource d, Errors errors, String where) {
        return new RouteDecoder(Map.of(), errors).text(d, where);
    }
}
