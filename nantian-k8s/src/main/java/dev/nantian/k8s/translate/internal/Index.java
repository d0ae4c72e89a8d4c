package dev.nantian.k8s.translate.internal;

import dev.nantian.k8s.translate.ResourceSet;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrant;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantFrom;
import io.fabric8.kubernetes.api.model.gatewayapi.v1.ReferenceGrantTo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Read-only lookups over the input of one translation. */
final class Index {
    static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";
    private static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private final Map<String, Map<String, String>> namespaceLabels = new HashMap<>();
    private final Map<String, Service> services = new HashMap<>();
    private final Map<String, List<EndpointSlice>> slicesByService = new HashMap<>();
    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, ConfigMap> configMaps = new HashMap<>();
    private final Map<String, List<ReferenceGrant>> grantsByNamespace = new HashMap<>();

    Index(ResourceSet in) {
        for (Namespace ns : in.namespaces()) {
            Map<String, String> labels = new HashMap<>();
            if (ns.getMetadata().getLabels() != null) {
                labels.putAll(ns.getMetadata().getLabels());
            }
            namespaceLabels.put(ns.getMetadata().getName(), labels);
        }
        in.services()
                .forEach(s -> services.put(key(Objects2.ns(s), s.getMetadata().getName()), s));
        for (EndpointSlice slice : in.endpointSlices()) {
            Map<String, String> labels = slice.getMetadata().getLabels();
            String service = labels == null ? null : labels.get(SERVICE_NAME_LABEL);
            if (service != null) {
                slicesByService
                        .computeIfAbsent(key(Objects2.ns(slice), service), k -> new ArrayList<>())
                        .add(slice);
            }
        }
        in.secrets()
                .forEach(s -> secrets.put(key(Objects2.ns(s), s.getMetadata().getName()), s));
        in.configMaps()
                .forEach(c -> configMaps.put(key(Objects2.ns(c), c.getMetadata().getName()), c));
        in.referenceGrants().forEach(g -> grantsByNamespace
                .computeIfAbsent(Objects2.ns(g), k -> new ArrayList<>())
                .add(g));
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }

    Service service(String namespace, String name) {
        return services.get(key(namespace, name));
    }

    List<EndpointSlice> slices(String namespace, String service) {
        List<EndpointSlice> list = slicesByService.getOrDefault(key(namespace, service), List.of());
        List<EndpointSlice> sorted = new ArrayList<>(list);
        sorted.sort(
                (a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()));
        return sorted;
    }

    Secret secret(String namespace, String name) {
        return secrets.get(key(namespace, name));
    }

    ConfigMap configMap(String namespace, String name) {
        return configMaps.get(key(namespace, name));
    }

    /**
     * The labels of a namespace. The API server labels every namespace with {@code kubernetes.io/metadata.name}; we
     * add it too, also for namespaces not in the input, so selectors on it work without a cluster.
     */
    Map<String, String> namespaceLabels(String namespace) {
        Map<String, String> labels = new HashMap<>(namespaceLabels.getOrDefault(namespace, Map.of()));
        labels.put(NAMESPACE_NAME_LABEL, namespace);
        return labels;
    }

    /** Whether a ReferenceGrant in {@code toNamespace} lets {@code from*} refer to the object. */
    boolean permits(
            String fromGroup,
            String fromKind,
            String fromNamespace,
            String toGroup,
            String toKind,
            String toNamespace,
            String toName) {
        for (ReferenceGrant grant : grantsByNamespace.getOrDefault(toNamespace, List.of())) {
            if (grant.getSpec() == null) {
                continue;
            }
            boolean fromOk = false;
            for (ReferenceGrantFrom f : Objects2.list(grant.getSpec().getFrom())) {
                if (Objects2.group(f.getGroup()).equals(fromGroup)
                        && fromKind.equals(f.getKind())
                        && fromNamespace.equals(f.getNamespace())) {
                    fromOk = true;
                    break;
                }
            }
            if (!fromOk) {
                continue;
            }
            for (ReferenceGrantTo t : Objects2.list(grant.getSpec().getTo())) {
                if (Objects2.group(t.getGroup()).equals(toGroup)
                        && toKind.equals(t.getKind())
                        && (t.getName() == null
                                || t.getName().isEmpty()
                                || t.getName().equals(toName))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Kubernetes label selector semantics; a null selector matches nothing, an empty one everything. */
    static boolean selects(LabelSelector selector, Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        if (selector.getMatchLabels() != null) {
            for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        for (LabelSelectorRequirement r : Objects2.list(selector.getMatchExpressions())) {
            String value = labels.get(r.getKey());
            List<String> values = Objects2.list(r.getValues());
            boolean ok;
            switch (r.getOperator()) {
                case "In":
                    ok = value != null && values.contains(value);
                    break;
                case "NotIn":
                    ok = value == null || !values.contains(value);
                    break;
                case "Exists":
                    ok = value != null;
                    break;
                case "DoesNotExist":
                    ok = value == null;
                    break;
                default:
                    ok = false; // unknown operators select nothing rather than everything
                    break;
            }
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
