package dev.nantian.ai.internal;

import dev.nantian.core.NantianException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser of {@code text/event-stream} (the WHATWG rules: lines end with LF, CRLF or CR; a blank
 * line ends an event; {@code data:} lines join with LF; a comment line starts with {@code :}). Fed arbitrary chunk
 * boundaries; it keeps only the current line and the current event's data, each bounded by {@code maxEventBytes}.
 * Not thread-safe: one per stream.
 */
public final class SseParser {
    /** Receives complete events. */
    public interface Listener {
        /**
         * One event.
         *
         * @param event the {@code event:} field, or {@code "message"} if there was none
         * @param data the joined {@code data:} lines
         */
        void onEvent(String event, String data);
    }

    private final Listener listener;
    private final int maxEventBytes;
    /** The current line: {@code line[0, lineLength)}. */
    private byte[] line = new byte[256];

    private int lineLength;
    private final StringBuilder data = new StringBuilder();
    private String event;
    private boolean hasData;
    private boolean lastWasCr;

    public SseParser(int maxEventBytes, Listener listener) {
        this.maxEventBytes = maxEventBytes;
        this.listener = listener;
    }

    /** Consumes the chunk's remaining bytes (without moving its position). */
    public void feed(ByteBuffer chunk) {
        // Absolute reads leave the caller's position alone; the bytes between line ends are copied in bulk.
        int i = chunk.position();
        int limit = chunk.limit();
        while (i < limit) {
            byte b = chunk.get(i);
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false; // the LF of a CRLF
                } else {
                    endLine();
                }
                i++;
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
                i++;
            } else {
                lastWasCr = false;
                int end = i + 1;
                while (end < limit) {
                    byte c = chunk.get(end);
                    if (c == '\n' || c == '\r') {
                        break;
                    }
                    end++;
                }
                append(chunk, i, end);
                i = end;
            }
        }
    }

    /** Appends {@code chunk[from, to)} to the line, or as much as fits and then fails if the event is too large. */
    private void append(ByteBuffer chunk, int from, int to) {
        int room = maxEventBytes - lineLength - data.length();
        int n = to - from;
        if (n > room) {
            if (room > 0) {
                copy(chunk, from, room);
            }
            throw new NantianException(
                    NantianException.Category.LIMIT, "SSE event larger than " + maxEventBytes + " bytes");
        }
        copy(chunk, from, n);
    }

    private void copy(ByteBuffer chunk, int from, int n) {
        if (lineLength + n > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + n));
        }
        chunk.get(from, line, lineLength, n);
        lineLength += n;
    }

    /** Ends the stream: a last event without its blank line is dispatched, as browsers do not, but proxies should. */
    public void finish() {
        if (lineLength > 0) {
            endLine();
        }
        dispatch();
    }

    private void endLine() {
        if (lineLength == 0) {
            dispatch();
            return;
        }
        String text = new String(line, 0, lineLength, StandardCharsets.UTF_8);
        lineLength = 0;
        if (text.charAt(0) == ':') {
            return;
        }
        int colon = text.indexOf(':');
        String field = colon < 0 ? text : text.substring(0, colon);
        String value = colon < 0 ? "" : text.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if ("data".equals(field)) {
            if (hasData) {
                data.append('\n');
            }
            data.append(value);
            hasData = true;
        } else if ("event".equals(field)) {
            event = value;
        }
    }

    private void dispatch() {
        if (hasData) {
            String name = event == null || event.isEmpty() ? "message" : event;
            String payload = data.toString();
            data.setLength(0);
            hasData = false;
            event = null;
            listener.onEvent(name, payload);
        } else {
            event = null;
        }
    }
}
