/** JMH benchmarks of the data plane's hot paths; run them from {@code target/benchmarks.jar}. */
package dev.nantian.jmh;
