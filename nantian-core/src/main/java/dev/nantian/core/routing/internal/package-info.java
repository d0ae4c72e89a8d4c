/**
 * Allocation-free lookup tables behind the compiled matchers of {@code dev.nantian.core.routing}; not API, may change
 * at any time.
 */
package dev.nantian.core.routing.internal;
