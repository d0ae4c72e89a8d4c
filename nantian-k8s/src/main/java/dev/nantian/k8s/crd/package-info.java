/**
 * Model classes of Nantian's own custom resources (group {@code gateway.nantian.dev}, version {@code v1alpha1}):
 * {@link dev.nantian.k8s.crd.AIService}, {@link dev.nantian.k8s.crd.TokenPolicy},
 * {@link dev.nantian.k8s.crd.WasmPlugin} and {@link dev.nantian.k8s.crd.BackendLBPolicy}; plus
 * {@link dev.nantian.k8s.crd.GatewayBackendLBPolicy}, Gateway API's experimental kind that fabric8 has no class for.
 * Their specs are kept as JSON-shaped trees: the translator checks what it needs and passes the rest, unchanged, to
 * the extension that owns the kind.
 */
package dev.nantian.k8s.crd;
