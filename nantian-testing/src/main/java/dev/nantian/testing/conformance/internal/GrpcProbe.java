package dev.nantian.testing.conformance.internal;

import dev.nantian.testing.echo.internal.GrpcEchoMethods;
import dev.nantian.testing.echo.internal.grpcecho.EchoRequest;
import dev.nantian.testing.echo.internal.grpcecho.EchoResponse;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Upstream's gRPC {@code DefaultClient} (conformance/utils/grpc): one plain-text (h2c) channel to the gateway,
 * reused for every RPC until it answers INTERNAL (then redialled), unary calls of the echo service with outgoing
 * metadata. Thread-safe: the weight sampler shares one probe between threads, as upstream shares its client.
 */
final class GrpcProbe implements AutoCloseable {

    /** One RPC's outcome: the status code and, when OK, the echo. */
    record Result(Status.Code code, String description, EchoResponse response) {}

    private final InetSocketAddress address;
    private ManagedChannel channel; // guarded by this

    GrpcProbe(InetSocketAddress address) {
        this.address = address;
    }

    /**
     * Calls {@code fullMethod} ({@code /service/method}) with {@code metadata} (keys lower-cased, as Go's
     * {@code metadata.New}).
     */
    Result call(String fullMethod, Map<String, String> metadata, Duration timeout) {
        ManagedChannel ch = channel();
        Metadata headers = new Metadata();
        metadata.forEach((k, v) ->
                headers.put(Metadata.Key.of(k.toLowerCase(Locale.ROOT), Metadata.ASCII_STRING_MARSHALLER), v));
        try {
            EchoResponse response = ClientCalls.blockingUnaryCall(
                    ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(headers)),
                    GrpcEchoMethods.fullMethod(fullMethod.startsWith("/") ? fullMethod.substring(1) : fullMethod),
                    CallOptions.DEFAULT.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS),
                    EchoRequest.getDefaultInstance());
            return new Result(Status.Code.OK, null, response);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.INTERNAL) {
                reset(ch);
            }
            return new Result(e.getStatus().getCode(), e.getStatus().getDescription(), null);
        }
    }

    private synchronized ManagedChannel channel() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress(address.getHostString(), address.getPort())
                    .usePlaintext()
                    .build();
        }
        return channel;
    }

    private synchronized void reset(ManagedChannel ch) {
        if (channel == ch) {
            channel = null;
            ch.shutdownNow();
        }
    }

    /** Upstream's code names ({@code Unimplemented}, {@code DeadlineExceeded}, ...) as grpc-java codes. */
    static Status.Code code(String goName) {
        if (goName == null || goName.isBlank()) {
            throw new IllegalArgumentException("no gRPC code");
        }
        if (goName.equals("Canceled")) {
            return Status.Code.CANCELLED;
        }
        String snake = goName.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        return Status.Code.valueOf(snake);
    }

    @Override
    public synchronized void close() {
        if (channel != null) {
            channel.shutdownNow();
            try {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            channel = null;
        }
    }
}
