package dev.nantian.proxy.internal;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicReference;

/**
 * What every connection of one proxy shares: its settings, the current config, the upstream pools and telemetry.
 * One per proxy, never static, so that two proxies in one JVM stay apart.
 */
public final class ProxyContext {
    private final ProxySettings settings;
    private final AtomicReference<CompiledConfig> config;
    private final UpstreamPools pools;
    private final Telemetry telemetry;

    public ProxyContext(ProxySettings settings, AtomicReference<CompiledConfig> config, UpstreamPools pools) {
        this(settings, config, pools, Telemetry.none());
    }

    public ProxyContext(
            ProxySettings settings, AtomicReference<CompiledConfig> config, UpstreamPools pools, Telemetry telemetry) {
        this.settings = requireNonNull(settings, "settings");
        this.config = requireNonNull(config, "config");
        this.pools = requireNonNull(pools, "pools");
        this.telemetry = requireNonNull(telemetry, "telemetry");
    }

    /** The settings. */
    public ProxySettings settings() {
        return settings;
    }

    /** The config new requests start on; a request keeps the one it started with. */
    public CompiledConfig config() {
        return config.get();
    }

    /** The upstream pools. */
    public UpstreamPools pools() {
        return pools;
    }

    /** The access log and meters. */
    public Telemetry telemetry() {
        return telemetry;
    }
}
