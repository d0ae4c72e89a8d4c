package dev.nantian.xds.codec;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.internal.ApiListenerEncoder;
import dev.nantian.xds.codec.internal.SnapshotDecoder;
import dev.nantian.xds.codec.internal.SnapshotEncoder;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.util.Optional;

/**
 * Translates between the IR ({@link ConfigSnapshot}) and Envoy v3 xDS resources, both ways.
 *
 * <p>{@link #encode} writes every part of the IR that Envoy has a field for into that field, so Envoy and other xDS
 * peers serve it; what Envoy cannot express (route origins, unresolved and extension backends, extension filters,
 * session persistence details, listener gateways, ...) rides alongside in our {@code nantian.config.v1} messages,
 * which Envoy ignores. {@link #decode} reads both back: for a snapshot the codec encoded, {@code
 * decode(encode(s))} equals {@code s} (see the package documentation for the few normalisations).
 *
 * <p>{@link #decode} also accepts resources written by other control planes, within what the IR can express: any
 * set field that it does not translate and that would change behaviour is an error, never silently ignored. It
 * collects every error of the resource set, each naming the resource type, name and field, into one {@link
 * ConfigValidationException} whose message is fit for an xDS NACK's {@code error_detail}.
 *
 * <pre>{@code
 * XdsResources resources = EnvoyCodec.encode(snapshot);
 * ConfigSnapshot same = EnvoyCodec.decode(resources);
 * }</pre>
 *
 * <p><b>Proxyless gRPC.</b> A gRPC client with target {@code xds:///NAME} asks LDS for the resource {@code NAME}
 * and expects an {@code api_listener}, not a socket listener. {@link #encode} writes no such listener (Envoy
 * refuses api listeners over LDS, and a wildcard subscriber would get one per host name); {@link #apiListener}
 * derives it on request from the IR: the virtual host of the HTTP(S) listeners that best serves {@code NAME}
 * (exact domain, then the longest wildcard, then {@code *}; a {@code NAME} of {@code HOST:PORT} looks only at
 * listeners on that port), with its routes inline. Its clusters and endpoints are the ones {@link #encode} writes:
 * EDS clusters over ADS with their {@code ClusterLoadAssignment}s. The {@link dev.nantian.xds.server.XdsServer}
 * serves it to every client that names such a resource; {@link #decode} ignores api listeners.
 *
 * <p>Stateless and thread-safe.
 */
public final class EnvoyCodec {
    private EnvoyCodec() {}

    /** Encodes {@code snapshot} as Envoy resources of the snapshot's version. */
    public static XdsResources encode(ConfigSnapshot snapshot) {
        return SnapshotEncoder.encode(snapshot);
    }

    /**
     * The api listener a proxyless gRPC client subscribed to {@code resourceName} ({@code HOST} or {@code
     * HOST:PORT}) should get: named {@code resourceName}, an HTTP connection manager with the matching virtual host
     * inline (its only domain is {@code resourceName}) and the router filter. Empty when no HTTP(S) listener serves
     * that host. gRPC matches paths by exact value, prefix and regex only, so segment-aware prefixes are written as
     * an exact path plus a prefix ending in {@code /}.
     */
    public static Optional<Listener> apiListener(ConfigSnapshot snapshot, String resourceName) {
        return ApiListenerEncoder.encode(snapshot, resourceName);
    }

    /**
     * Decodes {@code resources} into a validated snapshot of the resources' version.
     *
     * @throws ConfigValidationException listing every problem found in the resources and in the snapshot they make
     */
    public static ConfigSnapshot decode(XdsResources resources) {
        return SnapshotDecoder.decode(resources);
    }
}
