/**
 * JMH benchmarks of the gateway's hot paths (route lookup, Gateway API translation, the AI filters' PII scan, codecs
 * and token estimates); run them from {@code target/benchmarks.jar}, never during the build.
 */
package dev.nantian.jmh;
