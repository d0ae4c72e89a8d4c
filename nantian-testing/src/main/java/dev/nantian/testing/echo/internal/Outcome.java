package dev.nantian.testing.echo.internal;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/** What a connection handler must do with a request; computed by {@link EchoResponder} without touching I/O. */
public sealed interface Outcome {

    /** Send {@code response}. */
    record Reply(EchoResponse response) implements Outcome {
        public Reply {
            requireNonNull(response, "response");
        }
    }

    /** Wait {@code delay} (without blocking the event loop), then carry out {@code then}. */
    record Delayed(Duration delay, Outcome then) implements Outcome {
        public Delayed {
            requireNonNull(delay, "delay");
            requireNonNull(then, "then");
        }
    }

    /**
     * Answer nothing: reset the TCP connection (HTTP/1.x, upstream hijacks it and closes with linger 0) or the stream
     * (HTTP/2).
     */
    record Reset() implements Outcome {}

    /** Complete a WebSocket handshake and echo frames from now on. */
    record WebSocketUpgrade() implements Outcome {}
}
