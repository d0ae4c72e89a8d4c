package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.filter.internal.DefaultFilterExchange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The filters of one route, in order, compiled once per config snapshot and shared by all exchanges on the route.
 * Request callbacks run in this order, response callbacks in reverse, like an onion: the first filter sees the
 * request first and the response last.
 *
 * <pre>{@code
 * FilterChain chain = FilterChain.builder(RouteInfo.of("default/chat/rule/0", Map.of()))
 *         .add(registry.configure("gateway.nantian.dev/AIService", aiSpec))
 *         .maxBufferBytes(4 << 20)
 *         .build();
 * FilterExchange exchange = chain.newExchange(host, connectionInfo); // per request, on the event loop
 * }</pre>
 */
public final class FilterChain {
    private final RouteInfo route;
    private final List<ConfiguredFilter<?>> filters;
    private final ConfiguredFilter<?>[] filterArray;
    private final int maxBufferBytes;
    private final Duration asyncTimeout;

    private FilterChain(Builder builder) {
        this.route = builder.route;
        this.filters = List.copyOf(builder.filters);
        this.filterArray = filters.toArray(new ConfiguredFilter<?>[0]);
        this.maxBufferBytes = builder.maxBufferBytes;
        this.asyncTimeout = builder.asyncTimeout;
    }

    /** Starts a chain for {@code route}. */
    public static Builder builder(RouteInfo route) {
        return new Builder(route);
    }

    /** The route this chain belongs to. */
    public RouteInfo route() {
        return route;
    }

    /** The filters in request order. */
    public List<ConfiguredFilter<?>> filters() {
        return filters;
    }

    /** The default limit of {@link FilterAction#bufferBody()}. */
    public int maxBufferBytes() {
        return maxBufferBytes;
    }

    /** The default timeout of {@link FilterAction#await}. */
    public Duration asyncTimeout() {
        return asyncTimeout;
    }

    /**
     * Starts an exchange: creates one filter per {@link ConfiguredFilter}. Call on the event loop when the request
     * head arrives, then feed it with {@link FilterExchange#onRequestHead}.
     */
    public FilterExchange newExchange(ExchangeHost host, ConnectionInfo connection) {
        return new DefaultFilterExchange(host, connection, route, filterArray, maxBufferBytes, asyncTimeout);
    }

    @Override
    public String toString() {
        StringBuilder kinds = new StringBuilder();
        for (ConfiguredFilter<?> f : filters) {
            kinds.append(kinds.length() == 0 ? "" : ", ").append(f.kind());
        }
        return "FilterChain(" + route.name() + ": " + kinds + ")";
    }

    /** Builds a {@link FilterChain}. */
    public static final class Builder {
        /** 1 MiB, as Envoy's default buffer limit: enough for JSON APIs, small enough to bound memory per request. */
        public static final int DEFAULT_MAX_BUFFER_BYTES = 1 << 20;

        /** Default bound on a filter's async work. */
        public static final Duration DEFAULT_ASYNC_TIMEOUT = Duration.ofSeconds(30);

        private final RouteInfo route;
        private final List<ConfiguredFilter<?>> filters = new ArrayList<>();
        private int maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES;
        private Duration asyncTimeout = DEFAULT_ASYNC_TIMEOUT;

        private Builder(RouteInfo route) {
            this.route = requireNonNull(route, "route");
        }

        /** Appends a filter. */
        public Builder add(ConfiguredFilter<?> filter) {
            filters.add(requireNonNull(filter, "filter"));
            return this;
        }

        /** Appends a filter from a factory and its already parsed configuration. */
        public <C> Builder add(HttpFilterFactory<C> factory, C config) {
            return add(new ConfiguredFilter<>(factory, config));
        }

        /** The limit of {@link FilterAction#bufferBody()} in bytes. */
        public Builder maxBufferBytes(int maxBufferBytes) {
            if (maxBufferBytes < 0) {
                throw new IllegalArgumentException("maxBufferBytes must not be negative: " + maxBufferBytes);
            }
            this.maxBufferBytes = maxBufferBytes;
            return this;
        }

        /** The default timeout of {@link FilterAction#await}. */
        public Builder asyncTimeout(Duration asyncTimeout) {
            requireNonNull(asyncTimeout, "asyncTimeout");
            if (asyncTimeout.isNegative() || asyncTimeout.isZero()) {
                throw new IllegalArgumentException("asyncTimeout must be positive: " + asyncTimeout);
            }
            this.asyncTimeout = asyncTimeout;
            return this;
        }

        public FilterChain build() {
            return new FilterChain(this);
        }
    }
}
