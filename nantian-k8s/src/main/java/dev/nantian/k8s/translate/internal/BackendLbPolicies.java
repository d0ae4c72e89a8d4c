package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.Cluster;
import dev.nantian.core.model.HealthCheck;
import dev.nantian.core.model.LoadBalancing;
import dev.nantian.core.model.OutlierDetection;
import dev.nantian.core.model.SessionPersistence;
import dev.nantian.k8s.crd.BackendLBPolicy;
import dev.nantian.k8s.crd.GatewayBackendLBPolicy;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * BackendLBPolicies of both kinds, resolved once per translation: which Service ports get which load-balancing
 * policy, active health check and outlier detection (our {@code gateway.nantian.dev/v1alpha1} kind), and which get
 * session persistence (Gateway API's experimental {@code v1alpha2} kind), with what each policy's status says.
 *
 * <p>Each kind resolves on its own, as BackendTLSPolicy does: a policy targets Services of its namespace, a whole
 * Service or (ours only, with {@code sectionName}) one named port, and the more specific target wins for a port. Two
 * policies of one kind with the same target conflict: the older one (creation time, then namespace and name) applies
 * and the other is {@code Accepted=False/Conflicted} when none of its targets is left to it. A spec with invalid
 * values is {@code Accepted=False/Invalid} with every problem listed and applies nowhere; a target that does not
 * exist is reported ({@code ResolvedRefs=False/TargetNotFound}) while the other targets apply.
 */
final class BackendLbPolicies {
    private static final Set<String> SPEC_FIELDS =
            Set.of("targetRefs", "loadBalancer", "healthCheck", "outlierDetection");
    private static final Set<String> GATEWAY_SPEC_FIELDS = Set.of("targetRefs", "sessionPersistence");
    private static final Set<String> LB_TYPES = Set.of("RoundRobin", "LeastRequest", "Random", "ConsistentHash");

    /** One policy of either kind and what was found out about it. */
    static final class Policy {
        final HasMetadata object;
        /** True for Gateway API's kind, false for ours. */
        final boolean gatewayApi;

        final String namespace;
        final String name;
        /** Spec problems: {@code Accepted=False/Invalid}. */
        final List<String> problems = new ArrayList<>();
        /** Targets that do not exist: {@code ResolvedRefs=False/TargetNotFound}. */
        final List<String> unresolved = new ArrayList<>();

        boolean conflicted;
        /** Targets as {@code namespace/service} or {@code namespace/service#portName}. */
        final List<String> targetKeys = new ArrayList<>();
        /** Gateways whose routes reach a Service port the policy applies to, as {@code namespace/name}. */
        final Set<String> ancestors = new LinkedHashSet<>();

        LoadBalancing loadBalancing;
        HealthCheck healthCheck;
        OutlierDetection outlierDetection;
        SessionPersistence sessionPersistence;

        Policy(HasMetadata object, boolean gatewayApi) {
            this.object = object;
            this.gatewayApi = gatewayApi;
            this.namespace = Objects2.ns(object);
            this.name = object.getMetadata().getName();
        }

        boolean accepted() {
            return problems.isEmpty() && !conflicted;
        }
    }

    private final Index index;
    private final List<Policy> policies = new ArrayList<>();
    /** Winning policy of our kind by target key. */
    private final Map<String, Policy> ours = new HashMap<>();
    /** Winning policy of Gateway API's kind by target key. */
    private final Map<String, Policy> sessions = new HashMap<>();

    /** Resolves the policies of both kinds, each list in precedence order (oldest first). */
    BackendLbPolicies(List<BackendLBPolicy> nantian, List<GatewayBackendLBPolicy> gatewayApi, Index index) {
        this.index = index;
        for (BackendLBPolicy o : nantian) {
            Policy p = new Policy(o, false);
            SpecChecker c = new SpecChecker();
            Map<String, Object> spec = o.getSpec() == null ? Map.of() : o.getSpec();
            c.rejectUnknown(spec, "", SPEC_FIELDS);
            List<String> targets = targets(c, p, spec, true);
            p.loadBalancing = loadBalancer(c, spec);
            p.healthCheck = healthCheck(c, spec);
            p.outlierDetection = outlierDetection(c, spec);
            if (!spec.containsKey("loadBalancer")
                    && !spec.containsKey("healthCheck")
                    && !spec.containsKey("outlierDetection")) {
                c.problem("", "sets none of loadBalancer, healthCheck, outlierDetection");
            }
            p.problems.addAll(c.problems());
            claim(p, targets, ours);
        }
        for (GatewayBackendLBPolicy o : gatewayApi) {
            Policy p = new Policy(o, true);
            SpecChecker c = new SpecChecker();
            Map<String, Object> spec = o.getSpec() == null ? Map.of() : o.getSpec();
            c.rejectUnknown(spec, "", GATEWAY_SPEC_FIELDS);
            List<String> targets = targets(c, p, spec, false);
            p.sessionPersistence = sessionPersistence(c, spec);
            p.problems.addAll(c.problems());
            claim(p, targets, sessions);
        }
    }

    private void claim(Policy p, List<String> targets, Map<String, Policy> byTarget) {
        policies.add(p);
        if (!p.problems.isEmpty()) {
            return;
        }
        int lost = 0;
        for (String key : targets) {
            if (byTarget.containsKey(key)) {
                lost++;
            } else {
                byTarget.put(key, p);
            }
        }
        if (!targets.isEmpty() && lost == targets.size()) {
            p.conflicted = true;
        }
    }

    /** The existing targets of {@code p} as keys; reports the others. */
    private List<String> targets(SpecChecker c, Policy p, Map<String, Object> spec, boolean sections) {
        List<String> keys = new ArrayList<>();
        List<Map.Entry<String, Map<String, Object>>> refs = c.objects(spec, "", "targetRefs", true);
        if (refs.isEmpty() && spec.get("targetRefs") instanceof List) {
            c.problem("targetRefs", "must list at least one Service");
        }
        for (Map.Entry<String, Map<String, Object>> t : refs) {
            String path = t.getKey();
            Map<String, Object> ref = t.getValue();
            c.rejectUnknown(
                    ref,
                    path,
                    sections ? Set.of("group", "kind", "name", "sectionName") : Set.of("group", "kind", "name"));
            Object group = ref.get("group");
            if (group != null && !"".equals(group) && !"core".equals(group)) {
                c.problem(path + ".group", "must be \"\" (the core group of Services), not '" + group + "'");
            }
            String kind = c.string(ref, path, "kind", true);
            if (kind != null && !kind.equals("Service")) {
                c.problem(path + ".kind", "must be Service, not '" + kind + "'");
            }
            String service = c.string(ref, path, "name", true);
            String section = sections ? c.string(ref, path, "sectionName", false) : null;
            if (service == null || kind == null || !kind.equals("Service")) {
                continue;
            }
            p.targetKeys.add(p.namespace + "/" + service + (section == null ? "" : "#" + section));
            Service s = index.service(p.namespace, service);
            if (s == null) {
                p.unresolved.add("Service " + p.namespace + "/" + service + " not found");
            } else if (section != null && !hasPortNamed(s, section)) {
                p.unresolved.add("Service " + p.namespace + "/" + service + " has no port named " + section);
            } else {
                keys.add(p.namespace + "/" + service + (section == null ? "" : "#" + section));
            }
        }
        return keys;
    }

    private static boolean hasPortNamed(Service s, String name) {
        if (s.getSpec() == null) {
            return false;
        }
        for (ServicePort port : Objects2.list(s.getSpec().getPorts())) {
            if (name.equals(port.getName())) {
                return true;
            }
        }
        return false;
    }

    private static LoadBalancing loadBalancer(SpecChecker c, Map<String, Object> spec) {
        Map<String, Object> lb = c.object(spec, "", "loadBalancer", false);
        if (lb == null) {
            return null;
        }
        c.rejectUnknown(lb, "loadBalancer", Set.of("type", "leastRequest", "consistentHash"));
        String type = c.string(lb, "loadBalancer", "type", true);
        if (type != null && !LB_TYPES.contains(type)) {
            c.problem(
                    "loadBalancer.type",
                    "must be RoundRobin, LeastRequest, Random or ConsistentHash, not '" + type + "'");
            type = null;
        }
        if (lb.containsKey("leastRequest") && !"LeastRequest".equals(type)) {
            c.problem("loadBalancer.leastRequest", "is only for type LeastRequest");
        }
        if (lb.containsKey("consistentHash") && !"ConsistentHash".equals(type)) {
            c.problem("loadBalancer.consistentHash", "is only for type ConsistentHash");
        }
        if (type == null) {
            return null;
        }
        switch (type) {
            case "LeastRequest": {
                Map<String, Object> lr = c.object(lb, "loadBalancer", "leastRequest", false);
                long choices = 2;
                if (lr != null) {
                    c.rejectUnknown(lr, "loadBalancer.leastRequest", Set.of("choiceCount"));
                    long n = c.integer(lr, "loadBalancer.leastRequest", "choiceCount", false, 2);
                    if (n > 100) {
                        c.problem("loadBalancer.leastRequest.choiceCount", "must be at most 100");
                    } else if (n > 0) {
                        choices = n;
                    }
                }
                return new LoadBalancing.LeastRequest((int) choices);
            }
            case "Random":
                return new LoadBalancing.Random();
            case "ConsistentHash":
                return consistentHash(c, lb);
            default:
                return new LoadBalancing.RoundRobin();
        }
    }

    private static LoadBalancing consistentHash(SpecChecker c, Map<String, Object> lb) {
        String path = "loadBalancer.consistentHash";
        Map<String, Object> ch = c.object(lb, "loadBalancer", "consistentHash", true);
        if (ch == null) {
            return null;
        }
        c.rejectUnknown(ch, path, Set.of("header", "cookie", "sourceIP"));
        if (ch.size() != 1) {
            c.problem(path, "must have exactly one of header, cookie, sourceIP");
            return null;
        }
        if (ch.containsKey("header")) {
            Map<String, Object> h = c.object(ch, path, "header", true);
            if (h == null) {
                return null;
            }
            c.rejectUnknown(h, path + ".header", Set.of("name"));
            String name = c.string(h, path + ".header", "name", true);
            return name == null ? null : new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.Header(name));
        }
        if (ch.containsKey("cookie")) {
            Map<String, Object> k = c.object(ch, path, "cookie", true);
            if (k == null) {
                return null;
            }
            c.rejectUnknown(k, path + ".cookie", Set.of("name", "ttl", "path"));
            String name = c.string(k, path + ".cookie", "name", true);
            String cookiePath = c.string(k, path + ".cookie", "path", false);
            Optional<Duration> ttl = Optional.empty();
            Object ttlText = k.get("ttl");
            if (ttlText != null) {
                try {
                    // 0s is allowed here: a cookie for the browser session
                    ttl = Optional.of(Durations.parse(String.valueOf(ttlText), path + ".cookie.ttl"));
                } catch (IllegalArgumentException e) {
                    c.problem(path + ".cookie.ttl", "must be a duration like 1h, 30m or 0s, not '" + ttlText + "'");
                    return null;
                }
            }
            if (cookiePath != null && !cookiePath.startsWith("/")) {
                c.problem(path + ".cookie.path", "must start with /");
                return null;
            }
            return name == null
                    ? null
                    : new LoadBalancing.ConsistentHash(
                            new LoadBalancing.HashKey.Cookie(name, ttl, cookiePath == null ? "/" : cookiePath));
        }
        Map<String, Object> ip = c.object(ch, path, "sourceIP", false);
        if (ip != null) {
            c.rejectUnknown(ip, path + ".sourceIP", Set.of());
        }
        return new LoadBalancing.ConsistentHash(new LoadBalancing.HashKey.SourceIp());
    }

    private static HealthCheck healthCheck(SpecChecker c, Map<String, Object> spec) {
        Map<String, Object> hc = c.object(spec, "", "healthCheck", false);
        if (hc == null) {
            return null;
        }
        c.rejectUnknown(
                hc, "healthCheck", Set.of("http", "interval", "timeout", "healthyThreshold", "unhealthyThreshold"));
        Map<String, Object> http = c.object(hc, "healthCheck", "http", true);
        String path = null;
        String host = null;
        long min = 200;
        long max = 299;
        if (http != null) {
            c.rejectUnknown(http, "healthCheck.http", Set.of("path", "host", "expectedStatuses"));
            path = c.string(http, "healthCheck.http", "path", true);
            if (path != null && !path.startsWith("/")) {
                c.problem("healthCheck.http.path", "must start with /");
                path = null;
            }
            host = c.string(http, "healthCheck.http", "host", false);
            Map<String, Object> statuses = c.object(http, "healthCheck.http", "expectedStatuses", false);
            if (statuses != null) {
                String at = "healthCheck.http.expectedStatuses";
                c.rejectUnknown(statuses, at, Set.of("min", "max"));
                long lo = c.integer(statuses, at, "min", false, 100);
                long hi = c.integer(statuses, at, "max", false, 100);
                min = lo > 0 ? lo : min;
                max = hi > 0 ? hi : max;
                if (statuses.containsKey("min") && !statuses.containsKey("max")) {
                    max = Math.max(min, Math.min(599, (min / 100) * 100 + 99)); // min's class, e.g. 204 -> 299
                }
                if (min > 599 || max > 599 || min > max) {
                    c.problem(
                            at, "must be a range of statuses within 100..599 with min <= max, not " + min + ".." + max);
                }
            }
        }
        Duration interval = c.duration(hc, "healthCheck", "interval", false);
        Duration timeout = c.duration(hc, "healthCheck", "timeout", false);
        long healthy = c.integer(hc, "healthCheck", "healthyThreshold", false, 1);
        long unhealthy = c.integer(hc, "healthCheck", "unhealthyThreshold", false, 1);
        if (path == null || min > max || max > 599) {
            return null;
        }
        HealthCheck defaults = HealthCheck.http(path);
        try {
            return new HealthCheck(
                    path,
                    Optional.ofNullable(host),
                    interval == null ? defaults.interval() : interval,
                    timeout == null ? defaults.timeout() : timeout,
                    healthy > 0 ? (int) Math.min(healthy, 1000) : defaults.healthyThreshold(),
                    unhealthy > 0 ? (int) Math.min(unhealthy, 1000) : defaults.unhealthyThreshold(),
                    (int) min,
                    (int) max);
        } catch (IllegalArgumentException e) {
            c.problem("healthCheck", e.getMessage());
            return null;
        }
    }

    private static OutlierDetection outlierDetection(SpecChecker c, Map<String, Object> spec) {
        Map<String, Object> od = c.object(spec, "", "outlierDetection", false);
        if (od == null) {
            return null;
        }
        c.rejectUnknown(od, "outlierDetection", Set.of("consecutiveErrors", "baseEjectionTime", "maxEjectionPercent"));
        long errors = c.integer(od, "outlierDetection", "consecutiveErrors", false, 1);
        Duration base = c.duration(od, "outlierDetection", "baseEjectionTime", false);
        long percent = c.integer(od, "outlierDetection", "maxEjectionPercent", false, 0);
        if (percent > 100) {
            c.problem("outlierDetection.maxEjectionPercent", "must be at most 100, not " + percent);
            return null;
        }
        return new OutlierDetection(
                errors > 0 ? (int) Math.min(errors, 1000) : 5,
                base == null ? Duration.ofSeconds(30) : base,
                percent >= 0 && od.containsKey("maxEjectionPercent") ? (int) percent : 10);
    }

    private static SessionPersistence sessionPersistence(SpecChecker c, Map<String, Object> spec) {
        Map<String, Object> sp = c.object(spec, "", "sessionPersistence", true);
        if (sp == null) {
            return null;
        }
        String at = "sessionPersistence";
        c.rejectUnknown(sp, at, Set.of("sessionName", "absoluteTimeout", "idleTimeout", "type", "cookieConfig"));
        String sessionName = c.string(sp, at, "sessionName", false);
        Duration absolute = c.duration(sp, at, "absoluteTimeout", false);
        Duration idle = c.duration(sp, at, "idleTimeout", false);
        String type = c.string(sp, at, "type", false);
        if (type != null && !type.equals("Cookie") && !type.equals("Header")) {
            c.problem(at + ".type", "must be Cookie or Header, not '" + type + "'");
            return null;
        }
        boolean permanent = false;
        Map<String, Object> cookie = c.object(sp, at, "cookieConfig", false);
        if (cookie != null) {
            c.rejectUnknown(cookie, at + ".cookieConfig", Set.of("lifetimeType"));
            if ("Header".equals(type)) {
                c.problem(at + ".cookieConfig", "is only for type Cookie");
            }
            String lifetime = c.string(cookie, at + ".cookieConfig", "lifetimeType", false);
            if (lifetime != null && !lifetime.equals("Permanent") && !lifetime.equals("Session")) {
                c.problem(at + ".cookieConfig.lifetimeType", "must be Permanent or Session, not '" + lifetime + "'");
            }
            permanent = "Permanent".equals(lifetime);
            if (permanent && absolute == null) {
                c.problem(at + ".absoluteTimeout", "is required for a Permanent cookie");
            }
        }
        return new SessionPersistence(
                Optional.ofNullable(sessionName),
                "Header".equals(type) ? SessionPersistence.Type.HEADER : SessionPersistence.Type.COOKIE,
                Optional.ofNullable(absolute),
                Optional.ofNullable(idle),
                permanent);
    }

    /**
     * Applies the accepted policy of our kind for a Service port to {@code cluster}, if there is one.
     *
     * @return the policies of both kinds that target the port, applied or not, for their status
     */
    List<Policy> apply(String namespace, String service, ServicePort port, Cluster.Builder cluster) {
        Policy p = lookup(ours, namespace, service, port);
        if (p != null) {
            if (p.loadBalancing != null) {
                cluster.loadBalancing(p.loadBalancing);
            }
            if (p.healthCheck != null) {
                cluster.healthCheck(p.healthCheck);
            }
            if (p.outlierDetection != null) {
                cluster.outlierDetection(p.outlierDetection);
            }
        }
        return targeting(namespace, service, port);
    }

    /** The session persistence of Gateway API's kind for a Service port, or {@code null}. */
    SessionPersistence sessionPersistence(String namespace, String service, ServicePort port) {
        Policy p = lookup(sessions, namespace, service, port);
        return p == null ? null : p.sessionPersistence;
    }

    private static Policy lookup(Map<String, Policy> byTarget, String namespace, String service, ServicePort port) {
        Policy p = null;
        if (port.getName() != null && !port.getName().isEmpty()) {
            p = byTarget.get(namespace + "/" + service + "#" + port.getName());
        }
        if (p == null) {
            p = byTarget.get(namespace + "/" + service);
        }
        return p == null || !p.accepted() ? null : p;
    }

    private List<Policy> targeting(String namespace, String service, ServicePort port) {
        String whole = namespace + "/" + service;
        String section = port.getName() == null || port.getName().isEmpty() ? null : whole + "#" + port.getName();
        List<Policy> out = new ArrayList<>();
        for (Policy p : policies) {
            if (p.targetKeys.contains(whole) || (section != null && p.targetKeys.contains(section))) {
                out.add(p);
            }
        }
        return out;
    }

    /** Every policy of both kinds, ours first, each kind in precedence order. */
    List<Policy> policies() {
        return policies;
    }
}
