package dev.nantian.core.model;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.internal.Checks;
import java.time.Duration;
import java.util.Optional;

/** How a cluster spreads requests over its endpoints. All honour endpoint weights. */
public sealed interface LoadBalancing {

    /** Weighted round robin, the default. */
    record RoundRobin() implements LoadBalancing {}

    /** Picks the endpoint with the fewest requests in flight among {@code choiceCount} random ones. */
    record LeastRequest(int choiceCount) implements LoadBalancing {
        public LeastRequest {
            if (choiceCount < 2) {
                throw new IllegalArgumentException("choiceCount must be >= 2, got " + choiceCount);
            }
        }
    }

    /** Picks an endpoint at random. */
    record Random() implements LoadBalancing {}

    /** Hashes a request key onto a ring of endpoints, so equal keys go to the same endpoint while it is healthy. */
    record ConsistentHash(HashKey key) implements LoadBalancing {
        public ConsistentHash {
            requireNonNull(key, "key");
        }
    }

    /** What a consistent hash is computed from. */
    sealed interface HashKey {
        /** The value of a request header; requests without it are spread at random. */
        record Header(String name) implements HashKey {
            public Header {
                Checks.nonEmpty(name, "header name");
            }
        }

        /**
         * The value of a cookie; when {@code ttl} is present and the request has no such cookie, the data plane
         * sets one so that later requests stick.
         */
        record Cookie(String name, Optional<Duration> ttl, String path) implements HashKey {
            public Cookie {
                Checks.nonEmpty(name, "cookie name");
                requireNonNull(ttl, "ttl");
                requireNonNull(path, "path");
            }
        }

        /** The client's IP address. */
        record SourceIp() implements HashKey {}
    }
}
