package dev.nantian.proxy.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.core.routing.Binding;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The downstream pipeline on an {@link EmbeddedChannel}: framing errors and local answers, no sockets. */
class DownstreamPipelineTest {
    private final ProxySettings settings = new ProxySettings(
            UnpooledByteBufAllocator.DEFAULT,
            4096,
            8192,
            1024,
            1024,
            Duration.ofSeconds(10),
            Duration.ofSeconds(60),
            Duration.ofSeconds(30),
            8,
            Duration.ofSeconds(5),
            Duration.ofSeconds(5));
    private final UpstreamPools pools = new UpstreamPools(Transport.NIO, settings);
    private final EmbeddedChannel channel = new EmbeddedChannel(new DownstreamInitializer(
            new ProxyContext(settings, new AtomicReference<>(CompiledConfig.empty()), pools),
            new Binding(Binding.Transport.TCP, "127.0.0.1", 8080),
            new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE)));

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        pools.close();
    }

    private String exchange(String request) {
        channel.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    @Test
    void malformedRequestLineGets400AndClose() {
        assertThat(exchange("NOT HTTP AT ALL\r\n\r\n"))
                .startsWith("HTTP/1.1 400")
                .contains("connection: close");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void tooLongRequestLineGets414() {
        assertThat(exchange("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: x\r\n\r\n"))
                .startsWith("HTTP/1.1 414");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void declaredBodyOverTheLimitGets413BeforeReadingIt() {
        assertThat(exchange("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n"))
                .startsWith("HTTP/1.1 413");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void socketWithoutConfigAnswers503() {
        assertThat(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).startsWith("HTTP/1.1 503");
    }
}
