/** Implementation of the sources: kind registry and manifest validation. Internal: may change at any time. */
package dev.nantian.k8s.source.internal;
