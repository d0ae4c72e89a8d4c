package dev.nantian.xds.codec.internal;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.Message;
import com.google.protobuf.UInt32Value;
import dev.nantian.core.model.Backend;
import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderMatch;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.HttpRoute;
import dev.nantian.core.model.HttpRouteMatch;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.PathMatch;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.QueryParamMatch;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.StringMatchType;
import dev.nantian.core.model.Timeouts;
import dev.nantian.xds.proto.config.v1.BackendExtras;
import dev.nantian.xds.proto.config.v1.ExtensionFilters;
import dev.nantian.xds.proto.config.v1.FilterKind;
import dev.nantian.xds.proto.config.v1.FilterSpec;
import dev.nantian.xds.proto.config.v1.RouteExtras;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption.HeaderAppendAction;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.config.route.v3.RedirectAction;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteAction.HashPolicy;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatchAndSubstitute;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Encodes the HTTP routes of one listener as a {@link RouteConfiguration} named after the listener. */
public final class RouteEncoder {
    /** The regex_rewrite pattern that stands for "replace the full path". */
    public static final String FULL_PATH_PATTERN = "^.*$";

    private final Map<String, dev.nantian.core.model.Cluster> clusters;

    public RouteEncoder(Map<String, dev.nantian.core.model.Cluster> clusters) {
        this.clusters = clusters;
    }

    public RouteConfiguration encode(String name, List<dev.nantian.core.model.VirtualHost> virtualHosts) {
        RouteConfiguration.Builder rc = RouteConfiguration.newBuilder()
                .setName(name)
                // Gateway API hostnames carry no port; match Host without it.
                .setIgnorePortInHostMatching(true);
        for (dev.nantian.core.model.VirtualHost vh : virtualHosts) {
            VirtualHost.Builder vb = VirtualHost.newBuilder().setName(vh.name()).addAllDomains(vh.domains());
            for (int i = 0; i < vh.routes().size(); i++) {
                vb.addRoutes(route(vh.routes().get(i), i));
            }
            rc.addVirtualHosts(vb);
        }
        return rc.build();
    }

    private Route route(HttpRoute r, int index) {
        RouteExtras.Builder extras =
                RouteExtras.newBuilder().setMeta(IrProtos.origin(r.meta())).setIndex(index);
        Route.Builder rb = Route.newBuilder()
                .setName(r.meta().displayName() + "/match/" + r.meta().matchIndex())
                .setMatch(match(r.match(), extras));
        RouteAction.Builder action = null;
        if (r.action() instanceof dev.nantian.core.model.RouteAction.Forward fwd) {
            action = forward(fwd, r);
            rb.setRoute(action);
        } else if (r.action() instanceof dev.nantian.core.model.RouteAction.Redirect red) {
            rb.setRedirect(redirect(red));
        } else {
            var direct = (dev.nantian.core.model.RouteAction.DirectResponse) r.action();
            DirectResponseAction.Builder db = DirectResponseAction.newBuilder().setStatus(direct.status());
            if (!direct.body().isEmpty()) {
                db.setBody(DataSource.newBuilder().setInlineString(direct.body()));
            }
            rb.setDirectResponse(db);
            for (HttpHeader h : direct.headers()) {
                rb.addResponseHeadersToAdd(Headers.option(h, HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD));
            }
            extras.setDirectResponseHeaderCount(direct.headers().size());
        }
        List<FilterSpec> others = new ArrayList<>();
        Set<FilterKind> used = EnumSet.noneOf(FilterKind.class);
        for (RouteFilter f : r.filters()) {
            FilterKind kind = routeFilter(f, rb, action, used, extras);
            if (kind == FilterKind.OTHER) {
                others.add(IrProtos.filter(f));
            }
            extras.addFilterOrder(kind);
        }
        if (action != null) {
            // set after the filters: the URL rewrite filter edits the action builder
            rb.setRoute(action);
        }
        if (!others.isEmpty()) {
            rb.putTypedPerFilterConfig(
                    Names.EXTENSIONS_FILTER,
                    optional(ExtensionFilters.newBuilder().addAllFilters(others).build()));
        }
        r.sessionPersistence().ifPresent(s -> extras.setSessionPersistence(IrProtos.session(s)));
        return rb.setMetadata(Protos.metadata(extras.build())).build();
    }

    /** Writes {@code f} into Envoy fields where it has some and returns its kind, or OTHER. */
    private static FilterKind routeFilter(
            RouteFilter f, Route.Builder rb, RouteAction.Builder action, Set<FilterKind> used, RouteExtras.Builder ex) {
        if (f instanceof RouteFilter.RequestHeaderModifier m && used.add(FilterKind.REQUEST_HEADER_MODIFIER)) {
            rb.addAllRequestHeadersToAdd(Headers.toAdd(m.modifier()))
                    .addAllRequestHeadersToRemove(m.modifier().remove());
            return FilterKind.REQUEST_HEADER_MODIFIER;
        }
        if (f instanceof RouteFilter.ResponseHeaderModifier m && used.add(FilterKind.RESPONSE_HEADER_MODIFIER)) {
            rb.addAllResponseHeadersToAdd(Headers.toAdd(m.modifier()))
                    .addAllResponseHeadersToRemove(m.modifier().remove());
            return FilterKind.RESPONSE_HEADER_MODIFIER;
        }
        if (f instanceof RouteFilter.UrlRewrite u && action != null && used.add(FilterKind.URL_REWRITE)) {
            u.hostname().ifPresent(action::setHostRewriteLiteral);
            u.path().ifPresent(p -> {
                if (p instanceof PathModifier.ReplacePrefixMatch prefix) {
                    action.setPrefixRewrite(prefix.prefix());
                } else {
                    action.setRegexRewrite(fullPathRewrite(((PathModifier.ReplaceFullPath) p).path()));
                }
            });
            return FilterKind.URL_REWRITE;
        }
        if (f instanceof RouteFilter.RequestMirror m && action != null) {
            RouteAction.RequestMirrorPolicy.Builder mb =
                    RouteAction.RequestMirrorPolicy.newBuilder().setCluster(m.cluster());
            m.fraction().ifPresent(fr -> {
                FractionalPercent percent = fractionalPercent(fr);
                if (percent == null) {
                    percent = approximate(fr);
                    ex.putMirrorFractions(action.getRequestMirrorPoliciesCount(), IrProtos.ratio(fr));
                }
                mb.setRuntimeFraction(RuntimeFractionalPercent.newBuilder().setDefaultValue(percent));
            });
            action.addRequestMirrorPolicies(mb);
            return FilterKind.REQUEST_MIRROR;
        }
        if (f instanceof RouteFilter.Cors c && used.add(FilterKind.CORS)) {
            rb.putTypedPerFilterConfig(Names.CORS_FILTER, Any.pack(cors(c)));
            return FilterKind.CORS;
        }
        return FilterKind.OTHER;
    }

    private RouteAction.Builder forward(dev.nantian.core.model.RouteAction.Forward fwd, HttpRoute r) {
        RouteAction.Builder ab = RouteAction.newBuilder()
                // unresolved backends name a cluster that does not exist; Gateway API wants 500 for them
                .setClusterNotFoundResponseCode(RouteAction.ClusterNotFoundResponseCode.INTERNAL_SERVER_ERROR);
        if (fwd.backends().isEmpty()) {
            ab.setCluster(Names.INVALID_CLUSTER);
        } else {
            WeightedCluster.Builder wc = WeightedCluster.newBuilder();
            fwd.backends().forEach(b -> wc.addClusters(clusterWeight(b)));
            ab.setWeightedClusters(wc);
        }
        Timeouts t = r.timeouts();
        // Envoy's default route timeout is 15 s; 0 disables it, which is what an absent Gateway API timeout means.
        ab.setTimeout(Protos.duration(t.request().orElse(Duration.ZERO)));
        if (r.retry().isPresent() || t.backendRequest().isPresent()) {
            RetryPolicy.Builder rp = RetryPolicy.newBuilder();
            r.retry()
                    .ifPresentOrElse(
                            retry -> {
                                rp.setRetryOn(Names.RETRY_ON)
                                        .setNumRetries(UInt32Value.of(retry.attempts()))
                                        .addAllRetriableStatusCodes(retry.codes());
                                retry.backoff()
                                        .ifPresent(b -> rp.setRetryBackOff(RetryPolicy.RetryBackOff.newBuilder()
                                                .setBaseInterval(Protos.duration(b))));
                            },
                            // only a carrier for the per-try timeout: no retry conditions, no retries
                            () -> rp.setNumRetries(UInt32Value.of(0)));
            t.backendRequest().ifPresent(d -> rp.setPerTryTimeout(Protos.duration(d)));
            ab.setRetryPolicy(rp);
        }
        for (HashPolicy hp : hashPolicies(r, fwd)) {
            ab.addHashPolicy(hp);
        }
        return ab;
    }

    /** Session persistence first, then the keys of consistent-hash clusters in backend order, without repeats. */
    List<HashPolicy> hashPolicies(HttpRoute r, dev.nantian.core.model.RouteAction.Forward fwd) {
        return hashPolicies(r.sessionPersistence().orElse(null), fwd.backends(), clusters);
    }

    static List<HashPolicy> hashPolicies(
            dev.nantian.core.model.SessionPersistence session,
            List<Backend> backends,
            Map<String, dev.nantian.core.model.Cluster> clusters) {
        List<HashPolicy> out = new ArrayList<>();
        if (session != null) {
            out.add(HashPolicies.forSession(session));
        }
        for (Backend b : backends) {
            if (b instanceof Backend.ClusterBackend cb) {
                dev.nantian.core.model.Cluster c = clusters.get(cb.cluster());
                if (c != null && c.loadBalancing() instanceof LoadBalancing.ConsistentHash ch) {
                    HashPolicy hp = HashPolicies.forKey(ch.key());
                    if (!out.contains(hp)) {
                        out.add(hp);
                    }
                }
            }
        }
        return out;
    }

    private static WeightedCluster.ClusterWeight clusterWeight(Backend b) {
        WeightedCluster.ClusterWeight.Builder cw =
                WeightedCluster.ClusterWeight.newBuilder().setWeight(UInt32Value.of(b.weight()));
        BackendExtras.Builder extras = BackendExtras.newBuilder();
        List<RouteFilter> filters = List.of();
        if (b instanceof Backend.ClusterBackend cb) {
            cw.setName(cb.cluster());
            filters = cb.filters();
        } else if (b instanceof Backend.InvalidBackend ib) {
            cw.setName(Names.INVALID_CLUSTER);
            extras.setInvalidReason(ib.reason());
        } else {
            Backend.ExtensionBackend eb = (Backend.ExtensionBackend) b;
            cw.setName(Names.EXTENSION_CLUSTER_PREFIX + eb.group() + "/" + eb.kind() + "/" + eb.namespace() + "/"
                    + eb.name());
            extras.setExtension(
                    IrProtos.ref(new RouteFilter.ExtensionRef(eb.group(), eb.kind(), eb.namespace(), eb.name())));
            filters = eb.filters();
        }
        Set<FilterKind> used = EnumSet.noneOf(FilterKind.class);
        for (RouteFilter f : filters) {
            if (f instanceof RouteFilter.RequestHeaderModifier m && used.add(FilterKind.REQUEST_HEADER_MODIFIER)) {
                cw.addAllRequestHeadersToAdd(Headers.toAdd(m.modifier()))
                        .addAllRequestHeadersToRemove(m.modifier().remove());
                extras.addFilterOrder(FilterKind.REQUEST_HEADER_MODIFIER);
            } else if (f instanceof RouteFilter.ResponseHeaderModifier m
                    && used.add(FilterKind.RESPONSE_HEADER_MODIFIER)) {
                cw.addAllResponseHeadersToAdd(Headers.toAdd(m.modifier()))
                        .addAllResponseHeadersToRemove(m.modifier().remove());
                extras.addFilterOrder(FilterKind.RESPONSE_HEADER_MODIFIER);
            } else {
                extras.addOtherFilters(IrProtos.filter(f)).addFilterOrder(FilterKind.OTHER);
            }
        }
        BackendExtras built = extras.build();
        if (!built.equals(BackendExtras.getDefaultInstance())) {
            cw.putTypedPerFilterConfig(Names.EXTENSIONS_FILTER, optional(built));
        }
        return cw.build();
    }

    /** Our config wrapped so that Envoy, which has no such filter, ignores it. */
    static Any optional(Message config) {
        return Any.pack(FilterConfig.newBuilder()
                .setIsOptional(true)
                .setConfig(Any.pack(config))
                .build());
    }

    static RouteMatch match(HttpRouteMatch m, RouteExtras.Builder extras) {
        RouteMatch.Builder mb = RouteMatch.newBuilder();
        PathMatch p = m.path();
        if (p instanceof PathMatch.Exact) {
            mb.setPath(p.value());
        } else if (p instanceof PathMatch.Prefix) {
            if (p.value().equals("/")) {
                mb.setPrefix("/");
            } else if (p.value().indexOf('?') < 0 && p.value().indexOf('#') < 0) {
                mb.setPathSeparatedPrefix(p.value());
            } else {
                // path_separated_prefix rejects '?' and '#'; Envoy then matches the plain prefix, we still match
                // whole segments
                mb.setPrefix(p.value());
                extras.setSegmentPrefix(true);
            }
        } else {
            mb.setSafeRegex(RegexMatcher.newBuilder().setRegex(p.value()));
        }
        m.method()
                .ifPresent(method -> mb.addHeaders(HeaderMatcher.newBuilder()
                        .setName(":method")
                        .setStringMatch(StringMatcher.newBuilder().setExact(method))));
        for (HeaderMatch h : m.headers()) {
            mb.addHeaders(
                    HeaderMatcher.newBuilder().setName(h.name()).setStringMatch(stringMatcher(h.type(), h.value())));
        }
        for (QueryParamMatch q : m.queryParams()) {
            mb.addQueryParameters(QueryParameterMatcher.newBuilder()
                    .setName(q.name())
                    .setStringMatch(stringMatcher(q.type(), q.value())));
        }
        return mb.build();
    }

    private static StringMatcher stringMatcher(StringMatchType type, String value) {
        return type == StringMatchType.EXACT
                ? StringMatcher.newBuilder().setExact(value).build()
                : StringMatcher.newBuilder()
                        .setSafeRegex(RegexMatcher.newBuilder().setRegex(value))
                        .build();
    }

    static RegexMatchAndSubstitute fullPathRewrite(String path) {
        return RegexMatchAndSubstitute.newBuilder()
                .setPattern(RegexMatcher.newBuilder().setRegex(FULL_PATH_PATTERN))
                .setSubstitution(path)
                .build();
    }

    private static RedirectAction redirect(dev.nantian.core.model.RouteAction.Redirect r) {
        RedirectAction.Builder b = RedirectAction.newBuilder();
        r.scheme().ifPresent(b::setSchemeRedirect);
        r.hostname().ifPresent(b::setHostRedirect);
        r.port().ifPresent(b::setPortRedirect);
        r.path().ifPresent(p -> {
            if (p instanceof PathModifier.ReplaceFullPath full) {
                b.setPathRedirect(full.path());
            } else {
                b.setPrefixRewrite(((PathModifier.ReplacePrefixMatch) p).prefix());
            }
        });
        switch (r.statusCode()) {
            case 301:
                b.setResponseCode(RedirectAction.RedirectResponseCode.MOVED_PERMANENTLY);
                break;
            case 302:
                b.setResponseCode(RedirectAction.RedirectResponseCode.FOUND);
                break;
            case 303:
                b.setResponseCode(RedirectAction.RedirectResponseCode.SEE_OTHER);
                break;
            case 307:
                b.setResponseCode(RedirectAction.RedirectResponseCode.TEMPORARY_REDIRECT);
                break;
            default:
                b.setResponseCode(RedirectAction.RedirectResponseCode.PERMANENT_REDIRECT);
        }
        return b.build();
    }

    /** The exact Envoy percentage, or {@code null} when Envoy has no such denominator. */
    static FractionalPercent fractionalPercent(Fraction f) {
        FractionalPercent.Builder b = FractionalPercent.newBuilder().setNumerator(f.numerator());
        switch (f.denominator()) {
            case 100:
                return b.setDenominator(FractionalPercent.DenominatorType.HUNDRED)
                        .build();
            case 10_000:
                return b.setDenominator(FractionalPercent.DenominatorType.TEN_THOUSAND)
                        .build();
            case 1_000_000:
                return b.setDenominator(FractionalPercent.DenominatorType.MILLION)
                        .build();
            default:
                return null;
        }
    }

    private static FractionalPercent approximate(Fraction f) {
        return FractionalPercent.newBuilder()
                .setNumerator((int) Math.round(f.asDouble() * 1_000_000))
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build();
    }

    static CorsPolicy cors(RouteFilter.Cors c) {
        CorsPolicy.Builder b = CorsPolicy.newBuilder()
                .setAllowMethods(String.join(",", c.allowMethods()))
                .setAllowHeaders(String.join(",", c.allowHeaders()))
                .setExposeHeaders(String.join(",", c.exposeHeaders()))
                // Envoy takes whole seconds
                .setMaxAge(Long.toString(c.maxAge().getSeconds()))
                .setAllowCredentials(BoolValue.of(c.allowCredentials()));
        for (String origin : c.allowOrigins()) {
            b.addAllowOriginStringMatch(Origins.matcher(origin));
        }
        return b.build();
    }
}
