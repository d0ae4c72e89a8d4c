/**
 * Sources of Gateway API objects without a cluster: {@link dev.nantian.k8s.source.YamlDirectoryLoader} reads a
 * directory of YAML manifests into a {@link dev.nantian.k8s.translate.ResourceSet}.
 */
package dev.nantian.k8s.source;
