package dev.nantian.controller;

import dev.nantian.core.ConfigValidationException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code nantian-controller} command line.
 *
 * <pre>
 * java -jar nantian-controller.jar --config FILE
 * </pre>
 *
 * <p>Exit codes: 0 after a clean shutdown or {@code --help}, 2 for bad arguments or a bad config file (every problem
 * is printed, each with the path of its key), 1 when the controller cannot start (a port is taken, TLS files are
 * unusable).
 */
public final class ControllerMain {
    static final String USAGE = String.join(
            "\n",
            "Usage: nantian-controller --config FILE",
            "",
            "Serves a directory of Gateway API YAML to nantian-proxy data planes over xDS (ADS/gRPC).",
            "",
            "Options:",
            "  --config FILE   the controller config (YAML), e.g.",
            "                    xdsAddr: \"0.0.0.0:18000\"",
            "                    adminAddr: \"127.0.0.1:8081\"",
            "                    source: {directory: /etc/nantian/config}",
            "                    reconcilerRunner: {settleDelay: 300ms}",
            "                    translatorLimits: {maxInputObjects: 50000}",
            "                    controllerName: gateway.networking.k8s.io/nantian-gw",
            "                    gatewayAddresses: 10.0.7.0/24",
            "                    adminAuth: {bearerTokenFile: /etc/nantian/admin-token}",
            "                    grpcTLS: {enabled: true, certPath: tls.crt, keyPath: tls.key,",
            "                              clientCAPath: ca.crt, requireClientCert: true}",
            "  -h, --help      this help",
            "");

    private ControllerMain() {}

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code. Serving returns only when the JVM shuts down. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        ControllerConfig config;
        try {
            Path file = parseArgs(args);
            if (file == null) {
                out.print(USAGE);
                return 0;
            }
            config = ControllerConfig.load(file);
        } catch (IllegalArgumentException e) {
            err.println("nantian-controller: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        } catch (ConfigValidationException e) {
            err.println("nantian-controller: invalid config:");
            e.errors().forEach(m -> err.println("  " + m));
            return 2;
        }
        ControlPlane controller = ControlPlane.builder(config).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            controller.close();
                            stopped.countDown();
                        },
                        "nantian-controller-shutdown"));
        try {
            controller.start();
        } catch (RuntimeException e) {
            err.println("nantian-controller: " + e.getMessage());
            controller.close();
            return 1;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The config file, or {@code null} for {@code --help}. */
    static Path parseArgs(String[] args) {
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h":
                case "--help":
                    return null;
                case "--config":
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("--config needs a value");
                    }
                    config = Path.of(args[++i]);
                    break;
                default:
                    if (args[i].startsWith("--config=")) {
                        config = Path.of(args[i].substring("--config=".length()));
                        break;
                    }
                    throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (config == null) {
            throw new IllegalArgumentException("--config is required");
        }
        return config;
    }
}
