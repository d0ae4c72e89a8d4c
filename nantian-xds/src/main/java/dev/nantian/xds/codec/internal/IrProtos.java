package dev.nantian.xds.codec.internal;

import dev.nantian.core.model.Fraction;
import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.PathModifier;
import dev.nantian.core.model.RouteFilter;
import dev.nantian.core.model.RouteMeta;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.xds.proto.config.v1.ExtensionRef;
import dev.nantian.xds.proto.config.v1.FilterSpec;
import dev.nantian.xds.proto.config.v1.HashKeySpec;
import dev.nantian.xds.proto.config.v1.HeaderEdits;
import dev.nantian.xds.proto.config.v1.Ratio;
import dev.nantian.xds.proto.config.v1.RouteOrigin;
import dev.nantian.xds.proto.config.v1.SessionPersistenceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Converts IR values to and from our {@code nantian.config.v1} messages. */
public final class IrProtos {
    private IrProtos() {}

    public static RouteOrigin origin(RouteMeta m) {
        RouteOrigin.Builder b = RouteOrigin.newBuilder()
                .setKind(m.kind())
                .setNamespace(m.namespace())
                .setName(m.name())
                .setCreationTimestamp(Protos.timestamp(m.creationTimestamp()))
                .setRuleIndex(m.ruleIndex())
                .setMatchIndex(m.matchIndex())
                .putAllAnnotations(m.annotations());
        m.ruleName().ifPresent(b::setRuleName);
        return b.build();
    }

    public static RouteMeta meta(RouteOrigin o) {
        return new RouteMeta(
                o.getKind(),
                o.getNamespace(),
                o.getName(),
                Protos.instant(o.getCreationTimestamp()),
                o.getRuleIndex(),
                o.hasRuleName() ? Optional.of(o.getRuleName()) : Optional.empty(),
                o.getMatchIndex(),
                o.getAnnotationsMap());
    }

    public static Ratio ratio(Fraction f) {
        return Ratio.newBuilder()
                .setNumerator(f.numerator())
                .setDenominator(f.denominator())
                .build();
    }

    public static Fraction fraction(Ratio r) {
        return new Fraction(r.getNumerator(), r.getDenominator());
    }

    public static HeaderEdits edits(HeaderModifier m) {
        HeaderEdits.Builder b = HeaderEdits.newBuilder();
        m.set().forEach(h -> b.addSet(header(h)));
        m.add().forEach(h -> b.addAdd(header(h)));
        return b.addAllRemove(m.remove()).build();
    }

    private static HeaderEdits.Header header(HttpHeader h) {
        return HeaderEdits.Header.newBuilder()
                .setName(h.name())
                .setValue(h.value())
                .build();
    }

    public static HeaderModifier modifier(HeaderEdits e) {
        return new HeaderModifier(headers(e.getSetList()), headers(e.getAddList()), e.getRemoveList());
    }

    private static List<HttpHeader> headers(List<HeaderEdits.Header> hs) {
        List<HttpHeader> out = new ArrayList<>();
        hs.forEach(h -> out.add(new HttpHeader(h.getName(), h.getValue())));
        return out;
    }

    public static ExtensionRef ref(RouteFilter.ExtensionRef r) {
        return ExtensionRef.newBuilder()
                .setGroup(r.group())
                .setKind(r.kind())
                .setNamespace(r.namespace())
                .setName(r.name())
                .build();
    }

    /** The full description of {@code f}, for positions where Envoy has no field for it. */
    public static FilterSpec filter(RouteFilter f) {
        FilterSpec.Builder b = FilterSpec.newBuilder();
        if (f instanceof RouteFilter.RequestHeaderModifier m) {
            b.setRequestHeaderModifier(edits(m.modifier()));
        } else if (f instanceof RouteFilter.ResponseHeaderModifier m) {
            b.setResponseHeaderModifier(edits(m.modifier()));
        } else if (f instanceof RouteFilter.UrlRewrite u) {
            FilterSpec.UrlRewrite.Builder ub = FilterSpec.UrlRewrite.newBuilder();
            u.hostname().ifPresent(ub::setHostname);
            u.path().ifPresent(p -> {
                if (p instanceof PathModifier.ReplaceFullPath full) {
                    ub.setReplaceFullPath(full.path());
                } else {
                    ub.setReplacePrefixMatch(((PathModifier.ReplacePrefixMatch) p).prefix());
                }
            });
            b.setUrlRewrite(ub);
        } else if (f instanceof RouteFilter.RequestMirror m) {
            FilterSpec.RequestMirror.Builder mb =
                    FilterSpec.RequestMirror.newBuilder().setCluster(m.cluster());
            m.fraction().ifPresent(fr -> mb.setFraction(ratio(fr)));
            b.setRequestMirror(mb);
        } else if (f instanceof RouteFilter.Cors c) {
            b.setCors(FilterSpec.Cors.newBuilder()
                    .addAllAllowOrigins(c.allowOrigins())
                    .setAllowCredentials(c.allowCredentials())
                    .addAllAllowMethods(c.allowMethods())
                    .addAllAllowHeaders(c.allowHeaders())
                    .addAllExposeHeaders(c.exposeHeaders())
                    .setMaxAge(Protos.duration(c.maxAge())));
        } else {
            b.setExtensionRef(ref((RouteFilter.ExtensionRef) f));
        }
        return b.build();
    }

    /** The IR filter {@code spec} describes; throws {@link IllegalArgumentException} when it describes none. */
    public static RouteFilter filter(FilterSpec spec) {
        switch (spec.getKindCase()) {
            case REQUEST_HEADER_MODIFIER:
                return new RouteFilter.RequestHeaderModifier(modifier(spec.getRequestHeaderModifier()));
            case RESPONSE_HEADER_MODIFIER:
                return new RouteFilter.ResponseHeaderModifier(modifier(spec.getResponseHeaderModifier()));
            case URL_REWRITE:
                FilterSpec.UrlRewrite u = spec.getUrlRewrite();
                Optional<PathModifier> path;
                switch (u.getPathCase()) {
                    case REPLACE_FULL_PATH:
                        path = Optional.of(new PathModifier.ReplaceFullPath(u.getReplaceFullPath()));
                        break;
                    case REPLACE_PREFIX_MATCH:
                        path = Optional.of(new PathModifier.ReplacePrefixMatch(u.getReplacePrefixMatch()));
                        break;
                    default:
                        path = Optional.empty();
                }
                return new RouteFilter.UrlRewrite(
                        u.hasHostname() ? Optional.of(u.getHostname()) : Optional.empty(), path);
            case REQUEST_MIRROR:
                FilterSpec.RequestMirror m = spec.getRequestMirror();
                return new RouteFilter.RequestMirror(
                        m.getCluster(), m.hasFraction() ? Optional.of(fraction(m.getFraction())) : Optional.empty());
            case CORS:
                FilterSpec.Cors c = spec.getCors();
                return new RouteFilter.Cors(
                        c.getAllowOriginsList(),
                        c.getAllowCredentials(),
                        c.getAllowMethodsList(),
                        c.getAllowHeadersList(),
                        c.getExposeHeadersList(),
                        Protos.duration(c.getMaxAge()));
            case EXTENSION_REF:
                ExtensionRef r = spec.getExtensionRef();
                return new RouteFilter.ExtensionRef(r.getGroup(), r.getKind(), r.getNamespace(), r.getName());
            default:
                throw new IllegalArgumentException("filter has no kind");
        }
    }

    public static SessionPersistenceSpec session(SessionPersistence s) {
        SessionPersistenceSpec.Builder b = SessionPersistenceSpec.newBuilder()
                .setType(
                        s.type() == SessionPersistence.Type.COOKIE
                                ? SessionPersistenceSpec.Type.COOKIE
                                : SessionPersistenceSpec.Type.HEADER)
                .setPermanentCookie(s.permanentCookie());
        s.sessionName().ifPresent(b::setSessionName);
        s.absoluteTimeout().ifPresent(d -> b.setAbsoluteTimeout(Protos.duration(d)));
        s.idleTimeout().ifPresent(d -> b.setIdleTimeout(Protos.duration(d)));
        return b.build();
    }

    public static SessionPersistence session(SessionPersistenceSpec s) {
        SessionPersistence.Type type;
        switch (s.getType()) {
            case COOKIE:
                type = SessionPersistence.Type.COOKIE;
                break;
            case HEADER:
                type = SessionPersistence.Type.HEADER;
                break;
            default:
                throw new IllegalArgumentException("session persistence type " + s.getType() + " is not supported");
        }
        return new SessionPersistence(
                s.hasSessionName() ? Optional.of(s.getSessionName()) : Optional.empty(),
                type,
                s.hasAbsoluteTimeout() ? Optional.of(Protos.duration(s.getAbsoluteTimeout())) : Optional.empty(),
                s.hasIdleTimeout() ? Optional.of(Protos.duration(s.getIdleTimeout())) : Optional.empty(),
                s.getPermanentCookie());
    }

    public static HashKeySpec hashKey(LoadBalancing.HashKey key) {
        HashKeySpec.Builder b = HashKeySpec.newBuilder();
        if (key instanceof LoadBalancing.HashKey.Header h) {
            b.setHeader(h.name());
        } else if (key instanceof LoadBalancing.HashKey.Cookie c) {
            HashKeySpec.Cookie.Builder cb =
                    HashKeySpec.Cookie.newBuilder().setName(c.name()).setPath(c.path());
            c.ttl().ifPresent(t -> cb.setTtl(Protos.duration(t)));
            b.setCookie(cb);
        } else {
            b.setSourceIp(true);
        }
        return b.build();
    }

    public static LoadBalancing.HashKey hashKey(HashKeySpec spec) {
        switch (spec.getKeyCase()) {
            case HEADER:
                return new LoadBalancing.HashKey.Header(spec.getHeader());
            case COOKIE:
                HashKeySpec.Cookie c = spec.getCookie();
                return new LoadBalancing.HashKey.Cookie(
                        c.getName(),
                        c.hasTtl() ? Optional.of(Protos.duration(c.getTtl())) : Optional.empty(),
                        c.getPath());
            case SOURCE_IP:
                return new LoadBalancing.HashKey.SourceIp();
            default:
                throw new IllegalArgumentException("hash key has no kind");
        }
    }
}
