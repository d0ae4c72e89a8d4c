package dev.nantian.k8s.translate.internal;

import dev.nantian.core.model.Secret.CaBundle;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Resolves references to CA certificates, the {@code ca.crt} key of a ConfigMap (Gateway API's core form) or of a
 * Secret, into {@link CaBundle}s of the snapshot. Bundles are named {@code configmap:ns/name} or
 * {@code secret:ns/name}, so they never collide with TLS key pairs, which are named {@code ns/name}.
 */
final class CaBundles {
    static final String CA_KEY = "ca.crt";

    private final Index index;
    private final Map<String, CaBundle> bundles = new TreeMap<>();

    CaBundles(Index index) {
        this.index = index;
    }

    /** A resolved reference: the bundle's snapshot name, or the status reason and message of the failure. */
    record Result(String bundle, String reason, String message) {
        boolean ok() {
            return reason == null;
        }
    }

    /**
     * Resolves one reference.
     *
     * @param fromKind the referring kind, for ReferenceGrant checks across namespaces
     * @param fromNamespace the referring object's namespace
     * @param invalidKindReason the reason when the reference names a kind other than ConfigMap or Secret
     */
    Result resolve(
            String group,
            String kind,
            String namespace,
            String name,
            String fromKind,
            String fromNamespace,
            String invalidKindReason) {
        String g = Objects2.group(group);
        String display = namespace + "/" + name;
        if (!g.isEmpty() || !(kind.equals("ConfigMap") || kind.equals("Secret"))) {
            return new Result(
                    null,
                    invalidKindReason,
                    "CA certificate reference " + display + " has unsupported kind " + (g.isEmpty() ? "" : g + "/")
                            + kind + "; ConfigMap and Secret are supported");
        }
        if (!namespace.equals(fromNamespace)
                && !index.permits(Reasons.GATEWAY_GROUP, fromKind, fromNamespace, "", kind, namespace, name)) {
            return new Result(
                    null,
                    Reasons.REF_NOT_PERMITTED,
                    "CA certificate reference to " + kind + " " + display
                            + " is not permitted by any ReferenceGrant in namespace " + namespace);
        }
        String pem;
        if (kind.equals("ConfigMap")) {
            ConfigMap cm = index.configMap(namespace, name);
            if (cm == null) {
                return new Result(null, Reasons.INVALID_CA_CERTIFICATE_REF, "ConfigMap " + display + " not found");
            }
            pem = cm.getData() == null ? null : cm.getData().get(CA_KEY);
        } else {
            Secret secret = index.secret(namespace, name);
            if (secret == null) {
                return new Result(null, Reasons.INVALID_CA_CERTIFICATE_REF, "Secret " + display + " not found");
            }
            pem = TlsMaterial.secretValue(secret, CA_KEY);
        }
        String problem = TlsMaterial.caBundleProblem(pem);
        if (problem != null) {
            return new Result(null, Reasons.INVALID_CA_CERTIFICATE_REF, kind + " " + display + " " + problem);
        }
        String bundle = kind.toLowerCase(Locale.ROOT) + ":" + display;
        bundles.putIfAbsent(bundle, new CaBundle(bundle, pem));
        return new Result(bundle, null, null);
    }

    /** The bundle of that snapshot name; it was resolved before. */
    CaBundle bundle(String name) {
        return bundles.get(name);
    }
}
