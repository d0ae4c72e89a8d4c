package dev.nantian.k8s.translate;

import static java.util.Objects.requireNonNull;

import dev.nantian.k8s.translate.internal.Translation;
import dev.nantian.k8s.translate.internal.TranslationOutput;
import java.time.Clock;
import java.util.List;

/**
 * Translates Gateway API objects into the route model and computes their status: a pure function of its input
 * (and the clock, which only stamps {@code lastTransitionTime}), safe to run on every change and from several
 * threads at once.
 *
 * <pre>{@code
 * GatewayTranslator translator = GatewayTranslator.builder()
 *         .addressAllocator(AddressAllocator.loopbackPool())
 *         .maxInputObjects(20_000)
 *         .build();
 * TranslationResult result = translator.translate(resources);
 * result.snapshot().ifPresent(proxy::apply);
 * result.gatewayStatuses().forEach(statusWriter::write);
 * }</pre>
 *
 * <p>What it implements: GatewayClass acceptance for {@link #controllerName()}; Gateway and per-listener conditions
 * (HTTP, HTTPS, TLS in Terminate and Passthrough mode, also mixed on one port, TCP and UDP listeners; route kinds;
 * certificate references with ReferenceGrants; frontend client-certificate validation; the backend client
 * certificate; conflicts; addresses); ListenerSets attached through {@code allowedListeners}, whose listeners rank
 * after the Gateway's; route attachment by parentRef (Gateway or ListenerSet) {@code sectionName} and {@code port},
 * {@code allowedRoutes} namespaces and kinds and hostname intersection; HTTPRoute, GRPCRoute, TLSRoute, TCPRoute and
 * UDPRoute rules with backends resolved to Services, EndpointSlices and, without a cluster, literal
 * {@code clusterIP} or {@code ExternalName}; BackendTLSPolicies (TLS to the Service ports they target); and our
 * {@code AIService}, {@code TokenPolicy} and {@code WasmPlugin} kinds as extension config of the snapshot, with an
 * AIService usable as an HTTPRoute backend.
 */
public final class GatewayTranslator {
    /** The controller name of Nantian Gateway in GatewayClass {@code spec.controllerName}. */
    public static final String DEFAULT_CONTROLLER_NAME = "gateway.networking.k8s.io/nantian-gw";

    /** The default for {@link Builder#maxInputObjects}. */
    public static final int DEFAULT_MAX_INPUT_OBJECTS = 50_000;

    private final String controllerName;
    private final AddressAllocator addressAllocator;
    private final int maxInputObjects;
    private final Clock clock;

    private GatewayTranslator(Builder b) {
        this.controllerName = b.controllerName;
        this.addressAllocator = b.addressAllocator;
        this.maxInputObjects = b.maxInputObjects;
        this.clock = b.clock;
    }

    /** Starts a builder with the defaults: our controller name, address {@code 0.0.0.0}, 50,000 objects, UTC. */
    public static Builder builder() {
        return new Builder();
    }

    /** The GatewayClass controller name this translator acts for. */
    public String controllerName() {
        return controllerName;
    }

    /**
     * Translates one complete input. Never throws for bad objects: they are reported in their status. Fails as a
     * whole, with an empty snapshot and a message, only for an input over {@link Builder#maxInputObjects}, which is
     * checked before any work so that an oversized input costs nothing more.
     */
    public TranslationResult translate(ResourceSet input) {
        requireNonNull(input, "input");
        int size = input.size();
        if (size > maxInputObjects) {
            return new TranslationResult(TranslationOutput.failed(List.of("input has " + size
                    + " objects, more than translatorLimits.maxInputObjects (" + maxInputObjects
                    + "); nothing was translated and the previous configuration stays in force")));
        }
        return new TranslationResult(Translation.run(input, controllerName, addressAllocator, clock.instant()));
    }

    /** Builds {@link GatewayTranslator}s. */
    public static final class Builder {
        private String controllerName = DEFAULT_CONTROLLER_NAME;
        private AddressAllocator addressAllocator = AddressAllocator.fixed("0.0.0.0");
        private int maxInputObjects = DEFAULT_MAX_INPUT_OBJECTS;
        private Clock clock = Clock.systemUTC();

        private Builder() {}

        /** The GatewayClass {@code spec.controllerName} to act for. */
        public Builder controllerName(String controllerName) {
            requireNonNull(controllerName, "controllerName");
            if (controllerName.isEmpty()) {
                throw new IllegalArgumentException("controllerName must not be empty");
            }
            this.controllerName = controllerName;
            return this;
        }

        /** How Gateways get their addresses; {@code AddressAllocator.fixed("0.0.0.0")} by default. */
        public Builder addressAllocator(AddressAllocator addressAllocator) {
            this.addressAllocator = requireNonNull(addressAllocator, "addressAllocator");
            return this;
        }

        /** The most objects one input may hold ({@code translatorLimits.maxInputObjects}). */
        public Builder maxInputObjects(int maxInputObjects) {
            if (maxInputObjects <= 0) {
                throw new IllegalArgumentException("maxInputObjects must be > 0, got " + maxInputObjects);
            }
            this.maxInputObjects = maxInputObjects;
            return this;
        }

        /** The clock that stamps condition transition times. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        public GatewayTranslator build() {
            return new GatewayTranslator(this);
        }
    }
}
