package dev.nantian.xds.codec;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.ConfigSnapshot;
import org.junit.jupiter.api.Test;

class EnvoyCodecRoundTripTest {

    @Test
    void richSnapshotSurvivesEncodeAndDecode() {
        ConfigSnapshot snapshot = Fixtures.rich();

        ConfigSnapshot decoded = EnvoyCodec.decode(EnvoyCodec.encode(snapshot));

        assertThat(decoded.listeners()).isEqualTo(snapshot.listeners());
        assertThat(decoded.clusters()).isEqualTo(snapshot.clusters());
        assertThat(decoded.secrets()).isEqualTo(snapshot.secrets());
        assertThat(decoded.extensions()).isEqualTo(snapshot.extensions());
        assertThat(decoded).isEqualTo(snapshot);
    }

    @Test
    void richSnapshotSurvivesTheWireForm() {
        ConfigSnapshot snapshot = Fixtures.rich();
        XdsResources encoded = EnvoyCodec.encode(snapshot);

        XdsResources parsed = XdsResources.fromAnyByTypeUrl(encoded.version(), encoded.toAnyByTypeUrl());

        assertThat(parsed).isEqualTo(encoded);
        assertThat(EnvoyCodec.decode(parsed)).isEqualTo(snapshot);
    }

    @Test
    void encodingIsDeterministic() {
        assertThat(EnvoyCodec.encode(Fixtures.rich())).isEqualTo(EnvoyCodec.encode(Fixtures.rich()));
    }

    @Test
    void emptySnapshotRoundTrips() {
        ConfigSnapshot empty = ConfigSnapshot.empty("v0");
        XdsResources encoded = EnvoyCodec.encode(empty);

        assertThat(encoded.listeners()).isEmpty();
        assertThat(EnvoyCodec.decode(encoded)).isEqualTo(empty);
    }

    @Test
    void toStringShowsCountsOnly() {
        assertThat(EnvoyCodec.encode(Fixtures.rich()).toString())
                .startsWith("XdsResources[version=v42")
                .doesNotContain("KEY");
    }
}
