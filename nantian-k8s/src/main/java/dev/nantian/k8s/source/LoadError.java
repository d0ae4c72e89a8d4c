package dev.nantian.k8s.source;

import static java.util.Objects.requireNonNull;

/**
 * Why one document (or a whole file) was not loaded.
 *
 * @param file the file, relative to the loaded directory
 * @param documentIndex the position of the document in the file, from 0; -1 when the whole file failed
 * @param field the offending field as a path such as {@code spec.listeners[0].port}; empty when not about one field
 * @param message what is wrong
 */
public record LoadError(String file, int documentIndex, String field, String message) {
    public LoadError {
        requireNonNull(file, "file");
        requireNonNull(field, "field");
        requireNonNull(message, "message");
    }

    /** {@code file#doc field: message}, the form logged and shown in status output. */
    @Override
    public String toString() {
        return file + (documentIndex >= 0 ? "#" + documentIndex : "") + (field.isEmpty() ? "" : " " + field) + ": "
                + message;
    }
}
