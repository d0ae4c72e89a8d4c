/**
 * The Gateway API translator: a pure function from Kubernetes objects ({@link dev.nantian.k8s.translate.ResourceSet})
 * to the route model and the status of every object ({@link dev.nantian.k8s.translate.TranslationResult}). Start at
 * {@link dev.nantian.k8s.translate.GatewayTranslator}.
 */
package dev.nantian.k8s.translate;
