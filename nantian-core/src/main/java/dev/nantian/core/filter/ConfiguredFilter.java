package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

/**
 * A factory paired with one route's parsed configuration: the unit a {@link FilterChain} is built from.
 *
 * @param factory the factory
 * @param config its parsed configuration
 * @param <C> the configuration type
 */
public record ConfiguredFilter<C>(HttpFilterFactory<C> factory, C config) {
    public ConfiguredFilter {
        requireNonNull(factory, "factory");
        requireNonNull(config, "config");
    }

    /** The factory's kind. */
    public String kind() {
        return factory.kind();
    }

    /** A filter for one exchange. */
    public HttpFilter newFilter() {
        return requireNonNull(factory.create(config), () -> factory.kind() + " factory returned null");
    }
}
