package dev.nantian.core.filter;

/**
 * Creates {@link HttpFilter}s of one kind. The data plane parses each route's configuration for the kind once per
 * config snapshot, off the event loop, with {@link #parseConfig}; per exchange it calls {@link #create} with the
 * parsed value on the event loop. Register factories with {@link FilterRegistry.Builder#register}.
 *
 * <pre>{@code
 * final class AddHeaderFactory implements HttpFilterFactory<AddHeaderConfig> {
 *     public String kind() { return "example.com/AddHeader"; }
 *     public AddHeaderConfig parseConfig(Object raw) { return AddHeaderConfig.parse(raw); }
 *     public HttpFilter create(AddHeaderConfig config) { return new AddHeaderFilter(config); }
 * }
 * }</pre>
 *
 * @param <C> the parsed, immutable per-route configuration
 */
public interface HttpFilterFactory<C> {

    /**
     * The kind this factory serves. Extension filters use {@code group/Kind} of the object a route's
     * {@code ExtensionRef} points at, e.g. {@code gateway.nantian.dev/WasmPlugin}.
     */
    String kind();

    /**
     * Validates and converts a route's raw configuration; called once per config snapshot, off the event loop. For
     * extension kinds {@code rawConfig} is the object's spec as a JSON-shaped tree ({@code Map<String, ?>},
     * {@code List<?>}, {@code String}, {@code Number}, {@code Boolean}); built-in kinds may receive a typed model
     * record. Report every problem at once.
     *
     * @throws dev.nantian.core.ConfigValidationException if the configuration is invalid
     */
    C parseConfig(Object rawConfig);

    /**
     * Creates the filter for one exchange; called on the event loop, so keep it cheap. A filter without per-exchange
     * state may return the same instance every time.
     */
    HttpFilter create(C config);
}
