/**
 * Model classes of Nantian's own custom resources (group {@code gateway.nantian.dev}, version {@code v1alpha1}):
 * {@link dev.nantian.k8s.crd.AIService}, {@link dev.nantian.k8s.crd.TokenPolicy} and
 * {@link dev.nantian.k8s.crd.WasmPlugin}. Their specs are kept as JSON-shaped trees: the translator checks what it
 * needs and passes the rest, unchanged, to the extension that owns the kind.
 */
package dev.nantian.k8s.crd;
