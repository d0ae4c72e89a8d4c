package dev.nantian.gateway;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.k8s.translate.AddressAllocator;
import dev.nantian.proxy.NettyDefaults;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The {@code nantian-gateway} command line.
 *
 * <pre>
 * java -jar nantian-gateway.jar --config-dir DIR [--admin-addr HOST:PORT] [--gateway-addresses CIDR]
 *                               [--settle-delay 300ms]
 * java -jar nantian-gateway.jar status [--admin-addr HOST:PORT] [-o table|json]
 * </pre>
 */
public final class GatewayMain {
    private static final String USAGE = String.join(
            "\n",
            "Usage:",
            "  nantian-gateway --config-dir DIR [options]   serve a directory of Gateway API YAML, reloading on change",
            "  nantian-gateway status [options]             print the status of every object, kubectl-style",
            "",
            "Options:",
            "  --config-dir DIR           the directory of *.yaml/*.yml files (read recursively)",
            "  --admin-addr HOST:PORT     admin API address (default 127.0.0.1:8082)",
            "  --gateway-addresses CIDR   give each Gateway its own address from this IPv4 block, e.g. 127.0.1.0/24",
            "                             (default: every Gateway listens on 0.0.0.0)",
            "  --settle-delay DURATION    quiet time before a reload, e.g. 300ms or 1s (default 300ms)",
            "  --event-loops N            proxy event-loop threads (default: twice the CPUs)",
            "  --access-log -|PATH|off    access log to standard output (default), a file, or none",
            "  --access-log-format FMT    placeholders such as %CLIENT_IP% %STATUS% %LATENCY_MS% %ROUTE% %FIELD(ai.model)%",
            "  --access-log-mode M        text (default) or json",
            "  --access-log-sample-rate R share of requests logged, 0 to 1 (default 0.5)",
            "  -o, --output table|json    status output format (default table)",
            "  -h, --help                 this help",
            "");

    private GatewayMain() {}

    public static void main(String[] args) {
        NettyDefaults.applyLeakDetectionDefault();
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code. The serve command returns only when the JVM shuts down. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("nantian-gateway: " + e.getMessage());
            err.println();
            err.print(USAGE);
            return 2;
        }
        if (options.help) {
            out.print(USAGE);
            return 0;
        }
        if (options.status) {
            return printStatus(options, out, err);
        }
        return serve(options, err);
    }

    private static int serve(Options options, PrintStream err) {
        if (options.configDir == null) {
            err.println("nantian-gateway: --config-dir is required");
            err.print(USAGE);
            return 2;
        }
        if (!Files.isDirectory(options.configDir)) {
            err.println("nantian-gateway: not a directory: " + options.configDir);
            return 2;
        }
        StandaloneGateway gateway = StandaloneGateway.builder(options.configDir)
                .adminAddress(options.adminAddress)
                .addressAllocator(options.addresses)
                .settleDelay(options.settleDelay)
                .proxy(p -> {
                    if (options.eventLoops > 0) {
                        p.eventLoopThreads(options.eventLoops);
                    }
                    p.accessLog(options.accessLog);
                })
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            gateway.close();
                            stopped.countDown();
                        },
                        "nantian-shutdown"));
        try {
            gateway.start();
        } catch (RuntimeException e) {
            err.println("nantian-gateway: " + e.getMessage());
            gateway.close();
            return 1;
        }
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int printStatus(Options options, PrintStream out, PrintStream err) {
        InetSocketAddress a = options.adminAddress;
        URI uri = URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/api/v1/status");
        String body;
        try {
            HttpResponse<String> response = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(5))
                    .build()
                    .send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                err.println("nantian-gateway: " + uri + " answered " + response.statusCode());
                return 1;
            }
            body = response.body();
        } catch (Exception e) {
            err.println("nantian-gateway: cannot reach the admin API at " + uri + ": " + e);
            return 1;
        }
        if (options.json) {
            out.print(body);
            return 0;
        }
        out.print(StatusTable.render(JsonMapper.builder().build().readTree(body)));
        return 0;
    }

    /** Parsed command-line options. */
    static final class Options {
        boolean help;
        boolean status;
        boolean json;
        Path configDir;
        InetSocketAddress adminAddress = new InetSocketAddress("127.0.0.1", 8082);
        AddressAllocator addresses = AddressAllocator.fixed("0.0.0.0");
        Duration settleDelay = Duration.ofMillis(300);
        int eventLoops;
        /** The data plane's {@code access} settings, from the {@code --access-log*} flags; defaults as documented. */
        AccessLogSettings accessLog = AccessLogSettings.builder().build();

        static Options parse(String[] args) {
            Options o = new Options();
            List<String> rest = new ArrayList<>(List.of(args));
            Map<String, Object> access = new LinkedHashMap<>();
            if (!rest.isEmpty() && rest.get(0).equals("status")) {
                o.status = true;
                rest.remove(0);
            }
            for (int i = 0; i < rest.size(); i++) {
                String arg = rest.get(i);
                switch (arg) {
                    case "-h":
                    case "--help":
                        o.help = true;
                        break;
                    case "--config-dir":
                        o.configDir = Path.of(value(rest, ++i, arg));
                        break;
                    case "--admin-addr":
                        o.adminAddress = hostPort(value(rest, ++i, arg));
                        break;
                    case "--gateway-addresses":
                        o.addresses = AddressAllocator.ipv4Pool(value(rest, ++i, arg));
                        break;
                    case "--settle-delay":
                        o.settleDelay = duration(value(rest, ++i, arg));
                        break;
                    case "--event-loops":
                        String n = value(rest, ++i, arg);
                        try {
                            o.eventLoops = Integer.parseInt(n);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("--event-loops needs a whole number: " + n, e);
                        }
                        if (o.eventLoops < 1) {
                            throw new IllegalArgumentException("--event-loops must be at least 1: " + n);
                        }
                        break;
                    case "--access-log":
                        String target = value(rest, ++i, arg);
                        if (target.equals("off")) {
                            access.put("enabled", false);
                        } else {
                            access.put("enabled", true);
                            access.put("path", target.equals("-") ? null : target);
                        }
                        break;
                    case "--access-log-format":
                        access.put("format", value(rest, ++i, arg));
                        break;
                    case "--access-log-mode":
                        access.put("mode", value(rest, ++i, arg));
                        break;
                    case "--access-log-sample-rate":
                        String rate = value(rest, ++i, arg);
                        try {
                            access.put("sampleRate", Double.parseDouble(rate));
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException(
                                    "--access-log-sample-rate needs a number between 0 and 1: " + rate, e);
                        }
                        break;
                    case "-o":
                    case "--output":
                        String format = value(rest, ++i, arg);
                        if (!format.equals("json") && !format.equals("table")) {
                            throw new IllegalArgumentException("output format must be table or json: " + format);
                        }
                        o.json = format.equals("json");
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument " + arg);
                }
            }
            try {
                o.accessLog = AccessLogSettings.fromConfig(access);
            } catch (ConfigValidationException e) {
                throw new IllegalArgumentException(String.join("; ", e.errors()), e);
            }
            return o;
        }

        private static String value(List<String> args, int i, String flag) {
            if (i >= args.size()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            return args.get(i);
        }

        static InetSocketAddress hostPort(String s) {
            int colon = s.lastIndexOf(':');
            if (colon <= 0 || colon == s.length() - 1) {
                throw new IllegalArgumentException("expected HOST:PORT, got " + s);
            }
            String host = s.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid port in " + s, e);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range in " + s);
            }
            return new InetSocketAddress(host, port);
        }

        static Duration duration(String s) {
            try {
                if (s.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
                }
                if (s.endsWith("s")) {
                    return Duration.ofMillis(Math.round(Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid duration " + s, e);
            }
            throw new IllegalArgumentException("duration needs a unit (ms or s): " + s);
        }
    }

    /** Renders the status document as a table. */
    static final class StatusTable {
        private StatusTable() {}

        static String render(JsonNode doc) {
            StringBuilder sb = new StringBuilder();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"KIND", "NAMESPACE", "NAME", "GEN", "CONDITIONS"});
            for (JsonNode r : doc.path("resources")) {
                rows.add(new String[] {
                    r.path("kind").asString(),
                    r.path("namespace").asString(),
                    r.path("name").asString(),
                    r.path("generation").asString(),
                    conditions(r.path("status"))
                });
            }
            int[] width = new int[5];
            for (String[] row : rows) {
                for (int i = 0; i < 4; i++) {
                    width[i] = Math.max(width[i], row[i].length());
                }
            }
            for (String[] row : rows) {
                for (int i = 0; i < 4; i++) {
                    sb.append(row[i]).append(" ".repeat(width[i] - row[i].length() + 3));
                }
                sb.append(row[4]).append('\n');
            }
            sb.append('\n')
                    .append("revision ")
                    .append(doc.path("revision").asString())
                    .append(", serving ")
                    .append(
                            doc.path("servingRevision").asString().isEmpty()
                                    ? "nothing"
                                    : doc.path("servingRevision").asString())
                    .append('\n');
            for (JsonNode e : doc.path("errors")) {
                sb.append("error: ").append(e.asString()).append('\n');
            }
            return sb.toString();
        }

        /** Own conditions, then per-listener or per-parent conditions, as {@code Type=Status(Reason)}. */
        private static String conditions(JsonNode status) {
            List<String> parts = new ArrayList<>();
            addConditions(parts, "", status.path("conditions"));
            for (JsonNode l : status.path("listeners")) {
                addConditions(parts, l.path("name").asString() + ":", l.path("conditions"));
            }
            for (JsonNode p : status.path("parents")) {
                JsonNode ref = p.path("parentRef");
                String name = ref.path("name").asString();
                String section = ref.path("sectionName").asString();
                addConditions(
                        parts, "parent " + name + (section.isEmpty() ? "" : "/" + section) + ":", p.path("conditions"));
            }
            return String.join(" ", parts);
        }

        private static void addConditions(List<String> parts, String prefix, JsonNode conditions) {
            for (JsonNode c : conditions) {
                parts.add(prefix + c.path("type").asString() + "="
                        + c.path("status").asString() + "(" + c.path("reason").asString() + ")");
            }
        }
    }
}
