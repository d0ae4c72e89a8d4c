package dev.nantian.testing.echo.internal;

import dev.nantian.testing.echo.internal.grpcecho.Assertions;
import dev.nantian.testing.echo.internal.grpcecho.Context;
import dev.nantian.testing.echo.internal.grpcecho.EchoRequest;
import dev.nantian.testing.echo.internal.grpcecho.EchoResponse;
import dev.nantian.testing.echo.internal.grpcecho.Header;
import dev.nantian.testing.echo.internal.grpcecho.TLSAssertions;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * Upstream's {@code echoServer} (echo-basic/grpc): Echo and EchoTwo answer with the method, the request metadata
 * (plus {@code :authority}), the pod context and, on the TLS port, the TLS facts; EchoThree stays unimplemented.
 * Handlers run on the transport threads (they never block).
 */
public final class GrpcEchoService {

    /** Metadata grpc-go keeps out of the incoming metadata (its {@code isReservedHeader}), so never echoed. */
    private static final Set<String> RESERVED = Set.of(
            "content-type",
            "user-agent",
            "grpc-message-type",
            "grpc-encoding",
            "grpc-message",
            "grpc-status",
            "grpc-timeout",
            "grpc-status-details-bin",
            "te");

    private static final io.grpc.Context.Key<Metadata> HEADERS = io.grpc.Context.key("nantian-echo-headers");
    private static final io.grpc.Context.Key<String> AUTHORITY = io.grpc.Context.key("nantian-echo-authority");
    private static final io.grpc.Context.Key<SSLSession> SESSION = io.grpc.Context.key("nantian-echo-session");

    private GrpcEchoService() {}

    /**
     * The service bound to the echo methods.
     *
     * @param tls whether the server runs on TLS (then the TLS facts are echoed)
     * @param log receives upstream's one stdout line per RPC
     */
    public static ServerServiceDefinition definition(EchoJson.Identity identity, boolean tls, Consumer<String> log) {
        Context context = Context.newBuilder()
                .setNamespace(identity.namespace())
                .setIngress(identity.ingress())
                .setServiceName(identity.service())
                .setPod(identity.pod())
                .build();
        ServerServiceDefinition service = ServerServiceDefinition.builder(GrpcEchoMethods.SERVICE)
                .addMethod(GrpcEchoMethods.ECHO, handler(GrpcEchoMethods.ECHO, context, tls, log))
                .addMethod(GrpcEchoMethods.ECHO_TWO, handler(GrpcEchoMethods.ECHO_TWO, context, tls, log))
                .build();
        return ServerInterceptors.intercept(service, new CaptureInterceptor());
    }

    private static ServerCallHandler<EchoRequest, EchoResponse> handler(
            MethodDescriptor<EchoRequest, EchoResponse> method, Context context, boolean tls, Consumer<String> log) {
        return ServerCalls.asyncUnaryCall((EchoRequest request, StreamObserver<EchoResponse> out) -> {
            log.accept("Received over " + (tls ? "TLS" : "plaintext") + ": " + request);
            out.onNext(echo(method, context, tls));
            out.onCompleted();
        });
    }

    private static EchoResponse echo(MethodDescriptor<?, ?> method, Context context, boolean tls) {
        String authority = AUTHORITY.get() == null ? "" : AUTHORITY.get();
        Assertions.Builder assertions = Assertions.newBuilder()
                .setFullyQualifiedMethod("/" + method.getFullMethodName())
                .setAuthority(authority)
                .setContext(context);
        Metadata headers = HEADERS.get();
        if (headers != null) {
            for (String key : headers.keys()) {
                if (RESERVED.contains(key)) {
                    continue;
                }
                if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                    Iterable<byte[]> values = headers.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER));
                    if (values != null) {
                        for (byte[] v : values) {
                            // Go hands the decoded bytes on as a string; keep them printable here.
                            assertions.addHeaders(
                                    header(key, Base64.getEncoder().encodeToString(v)));
                        }
                    }
                    continue;
                }
                Iterable<String> values = headers.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
                if (values != null) {
                    for (String v : values) {
                        assertions.addHeaders(header(key, v));
                    }
                }
            }
        }
        assertions.addHeaders(header(":authority", authority));
        SSLSession session = SESSION.get();
        if (tls && session != null) {
            TlsInfo info = TlsInfo.of(session, "h2");
            assertions.setTlsAssertions(TLSAssertions.newBuilder()
                    .setVersion(info.version())
                    .setNegotiatedProtocol(info.negotiatedProtocol())
                    .setServerName(info.serverName())
                    .setCipherSuite(info.cipherSuite())
                    .addAllPeerCertificates(List.copyOf(info.peerCertificates()))
                    .build());
        }
        return EchoResponse.newBuilder()
                .setAssertions(assertions)
                .setRequest(EchoRequest.getDefaultInstance())
                .build();
    }

    private static Header header(String key, String value) {
        return Header.newBuilder().setKey(key).setValue(value).build();
    }

    /** Makes each call's metadata, authority and TLS session visible to the handler through the gRPC context. */
    private static final class CaptureInterceptor implements ServerInterceptor {
        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(
                ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            io.grpc.Context ctx = io.grpc.Context.current()
                    .withValue(HEADERS, headers)
                    .withValue(AUTHORITY, call.getAuthority())
                    .withValue(SESSION, call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
            return Contexts.interceptCall(ctx, call, headers, next);
        }
    }
}
