package dev.nantian.ai.internal;

import dev.nantian.core.NantianException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
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
        ByteBuffer in = chunk.duplicate();
        while (in.hasRemaining()) {
            byte b = in.get();
            if (b == '\n') {
                if (lastWasCr) {
                    lastWasCr = false; // the LF of a CRLF
                    continue;
                }
                endLine();
            } else if (b == '\r') {
                lastWasCr = true;
                endLine();
            } else {
                lastWasCr = false;
                if (line.size() + data.length() >= maxEventBytes) {
                    throw new NantianException(
                            NantianException.Category.LIMIT, "SSE event larger than " + maxEventBytes + " bytes");
                }
                line.write(b);
            }
        }
    }

    /** Ends the stream: a last event without its blank line is dispatched, as browsers do not, but proxies should. */
    public void finish() {
        if (line.size() > 0) {
            endLine();
        }
        dispatch();
    }

    private void endLine() {
        if (line.size() == 0) {
            dispatch();
            return;
        }
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
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
