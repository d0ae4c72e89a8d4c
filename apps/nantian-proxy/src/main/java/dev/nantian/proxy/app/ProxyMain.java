package dev.nantian.proxy.app;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.proxy.NettyDefaults;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The {@code nantian-proxy} command line.
 *
 * <pre>
 * java -jar nantian-proxy.jar --config FILE
 * </pre>
 *
 * <p>Exit codes: 0 after a clean shutdown or {@code --help}, 2 for bad arguments or a bad config file (every problem
 * is printed, each with the path of its key), 1 when the proxy cannot start. An unreachable control plane is not a
 * startup failure: the proxy keeps trying and {@code /readyz} stays 503 until the first config arrives.
 */
public final class ProxyMain {
    static final String USAGE = String.join(
            "\n",
            "Usage: nantian-proxy --config FILE",
            "",
            "Runs a Nantian data plane configured by a control plane (nantian-controller) over xDS.",
            "",
            "Options:",
            "  --config FILE   the proxy config (YAML), e.g.",
            "                    xds: {address: \"nantian-controller:18000\", nodeId: proxy-1}",
            "                    xdsTls: {enabled: true, caPath: ca.crt, certPath: tls.crt, keyPath: tls.key,",
            "                             domainName: nantian-controller}",
            "                    access: {enabled: true, mode: json, sampleRate: 0.5}",
            "                    adminAddr: \"127.0.0.1:8082\"",
            "                    adminAuth: {bearerTokenFile: /etc/nantian/admin-token}",
            "  -h, --help      this help",
            "");

    private ProxyMain() {}

    public static void main(String[] args) {
        NettyDefaults.applyLeakDetectionDefault();
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code. Serving returns only when the JVM shuts down. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        ProxyConfig config;
        try {
            Path file = parseArgs(args);
            if (file == null) {
                out.print(USAGE);
                return 0;
            }
            config = ProxyConfig.load(file);
        } catch (IllegalArgumentException e) {
            err.println("nantian-proxy: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        } catch (ConfigValidationException e) {
            err.println("nantian-proxy: invalid config:");
            e.errors().forEach(m -> err.println("  " + m));
            return 2;
        }
        DataPlane dataPlane;
        try {
            dataPlane = DataPlane.builder(config).build();
        } catch (RuntimeException e) {
            err.println("nantian-proxy: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            dataPlane.close();
                            stopped.countDown();
                        },
                        "nantian-proxy-shutdown"));
        try {
            dataPlane.start();
        } catch (RuntimeException e) {
            err.println("nantian-proxy: " + e.getMessage());
            dataPlane.close();
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
