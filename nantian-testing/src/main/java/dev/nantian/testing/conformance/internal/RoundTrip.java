package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A received HTTP response, copied off the wire (no buffers held).
 *
 * @param status the status code
 * @param proto {@code HTTP/1.1} or {@code HTTP/2.0}, as Go's {@code Response.Proto}
 * @param headers header values by lower-case name, in arrival order
 * @param body the (decompressed) body
 * @param clientCertificateRequested whether the TLS server asked for a client certificate
 */
public record RoundTrip(
        int status, String proto, Map<String, List<String>> headers, byte[] body, boolean clientCertificateRequested) {

    public RoundTrip {
        requireNonNull(proto, "proto");
        Map<String, List<String>> copy = new LinkedHashMap<>();
        headers.forEach((k, v) -> copy.put(k.toLowerCase(Locale.ROOT), List.copyOf(v)));
        headers = Collections.unmodifiableMap(copy);
        body = body.clone();
    }

    /** The values of a header (name case-insensitive); empty when absent. */
    public List<String> header(String name) {
        return headers.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    /** The first value of a header, or null. */
    public String firstHeader(String name) {
        List<String> values = header(name);
        return values.isEmpty() ? null : values.get(0);
    }

    /** Builds the header map of a {@link RoundTrip} one value at a time; not thread-safe. */
    static final class Headers {
        private final Map<String, List<String>> values = new LinkedHashMap<>();

        void add(String name, String value) {
            values.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(value);
        }

        void remove(String name) {
            values.remove(name.toLowerCase(Locale.ROOT));
        }

        Map<String, List<String>> build() {
            return values;
        }
    }
}
