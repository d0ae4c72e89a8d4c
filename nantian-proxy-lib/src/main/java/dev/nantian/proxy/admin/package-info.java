/**
 * The data-plane admin API: {@link dev.nantian.proxy.admin.ProxyAdmin} adds the proxy's paths (config version,
 * redacted config, backend health, Prometheus metrics, readiness) to a core
 * {@link dev.nantian.core.admin.AdminServer}.
 */
package dev.nantian.proxy.admin;
