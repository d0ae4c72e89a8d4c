package dev.nantian.core.filter;

import static java.util.Objects.requireNonNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The final account of one exchange, given once to {@link HttpFilter#onComplete} and to the host (access log,
 * metrics, token accounting).
 *
 * @param status the status sent to the client, or 0 if none was (reset before a response head)
 * @param requestBodyBytes body bytes received from the client
 * @param responseBodyBytes body bytes sent to the client
 * @param upstreamCluster the cluster the request went to, or {@code null} if it never left the gateway
 * @param upstreamEndpoint the endpoint the host picked in that cluster, or {@code null}
 * @param startEpochMillis wall-clock time the request head arrived
 * @param durationNanos from the request head to the end of the response (or the failure)
 * @param firstByteNanos from the request head to the response head going downstream, or -1 if it never did
 * @param localReply whether the gateway answered itself (a filter, a limit, an upstream failure)
 * @param error what went wrong, or {@code null} on success
 * @param logFields what filters recorded with {@link HttpFilterContext#setLogField}, in the order first set
 */
public record ExchangeStats(
        int status,
        long requestBodyBytes,
        long responseBodyBytes,
        String upstreamCluster,
        InetSocketAddress upstreamEndpoint,
        long startEpochMillis,
        long durationNanos,
        long firstByteNanos,
        boolean localReply,
        Throwable error,
        Map<String, String> logFields) {

    public ExchangeStats {
        logFields = logFields == null || logFields.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(logFields));
    }

    /** Whether the exchange ended without error. */
    public boolean succeeded() {
        return error == null;
    }

    /** {@link #durationNanos()} as a duration. */
    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    /** Starts a builder; all fields default to "nothing happened". */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link ExchangeStats}; hosts and tests use it, filters only read stats. */
    public static final class Builder {
        private int status;
        private long requestBodyBytes;
        private long responseBodyBytes;
        private String upstreamCluster;
        private InetSocketAddress upstreamEndpoint;
        private long startEpochMillis;
        private long durationNanos;
        private long firstByteNanos = -1;
        private boolean localReply;
        private Throwable error;
        private Map<String, String> logFields = Map.of();

        private Builder() {}

        public Builder status(int status) {
            this.status = status;
            return this;
        }

        public Builder requestBodyBytes(long bytes) {
            this.requestBodyBytes = bytes;
            return this;
        }

        public Builder responseBodyBytes(long bytes) {
            this.responseBodyBytes = bytes;
            return this;
        }

        /** Sets the upstream; {@code endpoint} may be {@code null} if none was picked. */
        public Builder upstream(String cluster, InetSocketAddress endpoint) {
            this.upstreamCluster = requireNonNull(cluster, "cluster");
            this.upstreamEndpoint = endpoint;
            return this;
        }

        public Builder startEpochMillis(long millis) {
            this.startEpochMillis = millis;
            return this;
        }

        public Builder durationNanos(long nanos) {
            this.durationNanos = nanos;
            return this;
        }

        public Builder firstByteNanos(long nanos) {
            this.firstByteNanos = nanos;
            return this;
        }

        public Builder localReply(boolean localReply) {
            this.localReply = localReply;
            return this;
        }

        public Builder error(Throwable error) {
            this.error = requireNonNull(error, "error");
            return this;
        }

        /** The filters' log fields (copied). */
        public Builder logFields(Map<String, String> fields) {
            this.logFields = requireNonNull(fields, "fields");
            return this;
        }

        public ExchangeStats build() {
            return new ExchangeStats(
                    status,
                    requestBodyBytes,
                    responseBodyBytes,
                    upstreamCluster,
                    upstreamEndpoint,
                    startEpochMillis,
                    durationNanos,
                    firstByteNanos,
                    localReply,
                    error,
                    logFields);
        }
    }
}
