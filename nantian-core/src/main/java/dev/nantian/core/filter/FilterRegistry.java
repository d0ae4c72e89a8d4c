package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The filter kinds a data plane knows, registered explicitly (no classpath scanning): the embedding application, or
 * each module's entry point, registers its factories.
 *
 * <pre>{@code
 * FilterRegistry registry = FilterRegistry.builder()
 *         .register(aiGateway.filterFactory())
 *         .register(wasmHost.filterFactory())
 *         .build();
 * FilterChain chain = FilterChain.builder(route)
 *         .add(registry.configure("gateway.nantian.dev/WasmPlugin", spec))
 *         .build();
 * }</pre>
 *
 * <p>There is deliberately no {@code ServiceLoader} discovery: a registry that changes with the classpath is hard to
 * reason about in a gateway. An application that wants it can feed {@code ServiceLoader.load(HttpFilterFactory.class)}
 * into {@link Builder#register} itself.
 */
public final class FilterRegistry {
    private final Map<String, HttpFilterFactory<?>> factories;

    private FilterRegistry(Map<String, HttpFilterFactory<?>> factories) {
        this.factories = Collections.unmodifiableMap(new LinkedHashMap<>(factories));
    }

    /** Starts an empty registry. */
    public static Builder builder() {
        return new Builder();
    }

    /** The factory for {@code kind}, if registered. */
    public Optional<HttpFilterFactory<?>> factory(String kind) {
        return Optional.ofNullable(factories.get(requireNonNull(kind, "kind")));
    }

    /** The registered kinds, in registration order. */
    public Set<String> kinds() {
        return factories.keySet();
    }

    /**
     * Parses {@code rawConfig} with the factory for {@code kind}; off the event loop, once per snapshot.
     *
     * @throws ConfigValidationException if the kind is unknown or its factory rejects the configuration
     */
    public ConfiguredFilter<?> configure(String kind, Object rawConfig) {
        HttpFilterFactory<?> factory = factories.get(requireNonNull(kind, "kind"));
        if (factory == null) {
            throw new ConfigValidationException(
                    List.of("filter kind " + kind + " is not registered (known: " + factories.keySet() + ")"));
        }
        return configure(factory, requireNonNull(rawConfig, "rawConfig"));
    }

    private static <C> ConfiguredFilter<C> configure(HttpFilterFactory<C> factory, Object rawConfig) {
        C config = factory.parseConfig(rawConfig);
        if (config == null) {
            throw new ConfigValidationException(List.of("filter kind " + factory.kind() + " parsed to null"));
        }
        return new ConfiguredFilter<>(factory, config);
    }

    /** Collects factories; a kind may be registered once. */
    public static final class Builder {
        private final Map<String, HttpFilterFactory<?>> factories = new LinkedHashMap<>();

        private Builder() {}

        /**
         * Registers {@code factory} under its {@link HttpFilterFactory#kind()}.
         *
         * @throws IllegalArgumentException if the kind is already registered
         */
        public Builder register(HttpFilterFactory<?> factory) {
            requireNonNull(factory, "factory");
            String kind = requireNonNull(factory.kind(), "factory.kind()");
            if (factories.putIfAbsent(kind, factory) != null) {
                throw new IllegalArgumentException("filter kind " + kind + " is already registered");
            }
            return this;
        }

        public FilterRegistry build() {
            return new FilterRegistry(factories);
        }
    }
}
