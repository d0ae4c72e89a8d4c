package dev.nantian.proxy.accesslog;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.proxy.accesslog.internal.LogFormat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The access log, as the data plane's {@code access} settings describe it: {@code enabled} (true), {@code path}
 * (standard output when absent), {@code format}, {@code mode} ({@code text} or {@code json}) and
 * {@code sampleRate} (0.5).
 *
 * <pre>{@code
 * NantianProxy proxy = NantianProxy.builder()
 *         .accessLog(AccessLogSettings.builder()
 *                 .path(Path.of("/var/log/nantian/access.log"))
 *                 .mode(AccessLogSettings.Mode.JSON)
 *                 .sampleRate(1.0)
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p><b>Format.</b> {@code %NAME%} placeholders: {@code %START_TIME%}, {@code %CLIENT_IP%}, {@code %METHOD%},
 * {@code %PATH%}, {@code %PROTOCOL%}, {@code %HOST%}, {@code %STATUS%}, {@code %RESPONSE_FLAGS%},
 * {@code %BYTES_RECEIVED%}, {@code %BYTES_SENT%}, {@code %LATENCY_MS%}, {@code %UPSTREAM_ADDR%},
 * {@code %UPSTREAM_CLUSTER%}, {@code %ROUTE%}, {@code %USER_AGENT%}, {@code %REQUEST_ID%}, and
 * {@code %FIELD(name)%}: the value an extension filter of the route recorded under {@code name} with
 * {@code HttpFilterContext.setLogField} (e.g. {@code %FIELD(ai.model)%}; names are letters, digits, {@code .},
 * {@code _} and {@code -}), {@code -} when it recorded none; {@code %%} is a literal percent sign. Any other
 * placeholder is rejected when the settings are built. In JSON mode each line is one object with the format's
 * placeholders as lower-case keys ({@code client_ip}, {@code status}, ...), numbers as numbers and absent values as
 * {@code null}, followed by every field the exchange's extension filters recorded, under its own name as a string
 * ({@code %FIELD(...)%} placeholders add nothing there); the format's literal text is not written.
 *
 * <p><b>Layer 4.</b> TCP and TLS connections of TCP and TLS routes (passthrough or terminated) and UDP flows of UDP
 * routes get one line each when they end, through the same format: {@code %PROTOCOL%} is {@code TCP}, {@code TLS} or
 * {@code UDP}, the byte counts are what the client sent and was sent, {@code %LATENCY_MS%} is how long the connection
 * or flow lasted, and the HTTP-only placeholders ({@code %METHOD%}, {@code %PATH%}, {@code %HOST%}, {@code %STATUS%},
 * {@code %USER_AGENT%}, {@code %REQUEST_ID%}) are absent. A refused connection is logged with the reason in
 * {@code %RESPONSE_FLAGS%} ({@code NR}, {@code NC}, {@code UH}); datagrams dropped for want of a usable backend are
 * not. Sampling and the route annotations apply to them as to requests.
 *
 * <p><b>Sampling.</b> Each request draws one random number, once; it is logged when the draw is below the sample
 * rate of its route. The rate applies to every status alike: the product docs define no exception for errors, so
 * 4xx and 5xx responses are sampled like any other (set 1.0 to log everything). A route may override the rate or turn
 * its logging off with the annotations {@value #SAMPLE_RATE_ANNOTATION} and {@value #ENABLED_ANNOTATION}; when
 * {@code enabled} is false here, no route can turn it on.
 *
 * <p><b>Writing</b> happens on one background thread per proxy, never on an event loop: requests hand their entry to
 * a bounded queue of {@code queueCapacity} entries and an entry that does not fit is dropped and counted (metric
 * {@code nantian.proxy.access.log.dropped}). Lines are written in batches and flushed whenever the queue runs
 * empty, and on close. The file is opened for appending, so external rotation by copy-and-truncate works.
 *
 * @param enabled whether requests are logged at all
 * @param path the file to append to; empty for standard output
 * @param format the line format
 * @param mode text lines or JSON objects
 * @param sampleRate the share of requests logged, 0 to 1
 * @param queueCapacity entries waiting for the writer at most; more are dropped
 */
public record AccessLogSettings(
        boolean enabled, Optional<Path> path, String format, Mode mode, double sampleRate, int queueCapacity) {

    /** Per-route annotation: {@code "false"} turns the access log off for the route, {@code "true"} keeps it on. */
    public static final String ENABLED_ANNOTATION = "gateway.nantian.dev/access-log-enabled";

    /** Per-route annotation: the route's sample rate, a number from 0 to 1, instead of {@link #sampleRate()}. */
    public static final String SAMPLE_RATE_ANNOTATION = "gateway.nantian.dev/access-log-sample-rate";

    /** The default {@link #format()}: every documented placeholder, in a combined-log-like order. */
    public static final String DEFAULT_FORMAT = LogFormat.DEFAULT_FORMAT;

    /** The default {@link #sampleRate()}, from the product docs. */
    public static final double DEFAULT_SAMPLE_RATE = 0.5;

    /** The default {@link #queueCapacity()}. */
    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

    private static final Set<String> CONFIG_KEYS = Set.of("enabled", "path", "format", "mode", "sampleRate");

    /** How lines are written. */
    public enum Mode {
        /** The format with its placeholders filled in. */
        TEXT,
        /** One JSON object per line, keyed by the format's placeholders. */
        JSON;

        /** Parses {@code text} or {@code json}, ignoring case. */
        public static Mode parse(String value) {
            requireNonNull(value, "mode");
            switch (value.toLowerCase(Locale.ROOT)) {
                case "text":
                    return TEXT;
                case "json":
                    return JSON;
                default:
                    throw new IllegalArgumentException("access.mode must be json or text, got " + value);
            }
        }
    }

    /**
     * Checks every setting and reports every problem at once.
     *
     * @throws ConfigValidationException listing unknown placeholders, a sample rate outside 0..1 and so on
     */
    public AccessLogSettings {
        requireNonNull(path, "path");
        requireNonNull(format, "format");
        requireNonNull(mode, "mode");
        List<String> errors = new ArrayList<>();
        LogFormat.parse(format, errors);
        if (!(sampleRate >= 0.0 && sampleRate <= 1.0)) {
            errors.add("access.sampleRate must be between 0 and 1, got " + sampleRate);
        }
        if (queueCapacity < 1) {
            errors.add("access log queueCapacity must be >= 1, got " + queueCapacity);
        }
        if (!errors.isEmpty()) {
            throw new ConfigValidationException(errors);
        }
    }

    /** Starts a builder with the documented defaults: enabled, standard output, text, sample rate 0.5. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings that log nothing. */
    public static AccessLogSettings disabled() {
        return builder().enabled(false).build();
    }

    /**
     * Reads the data plane's {@code access} block as parsed from YAML: keys {@code enabled}, {@code path},
     * {@code format}, {@code mode}, {@code sampleRate}; absent keys keep their defaults.
     *
     * @throws ConfigValidationException listing unknown keys, values of the wrong type and invalid values
     */
    public static AccessLogSettings fromConfig(Map<String, ?> access) {
        requireNonNull(access, "access");
        List<String> errors = new ArrayList<>();
        Builder b = builder();
        for (Map.Entry<String, ?> e : access.entrySet()) {
            String key = e.getKey();
            Object value = e.getValue();
            if (!CONFIG_KEYS.contains(key)) {
                errors.add("access." + key + " is not a known setting; known: enabled, path, format, mode, sampleRate");
                continue;
            }
            if (value == null) {
                continue;
            }
            switch (key) {
                case "enabled":
                    if (value instanceof Boolean enabled) {
                        b.enabled(enabled);
                    } else {
                        errors.add("access.enabled must be true or false, got " + value);
                    }
                    break;
                case "path":
                    if (value instanceof String p && !p.isBlank()) {
                        b.path(Path.of(p));
                    } else {
                        errors.add("access.path must be a non-empty string, got " + value);
                    }
                    break;
                case "format":
                    if (value instanceof String f) {
                        b.format(f);
                    } else {
                        errors.add("access.format must be a string, got " + value);
                    }
                    break;
                case "mode":
                    try {
                        b.mode(Mode.parse(String.valueOf(value)));
                    } catch (IllegalArgumentException ex) {
                        errors.add(ex.getMessage());
                    }
                    break;
                default: // sampleRate
                    if (value instanceof Number rate) {
                        b.sampleRate(rate.doubleValue());
                    } else {
                        errors.add("access.sampleRate must be a number between 0 and 1, got " + value);
                    }
                    break;
            }
        }
        try {
            AccessLogSettings settings = b.build();
            if (errors.isEmpty()) {
                return settings;
            }
        } catch (ConfigValidationException ex) {
            errors.addAll(ex.errors());
        }
        throw new ConfigValidationException(errors);
    }

    /** Builds {@link AccessLogSettings}; {@link #build()} validates. */
    public static final class Builder {
        private boolean enabled = true;
        private Path path;
        private String format = DEFAULT_FORMAT;
        private Mode mode = Mode.TEXT;
        private double sampleRate = DEFAULT_SAMPLE_RATE;
        private int queueCapacity = DEFAULT_QUEUE_CAPACITY;

        private Builder() {}

        /** Whether anything is logged (default true). */
        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Appends to this file, created if missing (default: standard output). */
        public Builder path(Path path) {
            this.path = requireNonNull(path, "path");
            return this;
        }

        /** Writes to standard output (the default). */
        public Builder stdout() {
            this.path = null;
            return this;
        }

        /** The line format (default {@link #DEFAULT_FORMAT}). */
        public Builder format(String format) {
            this.format = requireNonNull(format, "format");
            return this;
        }

        /** Text lines or JSON objects (default text). */
        public Builder mode(Mode mode) {
            this.mode = requireNonNull(mode, "mode");
            return this;
        }

        /** The share of requests logged, 0 to 1 (default 0.5). */
        public Builder sampleRate(double sampleRate) {
            this.sampleRate = sampleRate;
            return this;
        }

        /** Entries waiting for the writer at most (default 16384); more are dropped and counted. */
        public Builder queueCapacity(int queueCapacity) {
            this.queueCapacity = queueCapacity;
            return this;
        }

        /**
         * Builds the settings.
         *
         * @throws ConfigValidationException listing every problem
         */
        public AccessLogSettings build() {
            return new AccessLogSettings(enabled, Optional.ofNullable(path), format, mode, sampleRate, queueCapacity);
        }
    }
}
