package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/** HTTP/2 header blocks to the HTTP/1 objects of an exchange and back. */
class Http2MessagesTest {
    private static Http2Headers get(String path) {
        return new DefaultHttp2Headers()
                .method("GET")
                .scheme("https")
                .authority("example.com")
                .path(path);
    }

    @Test
    void headersThatEndTheStreamAreAWholeBodilessRequestWithAuthorityAsHost() throws Exception {
        HttpRequest req = Http2Messages.request(3, get("/a?b=c").add("accept", "text/plain"), true);
        assertThat(req).isInstanceOf(FullHttpRequest.class);
        assertThat(((FullHttpRequest) req).content().readableBytes()).isZero();
        assertThat(((LastHttpContent) req).trailingHeaders().isEmpty()).isTrue();
        assertThat(req.method()).isEqualTo(HttpMethod.GET);
        assertThat(req.uri()).isEqualTo("/a?b=c");
        assertThat(req.headers().getAll("host")).containsExactly("example.com");
        assertThat(req.headers().get("accept")).isEqualTo("text/plain");
        assertThat(req.headers().names()).allSatisfy(n -> assertThat(n).doesNotStartWith(":"));
    }

    @Test
    void headersWithABodyToFollowAreARequestHead() throws Exception {
        HttpRequest req = Http2Messages.request(3, get("/upload").method("POST"), false);
        assertThat(req).isNotInstanceOf(LastHttpContent.class);
        assertThat(req.method()).isEqualTo(HttpMethod.POST);
    }

    @Test
    void cookiesSplitByHttp2AreJoinedIntoOneHeader() throws Exception {
        HttpRequest req = Http2Messages.request(
                3, get("/").add("cookie", "a=1").add("x", "y").add("cookie", "b=2"), true);
        assertThat(req.headers().getAll("cookie")).containsExactly("a=1; b=2");
    }

    @Test
    void extensionHeadersAndTrailerAreNotPassedOn() throws Exception {
        HttpRequest req = Http2Messages.request(
                3,
                get("/").add("x-http2-scheme", "http")
                        .add("trailer", "grpc-status")
                        .add("te", "trailers"),
                true);
        assertThat(req.headers().contains("x-http2-scheme")).isFalse();
        assertThat(req.headers().contains("trailer")).isFalse();
        assertThat(req.headers().get("te")).isEqualTo("trailers");
    }

    @Test
    void aHostHeaderStandsInForAMissingAuthorityButMustNotContradictOne() throws Exception {
        Http2Headers noAuthority =
                new DefaultHttp2Headers().method("GET").scheme("http").path("/").add("host", "h.example");
        assertThat(Http2Messages.request(3, noAuthority, true).headers().getAll("host"))
                .containsExactly("h.example");
        assertThat(Http2Messages.request(3, get("/").add("host", "example.com"), true)
                        .headers()
                        .getAll("host"))
                .containsExactly("example.com");
        assertThatThrownBy(() -> Http2Messages.request(3, get("/").add("host", "other.example"), true))
                .isInstanceOfSatisfying(Http2Exception.StreamException.class, e -> {
                    assertThat(e.streamId()).isEqualTo(3);
                    assertThat(e.error()).isEqualTo(Http2Error.PROTOCOL_ERROR);
                });
    }

    @Test
    void aRequestWithoutMethodOrPathIsAStreamError() {
        assertThatThrownBy(() -> Http2Messages.request(
                        5,
                        new DefaultHttp2Headers().method("GET").scheme("http").authority("a"),
                        true))
                .isInstanceOfSatisfying(Http2Exception.StreamException.class, e -> assertThat(e.error())
                        .isEqualTo(Http2Error.PROTOCOL_ERROR));
        assertThatThrownBy(() -> Http2Messages.request(
                        5,
                        new DefaultHttp2Headers().scheme("http").authority("a").path("/"),
                        true))
                .isInstanceOf(Http2Exception.StreamException.class);
        assertThatThrownBy(() -> Http2Messages.request(5, get("/").method("BAD METHOD"), true))
                .isInstanceOf(Http2Exception.StreamException.class);
    }

    @Test
    void connectTargetsItsAuthorityWhichTheExchangeRefusesLikeOverHttp11() throws Exception {
        HttpRequest req = Http2Messages.request(
                7, new DefaultHttp2Headers().method("CONNECT").authority("example.com:443"), false);
        assertThat(req.method()).isEqualTo(HttpMethod.CONNECT);
        assertThat(req.uri()).isEqualTo("example.com:443");
    }

    @Test
    void requestTrailersBecomeTheLastContent() throws Exception {
        LastHttpContent last = Http2Messages.trailers(3, new DefaultHttp2Headers().add("grpc-status", "0"));
        try {
            assertThat(last.content().readableBytes()).isZero();
            assertThat(last.trailingHeaders().get("grpc-status")).isEqualTo("0");
        } finally {
            last.release();
        }
    }

    @Test
    void responseHeadersAreLowerCasedWithoutConnectionSpecificFields() {
        FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CREATED);
        try {
            resp.headers()
                    .add("Content-Type", "text/plain")
                    .add("X-Multi", "1")
                    .add("X-Multi", "2")
                    .add("Connection", "keep-alive")
                    .add("Keep-Alive", "timeout=5")
                    .add("Transfer-Encoding", "chunked")
                    .add("x-http2-stream-id", "3")
                    .add("content-length", "0");
            Http2Headers h = Http2Messages.responseHeaders(resp);
            assertThat(h.status().toString()).isEqualTo("201");
            assertThat(h.get("content-type").toString()).isEqualTo("text/plain");
            assertThat(h.getAll("x-multi")).extracting(CharSequence::toString).containsExactly("1", "2");
            assertThat(h.get("content-length").toString()).isEqualTo("0");
            assertThat(h.contains("connection")).isFalse();
            assertThat(h.contains("keep-alive")).isFalse();
            assertThat(h.contains("transfer-encoding")).isFalse();
            assertThat(h.contains("x-http2-stream-id")).isFalse();
            assertThat(h.names()).allSatisfy(n -> assertThat(n.toString()).isLowerCase());
        } finally {
            resp.release();
        }
    }

    @Test
    void responseTrailersKeepTheirFields() {
        HttpHeaders trailers = new DefaultHttpHeaders().add("Grpc-Status", "0").add("grpc-message", "ok");
        Http2Headers h = Http2Messages.responseTrailers(trailers);
        assertThat(h.get("grpc-status").toString()).isEqualTo("0");
        assertThat(h.get("grpc-message").toString()).isEqualTo("ok");
        assertThat(h.status()).isNull();
    }
}
