package dev.nantian.testing.conformance.internal;

import static dev.nantian.testing.conformance.internal.Json.nodes;
import static dev.nantian.testing.conformance.internal.Json.stringMap;
import static dev.nantian.testing.conformance.internal.Json.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MappingIterator;

/**
 * The objects of a set of manifests that the runner itself needs: Gateway listeners (to find the port a case
 * targets), Deployments (to start echo pods), Services (to write EndpointSlices), Secrets and ConfigMaps (to mount
 * into TLS backends and to trust in the client). Everything else is only passed on to the gateway. Immutable.
 */
public final class Manifests {

    /** The upstream placeholder for the GatewayClass name. */
    public static final String GATEWAY_CLASS_PLACEHOLDER = "{GATEWAY_CLASS_NAME}";

    /** The upstream placeholder for the GatewayClass controller name. */
    public static final String CONTROLLER_PLACEHOLDER = "{GATEWAY_CONTROLLER_NAME}";

    /** A Gateway listener. */
    public record Listener(String name, int port, String protocol) {}

    /** A Service port; {@code targetPort} is a number or a container port name. */
    public record ServicePort(String name, int port, String targetPort, String protocol, String appProtocol) {}

    /** A Service with a selector. */
    public record Service(String namespace, String name, Map<String, String> selector, List<ServicePort> ports) {}

    /**
     * A Deployment's pod template, reduced to what an echo pod needs.
     *
     * @param env container environment: literal values only ({@code valueFrom} entries are absent)
     * @param files mounted Secret and ConfigMap items as absolute path to content
     */
    public record Deployment(
            String namespace,
            String name,
            int replicas,
            Map<String, String> podLabels,
            String image,
            Map<String, String> env,
            Map<String, String> files) {}

    private final List<JsonNode> documents;
    private final Map<String, List<Listener>> gatewayListeners;
    private final List<Deployment> deployments;
    private final List<Service> services;

    private Manifests(List<JsonNode> documents) {
        this.documents = List.copyOf(documents);
        Map<String, List<Listener>> gateways = new LinkedHashMap<>();
        List<Service> svcs = new ArrayList<>();
        for (JsonNode doc : documents) {
            String kind = text(doc, "kind", "");
            if (kind.equals("Gateway")) {
                List<Listener> listeners = new ArrayList<>();
                for (JsonNode l : nodes(doc.path("spec"), "listeners")) {
                    listeners.add(
                            new Listener(text(l, "name", ""), l.path("port").asInt(0), text(l, "protocol", "")));
                }
                gateways.put(key(namespace(doc), name(doc)), List.copyOf(listeners));
            } else if (kind.equals("Service")) {
                List<ServicePort> ports = new ArrayList<>();
                for (JsonNode p : nodes(doc.path("spec"), "ports")) {
                    int port = p.path("port").asInt(0);
                    ports.add(new ServicePort(
                            text(p, "name", ""),
                            port,
                            text(p, "targetPort", Integer.toString(port)),
                            text(p, "protocol", "TCP"),
                            text(p, "appProtocol")));
                }
                svcs.add(new Service(
                        namespace(doc), name(doc), stringMap(doc.path("spec"), "selector"), List.copyOf(ports)));
            }
        }
        this.gatewayListeners = Collections.unmodifiableMap(gateways);
        this.services = List.copyOf(svcs);
        List<Deployment> deps = new ArrayList<>();
        for (JsonNode doc : documents) {
            if (text(doc, "kind", "").equals("Deployment")) {
                deps.add(deployment(doc));
            }
        }
        this.deployments = List.copyOf(deps);
    }

    /**
     * Parses the given YAML texts (multi-document) after substituting the upstream placeholders.
     *
     * @throws IllegalArgumentException when a text is not valid YAML
     */
    public static Manifests parse(List<String> yamlTexts) {
        List<JsonNode> docs = new ArrayList<>();
        for (String yaml : yamlTexts) {
            try (MappingIterator<JsonNode> it =
                    Json.YAML.readerFor(JsonNode.class).readValues(yaml)) {
                while (it.hasNext()) {
                    JsonNode doc = it.next();
                    if (doc != null && doc.isObject() && doc.size() > 0) {
                        docs.add(doc);
                    }
                }
            } catch (JacksonException e) {
                throw new IllegalArgumentException("invalid YAML manifest: " + e.getOriginalMessage(), e);
            }
        }
        return new Manifests(docs);
    }

    /**
     * {@code yaml} without the workload documents (Deployments and the like). The runner plays the cluster's part
     * for those, starting echo pods and writing EndpointSlices; a gateway is no more shown them than a Gateway API
     * controller watches them, and a standalone gateway rightly rejects kinds it does not serve.
     */
    public static String withoutWorkloads(String yaml) {
        StringBuilder out = new StringBuilder(yaml.length());
        for (String doc : DOCUMENT_SEPARATOR.split(yaml, -1)) {
            if (WORKLOAD_KIND.matcher(doc).find() || doc.isBlank()) {
                continue;
            }
            if (out.length() > 0) {
                out.append("---\n");
            }
            out.append(doc.startsWith("\n") ? doc.substring(1) : doc);
            if (!doc.endsWith("\n")) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---[ \\t]*$");
    private static final Pattern WORKLOAD_KIND =
            Pattern.compile("(?m)^kind:[ \\t]*(Deployment|Pod|ReplicaSet|StatefulSet|DaemonSet|Job)[ \\t]*$");

    /** Replaces the upstream placeholders with our GatewayClass and controller names. */
    public static String substitute(String yaml, String gatewayClassName, String controllerName) {
        return yaml.replace(GATEWAY_CLASS_PLACEHOLDER, gatewayClassName)
                .replace(CONTROLLER_PLACEHOLDER, controllerName);
    }

    /** Every parsed document. */
    public List<JsonNode> documents() {
        return documents;
    }

    /** The listeners of a Gateway in spec order, or null when there is no such Gateway. */
    public List<Listener> listeners(String namespace, String name) {
        return gatewayListeners.get(key(namespace, name));
    }

    /** Every Deployment. */
    public List<Deployment> deployments() {
        return deployments;
    }

    /** Every Service. */
    public List<Service> services() {
        return services;
    }

    /** The decoded {@code data} (and {@code stringData}) of a Secret, or null. */
    public Map<String, String> secret(String namespace, String name) {
        return data("Secret", namespace, name);
    }

    /** The {@code data} of a ConfigMap, or null. */
    public Map<String, String> configMap(String namespace, String name) {
        return data("ConfigMap", namespace, name);
    }

    private Map<String, String> data(String kind, String namespace, String name) {
        for (JsonNode doc : documents) {
            if (kind.equals(text(doc, "kind")) && namespace.equals(namespace(doc)) && name.equals(name(doc))) {
                Map<String, String> out = new LinkedHashMap<>();
                if (kind.equals("Secret")) {
                    stringMap(doc, "data")
                            .forEach((k, v) -> out.put(
                                    k, new String(Base64.getMimeDecoder().decode(v), StandardCharsets.UTF_8)));
                    out.putAll(stringMap(doc, "stringData"));
                } else {
                    out.putAll(stringMap(doc, "data"));
                }
                return Collections.unmodifiableMap(out);
            }
        }
        return null;
    }

    private Deployment deployment(JsonNode doc) {
        String namespace = namespace(doc);
        JsonNode podSpec = doc.path("spec").path("template").path("spec");
        List<JsonNode> containers = nodes(podSpec, "containers");
        JsonNode container = containers.isEmpty() ? null : containers.get(0);
        Map<String, String> env = new LinkedHashMap<>();
        for (JsonNode e : nodes(container, "env")) {
            String value = text(e, "value");
            if (value != null) {
                env.put(text(e, "name", ""), value);
            }
        }
        // Resolve volume mounts of Secrets and ConfigMaps to files, as the kubelet would.
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        for (JsonNode v : nodes(podSpec, "volumes")) {
            volumes.put(text(v, "name", ""), v);
        }
        Map<String, String> files = new LinkedHashMap<>();
        for (JsonNode mount : nodes(container, "volumeMounts")) {
            JsonNode volume = volumes.get(text(mount, "name", ""));
            if (volume == null) {
                continue;
            }
            Map<String, String> data = null;
            JsonNode source = null;
            if (volume.has("secret")) {
                source = volume.get("secret");
                data = secret(namespace, text(source, "secretName", ""));
            } else if (volume.has("configMap")) {
                source = volume.get("configMap");
                data = configMap(namespace, text(source, "name", ""));
            }
            if (data == null) {
                continue;
            }
            String dir = text(mount, "mountPath", "/");
            List<JsonNode> items = nodes(source, "items");
            if (items.isEmpty()) {
                data.forEach((k, v) -> files.put(dir + "/" + k, v));
            } else {
                for (JsonNode item : items) {
                    String value = data.get(text(item, "key", ""));
                    if (value != null) {
                        files.put(dir + "/" + text(item, "path", text(item, "key", "")), value);
                    }
                }
            }
        }
        JsonNode spec = doc.path("spec");
        return new Deployment(
                namespace,
                name(doc),
                spec.has("replicas") ? spec.get("replicas").asInt(1) : 1,
                stringMap(spec.path("template").path("metadata"), "labels"),
                container == null ? "" : text(container, "image", ""),
                Collections.unmodifiableMap(env),
                Collections.unmodifiableMap(files));
    }

    private static String namespace(JsonNode doc) {
        return text(doc.path("metadata"), "namespace", "default");
    }

    private static String name(JsonNode doc) {
        return Objects.requireNonNullElse(text(doc.path("metadata"), "name"), "");
    }

    private static String key(String namespace, String name) {
        return namespace + "/" + name;
    }
}
