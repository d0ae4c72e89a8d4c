package dev.nantian.xds.client.internal;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.MethodDescriptor;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client's side of one ADS variant, state-of-the-world ({@link #stateOfTheWorld()}) or incremental ({@link
 * #incremental()}): which gRPC method it calls, the requests it writes and when the responses form one complete set.
 * The {@link dev.nantian.xds.client.XdsClient} drives either the same way: open a stream, record responses, and once
 * a set is complete decode it and {@link #accept} or {@link #reject} it.
 *
 * <p>Not thread-safe: used from the client's synchronization context only.
 */
public interface AdsProtocol {
    /** A state-of-the-world protocol ({@code StreamAggregatedResources}). */
    static AdsProtocol stateOfTheWorld() {
        return new SotwProtocol();
    }

    /** An incremental protocol ({@code DeltaAggregatedResources}). */
    static AdsProtocol incremental() {
        return new DeltaProtocol();
    }

    /** The bidirectional streaming method; its messages are this protocol's request and response types. */
    MethodDescriptor<Message, Message> method();

    /** Forgets the responses of the previous stream and returns the requests that open a new one. */
    List<Message> open(Node node);

    /**
     * Records a response. Returns requests to send at once (the NACK of a response that can never be part of a
     * set, e.g. of an unknown type); empty when the response awaits the rest of its set.
     */
    List<Message> received(Message response);

    /** The version of a complete set that awaits an answer, if there is one. */
    Optional<String> completeVersion();

    /** The complete set's resources by type URL, every type present. */
    Map<String, List<Any>> resources();

    /** Whether the complete set is exactly what was last accepted (a resend after a reconnect, say). */
    boolean isApplied(String version);

    /** Accepts the complete set: remembers it and ACKs every unanswered response. */
    List<Message> accept(String version);

    /** Rejects every unanswered response with {@code errorDetail}. */
    List<Message> reject(String errorDetail);
}
