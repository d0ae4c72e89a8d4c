/**
 * The IR &lt;-&gt; Envoy v3 codec: {@link dev.nantian.xds.codec.EnvoyCodec} turns a
 * {@link dev.nantian.core.model.ConfigSnapshot} into {@link dev.nantian.xds.codec.XdsResources} (LDS, RDS, CDS,
 * EDS, SDS and ECDS resources) and back.
 *
 * <p>Normalisations of a round trip, all without change of behaviour: endpoints are grouped by zone (one Envoy
 * locality per zone, in order of first appearance); an upstream TLS whose only subject alt name is its SNI comes
 * back with no subject alt names (the IR's meaning of "verify the SNI"); extension spec numbers come back as
 * {@code Long} when whole and exact, else {@code Double}; CORS max ages are whole seconds.
 *
 * <p>Known gaps for Envoy itself (our data plane reads the carried IR and is exact): listeners sharing an address
 * are not merged into one Envoy listener; Envoy applies routes in list order while the IR orders by Gateway API
 * precedence, so the translator should emit routes in precedence order; the UDP proxy gets only the heaviest usable
 * backend of the first usable route; a {@code ReplacePrefixMatch} of {@code /} under a longer prefix leaves a
 * double slash in Envoy; a forward whose weights are all 0 is rejected by Envoy.
 */
package dev.nantian.xds.codec;
