package dev.nantian.ai.provider;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/** Feeds a recorded stream to fresh converters split at every byte position (and byte by byte). */
final class StreamSplits {
    private StreamSplits() {}

    /** The converter's output for the stream cut into {@code a | b | c} at the given points. */
    static String run(StreamConverter converter, byte[] input, int... cuts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        for (int cut : cuts) {
            out.writeBytes(drain(converter.convert(
                    ByteBuffer.wrap(input, at, cut - at).slice().asReadOnlyBuffer())));
            at = cut;
        }
        out.writeBytes(drain(
                converter.convert(ByteBuffer.wrap(input, at, input.length - at).slice())));
        out.writeBytes(drain(converter.finish()));
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Asserts every two-way split and the byte-by-byte feed give {@code expected}. */
    static void assertAllSplits(Supplier<StreamConverter> converters, String recorded, String expected) {
        byte[] input = recorded.getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut <= input.length; cut++) {
            String got = run(converters.get(), input, cut);
            if (!got.equals(expected)) {
                throw new AssertionError("split at " + cut + " differs:\n" + got + "\nexpected:\n" + expected);
            }
        }
        StreamConverter c = converters.get();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte b : input) {
            out.writeBytes(drain(c.convert(ByteBuffer.wrap(new byte[] {b}))));
        }
        out.writeBytes(drain(c.finish()));
        if (!out.toString(StandardCharsets.UTF_8).equals(expected)) {
            throw new AssertionError("byte-by-byte feed differs:\n" + out.toString(StandardCharsets.UTF_8));
        }
    }

    private static byte[] drain(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
