/**
 * Runs a {@link dev.nantian.core.filter.FilterChain} in memory, without sockets, for tests of filters in any module:
 * feed a request, answer with a fake upstream, and inspect what the client and the upstream saw. Small on purpose;
 * it ships in the main artifact only because other modules' tests use it.
 */
package dev.nantian.core.filter.testing;
