package dev.nantian.ai.internal;

import dev.nantian.core.NantianException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream into LF-terminated lines (NDJSON), fed arbitrary chunk boundaries; a trailing CR is dropped,
 * blank lines are skipped. Keeps only the current line, bounded by {@code maxLineBytes}. Not thread-safe.
 */
public final class LineParser {
    private final int maxLineBytes;
    private final Consumer<String> listener;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);

    public LineParser(int maxLineBytes, Consumer<String> listener) {
        this.maxLineBytes = maxLineBytes;
        this.listener = listener;
    }

    /** Consumes the chunk's remaining bytes (without moving its position). */
    public void feed(ByteBuffer chunk) {
        ByteBuffer in = chunk.duplicate();
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                endLine();
            } else {
                if (line.size() >= maxLineBytes) {
                    throw new NantianException(
                            NantianException.Category.LIMIT, "NDJSON line longer than " + maxLineBytes + " bytes");
                }
                line.write(b);
            }
        }
    }

    /** Ends the stream, emitting a last line that had no LF. */
    public void finish() {
        endLine();
    }

    private void endLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (!text.isBlank()) {
            listener.accept(text);
        }
    }
}
