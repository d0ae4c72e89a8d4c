package dev.nantian.proxy.accesslog.internal;

/**
 * Why an exchange did not end in a plain upstream response, as bits; rendered with Envoy's short codes so that
 * operators can reuse their queries and dashboards. More than one can be set (e.g. a connect failure after which the
 * client went away).
 */
public final class ResponseFlags {
    /** {@code NR}: no route matched (404). */
    public static final int NO_ROUTE = 1;
    /** {@code NC}: the picked backend has no cluster: an invalid backendRef or a rule without backends (500). */
    public static final int NO_CLUSTER = 1 << 1;
    /** {@code UH}: the cluster has no endpoint (503). */
    public static final int NO_HEALTHY_UPSTREAM = 1 << 2;
    /** {@code UF}: no connection to the upstream could be opened (503). */
    public static final int UPSTREAM_CONNECT_FAILURE = 1 << 3;
    /** {@code UT}: the route's request or backend-request timeout fired (504, or a truncated response). */
    public static final int UPSTREAM_TIMEOUT = 1 << 4;
    /** {@code UC}: the upstream connection closed before the response ended (502, or a truncated response). */
    public static final int UPSTREAM_RESET = 1 << 5;
    /** {@code UPE}: the upstream sent a malformed response (502). */
    public static final int UPSTREAM_PROTOCOL_ERROR = 1 << 6;
    /** {@code DC}: the client went away before the response was written. */
    public static final int DOWNSTREAM_RESET = 1 << 7;
    /** {@code DPE}: the client sent a malformed request (400, 414, 431). */
    public static final int DOWNSTREAM_PROTOCOL_ERROR = 1 << 8;

    private static final String[] CODES = {"NR", "NC", "UH", "UF", "UT", "UC", "UPE", "DC", "DPE"};

    private ResponseFlags() {}

    /** Appends the codes of {@code flags}, comma-separated, in bit order; nothing for 0. */
    public static void append(int flags, StringBuilder out) {
        boolean first = true;
        for (int i = 0; i < CODES.length; i++) {
            if ((flags & (1 << i)) != 0) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                out.append(CODES[i]);
            }
        }
    }

    /** The codes of {@code flags}, comma-separated; empty for 0. */
    public static String toString(int flags) {
        StringBuilder sb = new StringBuilder(8);
        append(flags, sb);
        return sb.toString();
    }
}
