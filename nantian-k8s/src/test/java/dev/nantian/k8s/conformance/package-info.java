/** Status checks of the upstream Gateway API conformance vectors, run against the translator. */
package dev.nantian.k8s.conformance;
