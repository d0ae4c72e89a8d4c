package dev.nantian.xds.client;

import dev.nantian.core.model.ConfigSnapshot;

/**
 * Receives each complete, decoded and validated config from an {@link XdsClient}, and decides whether the data plane
 * takes it.
 *
 * <p>Runs on the client's executor, one call at a time, never concurrently with itself. It should build whatever the
 * data plane serves from (compiled routers, pools) and swap it in, or throw. While it runs, the client handles no
 * other xDS traffic, so slow work here delays the next update, not correctness.
 */
@FunctionalInterface
public interface ConfigListener {
    /**
     * Applies {@code snapshot}. Return normally to accept it: the client then ACKs it. Throw to reject it: the client
     * NACKs it with the exception's message as {@code error_detail} (every error of a {@link
     * dev.nantian.core.ConfigValidationException}) and keeps {@link XdsClient#config()} at the previous config.
     */
    void onConfig(ConfigSnapshot snapshot) throws Exception;
}
