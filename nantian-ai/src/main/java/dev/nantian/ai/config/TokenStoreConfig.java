package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** Where a TokenPolicy keeps its counters ({@code store: {memory: {}}} or {@code {redis: {address: ...}}}). */
public sealed interface TokenStoreConfig {

    /** Counters in this process: exact for one replica, per replica for several. */
    record Memory() implements TokenStoreConfig {}

    /**
     * Counters in Redis, shared by all replicas, updated by atomic Lua scripts.
     *
     * @param host the Redis host
     * @param port the Redis port
     * @param failMode what to do when Redis does not answer ({@code failMode: open|closed}, default open)
     * @param timeout how long one Redis call may take ({@code timeout}, default 250ms)
     */
    record Redis(String host, int port, FailMode failMode, Duration timeout) implements TokenStoreConfig {
        public Redis {
            requireNonNull(host, "host");
            requireNonNull(failMode, "failMode");
            requireNonNull(timeout, "timeout");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }
    }
}
