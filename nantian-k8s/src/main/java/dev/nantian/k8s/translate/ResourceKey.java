package dev.nantian.k8s.translate;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.api.model.HasMetadata;

/**
 * Names one Kubernetes object: its kind, namespace (empty for cluster-scoped kinds) and name.
 *
 * @param kind the kind, e.g. {@code HTTPRoute}
 * @param namespace the namespace, empty for cluster-scoped objects
 * @param name the name
 */
public record ResourceKey(String kind, String namespace, String name) {
    public ResourceKey {
        requireNonNull(kind, "kind");
        requireNonNull(namespace, "namespace");
        requireNonNull(name, "name");
    }

    /** The key of an object, from its kind and metadata. */
    public static ResourceKey of(HasMetadata object) {
        String ns = object.getMetadata().getNamespace();
        return new ResourceKey(
                object.getKind(), ns == null ? "" : ns, object.getMetadata().getName());
    }

    /** {@code Kind namespace/name}, or {@code Kind name} when cluster-scoped. */
    @Override
    public String toString() {
        return kind + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
    }
}
