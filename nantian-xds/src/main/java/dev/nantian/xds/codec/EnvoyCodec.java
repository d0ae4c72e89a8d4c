package dev.nantian.xds.codec;

import dev.nantian.core.ConfigValidationException;
import dev.nantian.core.model.ConfigSnapshot;
import dev.nantian.xds.codec.internal.SnapshotDecoder;
import dev.nantian.xds.codec.internal.SnapshotEncoder;

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
 * <p>Stateless and thread-safe.
 */
public final class EnvoyCodec {
    private EnvoyCodec() {}

    /** Encodes {@code snapshot} as Envoy resources of the snapshot's version. */
    public static XdsResources encode(ConfigSnapshot snapshot) {
        return SnapshotEncoder.encode(snapshot);
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
