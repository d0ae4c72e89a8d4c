package dev.nantian.testing.conformance.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

class OtherTrafficTest {

    @Test
    void aPodNameLosesItsTwoHashPartsAsUpstreamExtractsTheBackend() {
        assertThat(OtherTraffic.deployment("tcp-backend-v1-5d8f9c-0")).isEqualTo("tcp-backend-v1");
        assertThat(OtherTraffic.deployment("grpc-infra-backend-v3-ab12-1")).isEqualTo("grpc-infra-backend-v3");
        assertThat(OtherTraffic.deployment("short-name")).isEqualTo("short-name");
    }

    @Test
    void upstreamsGrpcCodeNamesMapToGrpcJavaCodes() {
        assertThat(GrpcProbe.code("OK")).isEqualTo(Status.Code.OK);
        assertThat(GrpcProbe.code("Unimplemented")).isEqualTo(Status.Code.UNIMPLEMENTED);
        assertThat(GrpcProbe.code("DeadlineExceeded")).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        assertThat(GrpcProbe.code("Canceled")).isEqualTo(Status.Code.CANCELLED);
        assertThatThrownBy(() -> GrpcProbe.code("Teapot")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void listenerAndRouteHostnamesIntersectLikeTheSpecSays() {
        assertThat(OtherTraffic.intersects(null, "abc.example.com")).isTrue();
        assertThat(OtherTraffic.intersects("abc.example.com", "abc.example.com"))
                .isTrue();
        assertThat(OtherTraffic.intersects("*.example.com", "abc.example.com")).isTrue();
        assertThat(OtherTraffic.intersects("abc.example.com", "*.example.com")).isTrue();
        assertThat(OtherTraffic.intersects("tls.example.com", "abc.example.com"))
                .isFalse();
        assertThat(OtherTraffic.intersects("*.example.com", "example.com")).isFalse();
    }

    @Test
    void onlyAClosedConnectionCountsAsARejection() {
        assertThat(L4Client.isRejection(
                        new javax.net.ssl.SSLHandshakeException("Remote host terminated the handshake")))
                .isTrue();
        assertThat(L4Client.isRejection(new java.io.IOException("x", new java.io.EOFException())))
                .isTrue();
        assertThat(L4Client.isRejection(new java.net.SocketException("Connection reset")))
                .isTrue();
        assertThat(L4Client.isRejection(
                        new javax.net.ssl.SSLHandshakeException("Received fatal alert: handshake_failure")))
                .isFalse();
    }
}
