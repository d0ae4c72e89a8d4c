package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.model.HeaderModifier;
import dev.nantian.core.model.HttpHeader;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeaderOpsTest {

    @Test
    void stripsHopByHopHeadersAndThoseNamedInConnection() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("connection", "keep-alive, x-secret")
                .add("x-secret", "1")
                .add("keep-alive", "timeout=5")
                .add("proxy-connection", "keep-alive")
                .add("transfer-encoding", "chunked")
                .add("upgrade", "h2c")
                .add("http2-settings", "AAA")
                .add("te", "trailers, deflate")
                .add("x-kept", "yes");
        HeaderOps.stripHopByHop(h, false);
        assertThat(h.names()).containsExactlyInAnyOrder("te", "x-kept");
        assertThat(h.get("te")).isEqualTo("trailers");
    }

    @Test
    void stripsTheHeaderASingleConnectionTokenNames() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("Connection", "X-Private")
                .add("x-private", "1")
                .add("x-kept", "yes");
        HeaderOps.stripHopByHop(h, false);
        assertThat(h.names()).containsExactly("x-kept");
    }

    @Test
    void stripsHttp2ExtensionsWhateverTheirCase() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("X-Http2-Scheme", "https")
                .add("x-http2-stream-id", "3")
                .add("x-http2", "kept: no suffix")
                .add("x-http2x-kept", "kept: no dash");
        HeaderOps.stripHttp2Extensions(h);
        assertThat(h.names()).containsExactlyInAnyOrder("x-http2", "x-http2x-kept");
    }

    @Test
    void keepsWebSocketUpgradeWhenAsked() {
        HttpHeaders h = new DefaultHttpHeaders().add("connection", "Upgrade").add("upgrade", "websocket");
        HeaderOps.stripHopByHop(h, true);
        assertThat(h.get("upgrade")).isEqualTo("websocket");
        assertThat(h.get("connection")).isEqualToIgnoringCase("upgrade");
    }

    @Test
    void dropsTeWithoutTrailers() {
        HttpHeaders h = new DefaultHttpHeaders().add("te", "gzip");
        HeaderOps.stripHopByHop(h, false);
        assertThat(h.contains("te")).isFalse();
    }

    @Test
    void modifierRemovesThenSetsThenAdds() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("x-set", "a")
                .add("x-set", "b")
                .add("x-add", "1")
                .add("X-Remove", "r");
        HeaderOps.apply(
                new HeaderModifier(
                        List.of(new HttpHeader("X-Set", "only")),
                        List.of(new HttpHeader("x-add", "2")),
                        List.of("x-remove")),
                h);
        assertThat(h.getAll("x-set")).containsExactly("only");
        assertThat(h.getAll("x-add")).containsExactly("1", "2");
        assertThat(h.contains("x-remove")).isFalse();
    }

    @Test
    void appendsToForwardedForAndReplacesProtoAndHost() {
        HttpHeaders h = new DefaultHttpHeaders()
                .add("x-forwarded-for", "10.0.0.1")
                .add("x-forwarded-proto", "https")
                .add("x-http2-stream-id", "3");
        HeaderOps.addForwarded(h, "192.0.2.7", "http", "gw.example:8080");
        HeaderOps.stripHttp2Extensions(h);
        assertThat(h.get("x-forwarded-for")).isEqualTo("10.0.0.1, 192.0.2.7");
        assertThat(h.get("x-forwarded-proto")).isEqualTo("http");
        assertThat(h.get("x-forwarded-host")).isEqualTo("gw.example:8080");
        assertThat(h.contains("x-http2-stream-id")).isFalse();
    }
}
