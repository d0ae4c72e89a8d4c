package dev.nantian.xds.server.internal;

import dev.nantian.xds.server.ClientState;
import io.grpc.Status;

/** One ADS stream as the server tracks it, state-of-the-world ({@link AdsStream}) or incremental ({@link DeltaAdsStream}). */
public interface XdsStream {
    /** A number unique among the server's streams. */
    long id();

    /** The node id the client sent, empty until it sent one. */
    String nodeId();

    /** The snapshot served to this stream's node changed: push what changed, in warming order. */
    void snapshotChanged();

    /** Ends the stream from the server side, telling the client {@code status}. */
    void close(Status status);

    /** The client cancelled the call or went away. */
    void cancelled();

    /** An immutable view for the Admin API. */
    ClientState view();
}
