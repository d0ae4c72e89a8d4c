package dev.nantian.proxy.internal;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpObject;

/** Receives what an upstream connection reads while it serves one request. Every method runs on its event loop. */
interface UpstreamListener {

    /** A response object; the listener owns it and must release or forward it. */
    void onUpstreamMessage(HttpObject msg);

    /**
     * Raw bytes the HTTP decoder passed on after a {@code 101 Switching Protocols} response (the upgraded protocol's
     * first bytes, read together with the response head). The listener owns {@code buf}; by default it is dropped.
     */
    default void onUpstreamBytes(ByteBuf buf) {
        buf.release();
    }

    /** The connection finished a read; a good moment to flush downstream and ask for more. */
    void onUpstreamReadComplete();

    /**
     * The connection closed or failed before the listener detached.
     *
     * @param cause the failure, or {@code null} for a plain close
     */
    void onUpstreamClosed(Throwable cause);
}
