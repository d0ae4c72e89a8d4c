/**
 * The names of the Micrometer meters the proxy registers when it is given a
 * {@link io.micrometer.core.instrument.MeterRegistry}; see {@link dev.nantian.proxy.metrics.ProxyMetrics}.
 */
package dev.nantian.proxy.metrics;
