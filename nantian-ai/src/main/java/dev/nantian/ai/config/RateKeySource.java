package dev.nantian.ai.config;

import static java.util.Objects.requireNonNull;

/** What identifies a client's budget bucket ({@code source: {header: x-user-id}} or {@code {clientIP: {}}}). */
public sealed interface RateKeySource {

    /**
     * The value of a request header; requests without it share one bucket.
     *
     * @param name the header name, lower case
     */
    record Header(String name) implements RateKeySource {
        public Header {
            requireNonNull(name, "name");
        }
    }

    /** The client's IP address as the gateway sees the TCP peer. */
    record ClientIp() implements RateKeySource {}
}
