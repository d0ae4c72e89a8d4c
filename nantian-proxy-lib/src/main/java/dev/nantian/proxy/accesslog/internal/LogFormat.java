package dev.nantian.proxy.accesslog.internal;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.admin.Json;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An {@code access.format} compiled once: literal text and {@code %NAME%} placeholders, rendered as a text line or,
 * in JSON mode, as one object per line whose keys are the placeholders' names in lower case (literal text is then
 * left out, and a placeholder used twice appears once). {@code %%} is a literal percent sign. {@code %FIELD(name)%} is
 * the value an extension filter recorded under {@code name} ({@code HttpFilterContext.setLogField}); JSON mode
 * instead appends every recorded field under its own name, after the placeholders (a field named like a placeholder's
 * key is left out).
 *
 * <p>Text mode writes {@code -} for an absent value and escapes {@code "}, {@code \} and control characters as
 * {@code \xHH} (as nginx does), so a client cannot forge a line or hide text from a terminal. JSON mode writes
 * {@code null} for an absent value and numbers as numbers. Layer-4 entries ({@link AccessLogEntry#layer4}) go through
 * the same format: their HTTP-only fields (method, path, host, status, user agent, request id) are absent.
 *
 * <p>Immutable and thread-safe; rendering runs on the writer thread.
 */
public final class LogFormat {
    /** The placeholders, named as in {@code access.format}. */
    public enum Field {
        /**
         * When the request head arrived (layer 4: the connection was accepted, or the flow began), ISO-8601 UTC with
         * milliseconds.
         */
        START_TIME,
        /** The client's IP address (the TCP peer). */
        CLIENT_IP,
        /** The request method. */
        METHOD,
        /** The request target as received, with its query. */
        PATH,
        /** {@code HTTP/1.0}, {@code HTTP/1.1} or {@code HTTP/2}; {@code TCP}, {@code TLS} or {@code UDP} (layer 4). */
        PROTOCOL,
        /** The {@code Host} or {@code :authority} the client sent. */
        HOST,
        /** The status sent to the client; 0 when the exchange ended before a response head; absent for layer 4. */
        STATUS,
        /** {@link ResponseFlags} codes, comma-separated. */
        RESPONSE_FLAGS,
        /** Request body bytes received; layer 4: bytes received from the client. */
        BYTES_RECEIVED,
        /** Response body bytes sent; layer 4: bytes sent to the client. */
        BYTES_SENT,
        /**
         * Milliseconds from the request head to the last response byte written; layer 4: how long the connection or
         * flow lasted.
         */
        LATENCY_MS,
        /** The last upstream endpoint tried, {@code host:port}. */
        UPSTREAM_ADDR,
        /** The cluster the request was sent to. */
        UPSTREAM_CLUSTER,
        /** The matched route, {@code namespace/name/rule}. */
        ROUTE,
        /** The {@code User-Agent} header. */
        USER_AGENT,
        /** The {@code X-Request-Id} header. */
        REQUEST_ID,
        /** {@code %FIELD(name)%}: the value an extension filter recorded under {@code name}. */
        FIELD;

        private final String jsonKey = name().toLowerCase(Locale.ROOT);

        /** The key of this field in JSON mode. */
        public String jsonKey() {
            return jsonKey;
        }
    }

    /** The default {@code access.format}: every documented placeholder, in a combined-log-like order. */
    public static final String DEFAULT_FORMAT = "%START_TIME% %CLIENT_IP% \"%METHOD% %PATH% %PROTOCOL%\" %STATUS% "
            + "%RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %LATENCY_MS% \"%UPSTREAM_ADDR%\" \"%ROUTE%\" "
            + "\"%USER_AGENT%\"";

    private static final DateTimeFormatter TIME =
            new DateTimeFormatterBuilder().appendInstant(3).toFormatter(Locale.ROOT);
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private final String[] literals;
    private final Field[] fields;
    private final String[] fieldNames;
    private final Field[] jsonFields;
    private final Set<String> jsonKeys;

    private LogFormat(List<String> literals, List<Field> fields, List<String> fieldNames) {
        this.literals = literals.toArray(String[]::new);
        this.fields = fields.toArray(Field[]::new);
        this.fieldNames = fieldNames.toArray(String[]::new);
        Set<Field> distinct = EnumSet.noneOf(Field.class);
        List<Field> json = new ArrayList<>();
        Set<String> keys = new java.util.HashSet<>();
        for (Field f : fields) {
            // Log fields appear in JSON under their own names, all of them: FIELD placeholders add nothing there.
            if (f != Field.FIELD && distinct.add(f)) {
                json.add(f);
                keys.add(f.jsonKey());
            }
        }
        this.jsonFields = json.toArray(Field[]::new);
        this.jsonKeys = Set.copyOf(keys);
    }

    /**
     * Compiles {@code format}.
     *
     * @throws ConfigValidationException listing every unknown placeholder and stray {@code %}
     */
    public static LogFormat compile(String format) {
        List<String> errors = new ArrayList<>();
        LogFormat f = parse(format, errors);
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
        return f;
    }

    /** Compiles {@code format}, adding every problem to {@code errors}; the result is only usable without any. */
    public static LogFormat parse(String format, List<String> errors) {
        List<String> literals = new ArrayList<>();
        List<Field> fields = new ArrayList<>();
        List<String> fieldNames = new ArrayList<>();
        if (format.isBlank()) {
            errors.add("access.format must not be empty");
        }
        StringBuilder literal = new StringBuilder();
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 < n && format.charAt(i + 1) == '%') {
                literal.append('%');
                i += 2;
                continue;
            }
            if (format.startsWith(FIELD_PREFIX, i + 1)) {
                int close = format.indexOf(")%", i + 1 + FIELD_PREFIX.length());
                int from = i + 1 + FIELD_PREFIX.length();
                if (close < 0 || !isFieldName(format, from, close)) {
                    errors.add("access.format: bad %FIELD(name)% at position " + i
                            + "; the name is letters, digits, '.', '_' and '-'");
                    if (close < 0) {
                        literal.append(c);
                        i++;
                    } else {
                        i = close + 2;
                    }
                    continue;
                }
                literals.add(literal.toString());
                literal.setLength(0);
                fields.add(Field.FIELD);
                fieldNames.add(format.substring(from, close));
                i = close + 2;
                continue;
            }
            int end = format.indexOf('%', i + 1);
            if (end < 0 || !isName(format, i + 1, end)) {
                errors.add("access.format: '%' at position " + i
                        + " starts no placeholder; write %% for a literal percent sign");
                literal.append(c);
                i++;
                continue;
            }
            String name = format.substring(i + 1, end);
            Field field = lookup(name);
            if (field == null || field == Field.FIELD) {
                errors.add(
                        "access.format: unknown placeholder %" + name + "% at position " + i + "; known: " + known());
            } else {
                literals.add(literal.toString());
                literal.setLength(0);
                fields.add(field);
                fieldNames.add(null);
            }
            i = end + 1;
        }
        literals.add(literal.toString());
        return new LogFormat(literals, fields, fieldNames);
    }

    private static final String FIELD_PREFIX = "FIELD(";

    private static boolean isFieldName(String s, int from, int to) {
        if (from >= to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z'
                    || c >= 'a' && c <= 'z'
                    || c >= '0' && c <= '9'
                    || c == '_'
                    || c == '.'
                    || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isName(String s, int from, int to) {
        if (from == to) {
            return false;
        }
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    private static Field lookup(String name) {
        for (Field f : Field.values()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        return null;
    }

    private static String known() {
        StringBuilder sb = new StringBuilder();
        for (Field f : Field.values()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append('%').append(f == Field.FIELD ? "FIELD(name)" : f.name()).append('%');
        }
        return sb.toString();
    }

    /** The placeholders in format order, repeats included. */
    public List<Field> fields() {
        return List.of(fields);
    }

    /** Appends {@code e} as one text line, newline included. */
    public void appendText(AccessLogEntry e, StringBuilder out) {
        for (int i = 0; i < fields.length; i++) {
            out.append(literals[i]);
            if (fields[i] == Field.FIELD) {
                string(e.logFields().get(fieldNames[i]), out, false);
            } else {
                appendValue(fields[i], e, out, false);
            }
        }
        out.append(literals[fields.length]).append('\n');
    }

    /** Appends {@code e} as one JSON object line, newline included. */
    public void appendJson(AccessLogEntry e, StringBuilder out) {
        out.append('{');
        for (int i = 0; i < jsonFields.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append('"').append(jsonFields[i].jsonKey()).append("\":");
            appendValue(jsonFields[i], e, out, true);
        }
        boolean first = jsonFields.length == 0;
        for (Map.Entry<String, String> f : e.logFields().entrySet()) {
            if (jsonKeys.contains(f.getKey())) {
                continue;
            }
            if (!first) {
                out.append(',');
            }
            first = false;
            Json.quote(f.getKey(), out);
            out.append(':');
            Json.quote(f.getValue(), out);
        }
        out.append("}\n");
    }

    private static void appendValue(Field f, AccessLogEntry e, StringBuilder out, boolean json) {
        switch (f) {
            case START_TIME -> string(TIME.format(Instant.ofEpochMilli(e.startMillis())), out, json);
            case CLIENT_IP -> string(ip(e.client()), out, json);
            case METHOD -> string(e.method(), out, json);
            case PATH -> string(e.path(), out, json);
            case PROTOCOL -> string(e.protocol(), out, json);
            case HOST -> string(e.host(), out, json);
            case STATUS -> {
                if (e.status() == AccessLogEntry.NO_STATUS) {
                    string(null, out, json);
                } else {
                    out.append(e.status());
                }
            }
            case RESPONSE_FLAGS -> string(e.flags() == 0 ? null : ResponseFlags.toString(e.flags()), out, json);
            case BYTES_RECEIVED -> out.append(e.bytesReceived());
            case BYTES_SENT -> out.append(e.bytesSent());
            case LATENCY_MS -> out.append(e.durationNanos() / 1_000_000L);
            case UPSTREAM_ADDR -> upstream(e, out, json);
            case UPSTREAM_CLUSTER -> string(e.cluster(), out, json);
            case ROUTE -> string(e.route(), out, json);
            case USER_AGENT -> string(e.userAgent(), out, json);
            case REQUEST_ID -> string(e.requestId(), out, json);
            case FIELD -> throw new AssertionError("FIELD has a name; rendered by the caller");
            default -> throw new AssertionError(f);
        }
    }

    private static void upstream(AccessLogEntry e, StringBuilder out, boolean json) {
        String address = e.upstreamAddress();
        if (address == null) {
            string(null, out, json);
            return;
        }
        boolean v6 = address.indexOf(':') >= 0;
        String authority = (v6 ? "[" + address + "]" : address) + ":" + e.upstreamPort();
        string(authority, out, json);
    }

    private static String ip(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
        }
        return address == null ? null : address.toString();
    }

    private static void string(String value, StringBuilder out, boolean json) {
        if (json) {
            if (value == null) {
                out.append("null");
            } else {
                Json.quote(value, out);
            }
        } else if (value == null || value.isEmpty()) {
            out.append('-');
        } else {
            escapeText(value, out);
        }
    }

    /** Escapes as nginx's {@code escape=default}: quote, backslash, C0 and C1 controls and DEL become {@code \xHH}. */
    static void escapeText(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
                out.append("\\x").append(HEX[(c >> 4) & 0xf]).append(HEX[c & 0xf]);
            } else {
                out.append(c);
            }
        }
    }
}
