/**
 * Internals of the conformance runner: vector model, manifest reading, certificate generation, echo pods, the
 * HTTP probe client and the judges. May change at any time; use {@link dev.nantian.testing.conformance} instead.
 */
package dev.nantian.testing.conformance.internal;
