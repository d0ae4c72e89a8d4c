package dev.nantian.xds.client;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * The state of an {@link XdsClient}, as an immutable view for the data plane's {@code /api/v1/xds/status}.
 *
 * @param connected whether the current ADS stream has heard from the server (a stream counts once its first
 *     response arrives, since gRPC streams open lazily)
 * @param streamReconnects how many streams were opened after the first one
 * @param ready whether a config was ever applied
 * @param configVersion the version of the config the data plane serves
 * @param lastAck the last version accepted
 * @param lastNack the last version rejected
 * @param lastStreamError why the last stream ended, if it failed
 */
public record XdsClientStatus(
        boolean connected,
        long streamReconnects,
        boolean ready,
        Optional<String> configVersion,
        Optional<Ack> lastAck,
        Optional<Nack> lastNack,
        Optional<String> lastStreamError) {

    public XdsClientStatus {
        requireNonNull(configVersion, "configVersion");
        requireNonNull(lastAck, "lastAck");
        requireNonNull(lastNack, "lastNack");
        requireNonNull(lastStreamError, "lastStreamError");
    }

    /** An accepted version and when it was accepted. */
    public record Ack(String version, Instant at) {
        public Ack {
            requireNonNull(version, "version");
            requireNonNull(at, "at");
        }
    }

    /**
     * A rejected version.
     *
     * @param version the version rejected
     * @param errorDetail the message sent as the NACK's {@code error_detail}
     * @param at when it was rejected
     */
    public record Nack(String version, String errorDetail, Instant at) {
        public Nack {
            requireNonNull(version, "version");
            requireNonNull(errorDetail, "errorDetail");
            requireNonNull(at, "at");
        }
    }
}
