package dev.nantian.controller;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.k8s.translate.GatewayTranslator;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The controller's config file (DESIGN.md section 5), parsed and checked once at startup.
 *
 * <pre>
 * xdsAddr: "0.0.0.0:18000"          # required: the xDS (ADS/gRPC) listen address
 * adminAddr: "127.0.0.1:8081"       # admin API
 * source:
 *   directory: /etc/nantian/config  # Gateway API YAML, watched; "kubernetes" is not supported yet
 * reconcilerRunner:
 *   settleDelay: 300ms              # quiet time after an edit before reconciling
 * translatorLimits:
 *   maxInputObjects: 50000
 * controllerName: gateway.networking.k8s.io/nantian-gw
 * gatewayAddresses: 10.0.7.0/24     # optional: one address per Gateway from this IPv4 block
 * adminAuth:
 *   bearerTokenFile: /etc/nantian/admin-token   # or bearerToken
 * grpcTLS:
 *   enabled: true
 *   certPath: /etc/nantian/tls/tls.crt
 *   keyPath: /etc/nantian/tls/tls.key
 *   clientCAPath: /etc/nantian/tls/ca.crt
 *   requireClientCert: true
 * </pre>
 *
 * <p>Unknown keys are rejected with their path, so a typo never silently falls back to a default.
 *
 * @param xdsAddr where the xDS gRPC server listens
 * @param adminAddr where the admin API listens
 * @param sourceDirectory the watched directory of Gateway API YAML
 * @param settleDelay how long the directory must be quiet before a reconcile
 * @param maxInputObjects the most objects one translation takes
 * @param controllerName the GatewayClass {@code spec.controllerName} served
 * @param gatewayAddresses an IPv4 block to give each Gateway its own address from; every Gateway binds
 *     {@code 0.0.0.0} without it
 * @param adminAuth admin API authentication
 * @param grpcTls TLS on the xDS port
 */
public record ControllerConfig(
        InetSocketAddress xdsAddr,
        InetSocketAddress adminAddr,
        Path sourceDirectory,
        Duration settleDelay,
        int maxInputObjects,
        String controllerName,
        Optional<String> gatewayAddresses,
        AdminAuth adminAuth,
        GrpcTls grpcTls) {

    /** {@code adminAddr} when not set. */
    public static final InetSocketAddress DEFAULT_ADMIN_ADDR = new InetSocketAddress("127.0.0.1", 8081);

    /** {@code reconcilerRunner.settleDelay} when not set. */
    public static final Duration DEFAULT_SETTLE_DELAY = Duration.ofMillis(300);

    public ControllerConfig {
        requireNonNull(xdsAddr, "xdsAddr");
        requireNonNull(adminAddr, "adminAddr");
        requireNonNull(sourceDirectory, "sourceDirectory");
        requireNonNull(settleDelay, "settleDelay");
        requireNonNull(controllerName, "controllerName");
        requireNonNull(gatewayAddresses, "gatewayAddresses");
        requireNonNull(adminAuth, "adminAuth");
        requireNonNull(grpcTls, "grpcTls");
        if (maxInputObjects < 1) {
            throw new IllegalArgumentException("maxInputObjects must be >= 1");
        }
    }

    /** A config with every default, serving {@code directory} on {@code xdsAddr}. */
    public static ControllerConfig of(InetSocketAddress xdsAddr, Path directory) {
        return new ControllerConfig(
                xdsAddr,
                DEFAULT_ADMIN_ADDR,
                directory,
                DEFAULT_SETTLE_DELAY,
                GatewayTranslator.DEFAULT_MAX_INPUT_OBJECTS,
                GatewayTranslator.DEFAULT_CONTROLLER_NAME,
                Optional.empty(),
                AdminAuth.NONE,
                GrpcTls.DISABLED);
    }

    /**
     * Reads and checks a config file.
     *
     * @throws ConfigValidationException listing every problem, each with the path of its key
     */
    public static ControllerConfig load(Path file) {
        return from(ConfigNode.read(file));
    }

    /** Like {@link #load}, from YAML text. */
    public static ControllerConfig parse(String yaml) {
        return from(ConfigNode.parse(yaml));
    }

    private static ControllerConfig from(ConfigNode root) {
        Optional<InetSocketAddress> xds = root.address("xdsAddr");
        if (!root.has("xdsAddr")) {
            root.error("xdsAddr", "required, e.g. \"0.0.0.0:18000\"");
        }
        InetSocketAddress admin = root.address("adminAddr").orElse(DEFAULT_ADMIN_ADDR);

        ConfigNode source = root.child("source");
        source.notSupportedYet("kubernetes", "use source.directory");
        Optional<String> dir = source.string("directory");
        if (!root.has("source")) {
            root.error("source", "required, e.g. {directory: /etc/nantian/config}");
        } else if (dir.isEmpty() && !source.has("directory")) {
            source.error("directory", "required");
        } else if (dir.isPresent() && !Files.isDirectory(Path.of(dir.get()))) {
            source.error("directory", "not a directory: " + dir.get());
        }

        Duration settle = root.child("reconcilerRunner").duration("settleDelay", DEFAULT_SETTLE_DELAY);
        int maxObjects = root.child("translatorLimits")
                .integer("maxInputObjects", GatewayTranslator.DEFAULT_MAX_INPUT_OBJECTS, 1);
        String controllerName = root.string("controllerName", GatewayTranslator.DEFAULT_CONTROLLER_NAME);
        Optional<String> addresses = root.string("gatewayAddresses");
        if (addresses.isPresent()) {
            try {
                AddressAllocator.ipv4Pool(addresses.get());
            } catch (IllegalArgumentException e) {
                root.error("gatewayAddresses", e.getMessage());
            }
        }
        AdminAuth auth = AdminAuth.from(root.child("adminAuth"));
        GrpcTls tls = GrpcTls.from(root.child("grpcTLS"));
        // Documented in DESIGN.md section 5 but not implemented by this app yet: say so instead of "unknown key".
        root.notSupportedYet("adminTLS", "");
        root.notSupportedYet("leaderElection", "only one controller runs on a directory source");
        root.notSupportedYet("syncPeriod", "the directory source is watched, not polled");
        root.notSupportedYet("nodeDrift", "");
        root.finish();
        return new ControllerConfig(
                xds.orElseThrow(),
                admin,
                Path.of(dir.orElseThrow()),
                settle,
                maxObjects,
                controllerName,
                addresses,
                auth,
                tls);
    }

    /** The address allocator {@link #gatewayAddresses()} describes. */
    AddressAllocator addressAllocator() {
        return gatewayAddresses.map(AddressAllocator::ipv4Pool).orElseGet(() -> AddressAllocator.fixed("0.0.0.0"));
    }
}
