package dev.nantian.proxy.internal;

import dev.nantian.core.model.Endpoint;

/**
 * One endpoint of a compiled cluster: its pool key, its model and its shared health state.
 *
 * @param key what connections to it are pooled by
 * @param endpoint the model (weight, zone, name)
 * @param health the state shared with other configs' copies of the same endpoint
 */
record UpstreamHost(EndpointKey key, Endpoint endpoint, HostHealth health) {
    int weight() {
        return endpoint.weight();
    }

    String authority() {
        return health.authority;
    }
}
