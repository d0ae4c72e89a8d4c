package dev.nantian.ai.provider;

/** Lets tests in other packages reuse the recorded Anthropic stream. */
public final class AnthropicCodecTestAccess {
    private AnthropicCodecTestAccess() {}

    public static String recordedStream() {
        return AnthropicCodecTest.RECORDED_STREAM;
    }

    /** The expected conversion, at the codec test's fixed clock (1700000000). */
    public static String expected() {
        return AnthropicCodecTest.EXPECTED;
    }
}
