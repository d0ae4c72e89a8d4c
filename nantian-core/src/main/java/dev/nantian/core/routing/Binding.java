package dev.nantian.core.routing;

import static java.util.Objects.requireNonNull;

import java.util.Locale;

/**
 * A socket the data plane opens: transport, bind address and port. Listeners that share one are served by one
 * {@link PortRouter}.
 *
 * @param transport stream or datagram
 * @param address the bind address as the listeners give it (an IP literal or {@code 0.0.0.0})
 * @param port the port
 */
public record Binding(Transport transport, String address, int port) {

    /** The socket's transport. */
    public enum Transport {
        TCP,
        UDP
    }

    public Binding {
        requireNonNull(transport, "transport");
        requireNonNull(address, "address");
    }

    @Override
    public String toString() {
        return transport.name().toLowerCase(Locale.ROOT) + "/" + address + ":" + port;
    }
}
