package dev.nantian.xds.server;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the control plane knows about one connected xDS client (one ADS stream), as an immutable view for the Admin
 * API's {@code /api/v1/clients}.
 *
 * @param nodeId the {@code node.id} the client sent on its stream, empty if it sent none
 * @param streamId a number unique among this server's streams, to tell apart two streams of one node
 * @param connectedSince when the stream opened
 * @param incremental whether the stream is incremental (delta) ADS rather than state-of-the-world
 * @param types the state per type URL the client subscribed to, in {@link
 *     dev.nantian.xds.codec.XdsResources#TYPE_URLS} order
 */
public record ClientState(
        String nodeId, long streamId, Instant connectedSince, boolean incremental, Map<String, TypeState> types) {

    public ClientState {
        requireNonNull(nodeId, "nodeId");
        requireNonNull(connectedSince, "connectedSince");
        types = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(types, "types")));
    }

    /** The state of one type URL, if the client subscribed to it. */
    public Optional<TypeState> type(String typeUrl) {
        return Optional.ofNullable(types.get(typeUrl));
    }

    /**
     * The client's subscription to one resource type and what became of the responses it was sent.
     *
     * @param typeUrl the type URL
     * @param wildcard whether the client asked for every resource of the type
     * @param resourceNames the names the client asked for, besides the wildcard
     * @param lastSentVersion the version of the last response sent (on incremental streams its {@code
     *     system_version_info}: the version of the snapshot it came from)
     * @param lastAckedVersion the last version the client accepted
     * @param lastNack the last response the client rejected
     */
    public record TypeState(
            String typeUrl,
            boolean wildcard,
            List<String> resourceNames,
            Optional<String> lastSentVersion,
            Optional<String> lastAckedVersion,
            Optional<Nack> lastNack) {

        public TypeState {
            requireNonNull(typeUrl, "typeUrl");
            resourceNames = List.copyOf(resourceNames);
            requireNonNull(lastSentVersion, "lastSentVersion");
            requireNonNull(lastAckedVersion, "lastAckedVersion");
            requireNonNull(lastNack, "lastNack");
        }
    }

    /**
     * A rejected response.
     *
     * @param version the version the client rejected
     * @param errorDetail the message of the NACK's {@code error_detail}
     * @param at when the NACK arrived
     */
    public record Nack(String version, String errorDetail, Instant at) {
        public Nack {
            requireNonNull(version, "version");
            requireNonNull(errorDetail, "errorDetail");
            requireNonNull(at, "at");
        }
    }
}
