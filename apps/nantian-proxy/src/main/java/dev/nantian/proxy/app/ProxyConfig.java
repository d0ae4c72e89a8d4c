package dev.nantian.proxy.app;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;

/**
 * The proxy's config file (DESIGN.md section 5), parsed and checked once at startup.
 *
 * <pre>
 * xds:
 *   address: "nantian-controller:18000"   # required: the control plane's xDS address
 *   nodeId: proxy-eu-1                    # required: the node id the control plane picks snapshots by
 *   delta: false                          # incremental (delta) ADS instead of state-of-the-world
 * xdsTls:
 *   enabled: true
 *   caPath: /etc/nantian/tls/ca.crt
 *   certPath: /etc/nantian/tls/tls.crt    # with keyPath: mutual TLS
 *   keyPath: /etc/nantian/tls/tls.key
 *   domainName: nantian-controller.nantian-system.svc
 * access:                                 # the access log; see AccessLogSettings
 *   enabled: true
 *   path: /var/log/nantian/access.log     # standard output when absent
 *   mode: json                            # or text
 *   format: "%CLIENT_IP% %STATUS% %LATENCY_MS%"
 *   sampleRate: 0.5
 * adminAddr: "127.0.0.1:8082"
 * adminAuth:
 *   bearerToken: s3cret                   # or bearerTokenFile
 * </pre>
 *
 * <p>Unknown keys are rejected with their path.
 *
 * @param xdsAddress the control plane's {@code HOST:PORT}
 * @param nodeId this data plane's xDS node id
 * @param xdsIncremental whether to speak incremental (delta) ADS ({@code xds.delta}); state-of-the-world by default
 * @param xdsTls TLS to the control plane
 * @param access the access log
 * @param adminAddr where the admin API listens
 * @param adminAuth admin API authentication
 */
public record ProxyConfig(
        String xdsAddress,
        String nodeId,
        boolean xdsIncremental,
        XdsTls xdsTls,
        AccessLogSettings access,
        InetSocketAddress adminAddr,
        AdminAuth adminAuth) {

    /** {@code adminAddr} when not set. */
    public static final InetSocketAddress DEFAULT_ADMIN_ADDR = new InetSocketAddress("127.0.0.1", 8082);

    public ProxyConfig {
        requireNonNull(xdsAddress, "xdsAddress");
        requireNonNull(nodeId, "nodeId");
        requireNonNull(xdsTls, "xdsTls");
        requireNonNull(access, "access");
        requireNonNull(adminAddr, "adminAddr");
        requireNonNull(adminAuth, "adminAuth");
    }

    /**
     * Reads and checks a config file.
     *
     * @throws ConfigValidationException listing every problem, each with the path of its key
     */
    public static ProxyConfig load(Path file) {
        return from(ConfigNode.read(file));
    }

    /** Like {@link #load}, from YAML text. */
    public static ProxyConfig parse(String yaml) {
        return from(ConfigNode.parse(yaml));
    }

    private static ProxyConfig from(ConfigNode root) {
        ConfigNode xds = root.child("xds");
        if (!root.has("xds")) {
            root.error("xds", "required, e.g. {address: \"controller:18000\", nodeId: proxy-1}");
        }
        String address = xds.target("address").orElse("");
        String nodeId = xds.string("nodeId").orElse("");
        boolean incremental = xds.bool("delta", false);
        if (root.has("xds")) {
            if (!xds.has("address")) {
                xds.error("address", "required, e.g. \"controller:18000\"");
            }
            if (!xds.has("nodeId")) {
                xds.error("nodeId", "required");
            }
        }
        XdsTls tls = XdsTls.from(root.child("xdsTls"));
        AccessLogSettings access = AccessLogSettings.builder().build();
        try {
            // An absent block means the product defaults (enabled, standard output, sample rate 0.5).
            access = AccessLogSettings.fromConfig(root.rawMap("access").orElse(Map.of()));
        } catch (ConfigValidationException e) {
            // AccessLogSettings names its keys ("access.sampleRate ...") already.
            e.errors().forEach(root::rawError);
        }
        InetSocketAddress admin = root.address("adminAddr").orElse(DEFAULT_ADMIN_ADDR);
        AdminAuth auth = AdminAuth.from(root.child("adminAuth"));
        root.notSupportedYet("adminTLS", "");
        root.finish();
        return new ProxyConfig(address, nodeId, incremental, tls, access, admin, auth);
    }
}
