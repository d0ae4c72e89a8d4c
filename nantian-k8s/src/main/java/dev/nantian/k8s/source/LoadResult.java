package dev.nantian.k8s.source;

import static java.util.Objects.requireNonNull;

import dev.nantian.k8s.translate.ResourceSet;
import java.util.List;

/**
 * What a load produced: every object that was valid, and an error for every document that was not. Invalid
 * documents never stop the others from loading.
 *
 * @param resources the valid objects
 * @param errors one entry per rejected document or unreadable file, in file order
 */
public record LoadResult(ResourceSet resources, List<LoadError> errors) {
    public LoadResult {
        requireNonNull(resources, "resources");
        errors = List.copyOf(errors);
    }

    /** Whether every document loaded. */
    public boolean isClean() {
        return errors.isEmpty();
    }
}
