package dev.nantian.core.model;

import dev.nantian.core.internal.Checks;
import java.util.List;

/**
 * Edits to a header block, applied in the order Gateway API specifies: {@code remove}, then {@code set} (replacing
 * every existing value), then {@code add} (appending a value).
 *
 * @param set headers whose values are replaced
 * @param add headers whose values are appended
 * @param remove names of headers to remove (case-insensitive)
 */
public record HeaderModifier(List<HttpHeader> set, List<HttpHeader> add, List<String> remove) {
    public HeaderModifier {
        set = Checks.list(set, "set");
        add = Checks.list(add, "add");
        remove = Checks.list(remove, "remove");
    }

    /** True when the modifier changes nothing. */
    public boolean isEmpty() {
        return set.isEmpty() && add.isEmpty() && remove.isEmpty();
    }
}
