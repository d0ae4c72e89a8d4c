package dev.nantian.testing.echo.internal;

import dev.nantian.testing.echo.internal.grpcecho.EchoRequest;
import dev.nantian.testing.echo.internal.grpcecho.EchoResponse;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * The unary methods of {@code gateway_api_conformance.echo_basic.grpcecho.GrpcEcho}, bound by hand (the build has
 * protoc but not the grpc-java code generator): shared by the echo server and the conformance runner's client.
 */
public final class GrpcEchoMethods {

    /** The fully qualified service name. */
    public static final String SERVICE = "gateway_api_conformance.echo_basic.grpcecho.GrpcEcho";

    /** Echo: answers with the request's assertions. */
    public static final MethodDescriptor<EchoRequest, EchoResponse> ECHO = method("Echo");

    /** EchoTwo: behaves as Echo at another method name. */
    public static final MethodDescriptor<EchoRequest, EchoResponse> ECHO_TWO = method("EchoTwo");

    /** EchoThree: declared by the service, implemented by nobody (UNIMPLEMENTED). */
    public static final MethodDescriptor<EchoRequest, EchoResponse> ECHO_THREE = method("EchoThree");

    private GrpcEchoMethods() {}

    /** The descriptor of method {@code name} of the service, whether it exists or not. */
    public static MethodDescriptor<EchoRequest, EchoResponse> method(String name) {
        return fullMethod(MethodDescriptor.generateFullMethodName(SERVICE, name));
    }

    /** A unary echo-typed method by its full name ({@code package.Service/Method}), whether it exists or not. */
    public static MethodDescriptor<EchoRequest, EchoResponse> fullMethod(String fullName) {
        return MethodDescriptor.<EchoRequest, EchoResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(fullName)
                .setRequestMarshaller(ProtoUtils.marshaller(EchoRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(EchoResponse.getDefaultInstance()))
                .build();
    }
}
