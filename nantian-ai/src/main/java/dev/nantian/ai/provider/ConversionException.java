package dev.nantian.ai.provider;

import dev.nantian.core.NantianException;

/**
 * A request cannot be expressed in the provider's API (an unsupported content part, a malformed tool call), or a
 * provider reply cannot be read. The gateway answers 400 ({@link Category#PROTOCOL} from the client) or 502 (from
 * the provider) with the message, which never contains credentials.
 */
public final class ConversionException extends NantianException {
    private static final long serialVersionUID = 1L;

    public ConversionException(String message) {
        super(Category.PROTOCOL, message);
    }
}
