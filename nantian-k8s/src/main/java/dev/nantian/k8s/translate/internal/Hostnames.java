package dev.nantian.k8s.translate.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Gateway API hostname semantics: a wildcard {@code *.example.com} matches names with one or more labels in front of
 * {@code example.com}, never {@code example.com} itself.
 */
final class Hostnames {
    private Hostnames() {}

    /** Whether {@code name} (exact) is matched by {@code pattern} (exact or wildcard). */
    static boolean matches(String pattern, String name) {
        if (pattern.startsWith("*.")) {
            String suffix = pattern.substring(1); // ".example.com"
            return !name.startsWith("*.") && name.length() > suffix.length() && name.endsWith(suffix);
        }
        return pattern.equals(name);
    }

    /**
     * The intersection of a listener hostname and one route hostname: the more specific of the two when one
     * includes the other, or {@code null} when they have no name in common.
     */
    static String intersect(String listener, String route) {
        boolean lw = listener.startsWith("*.");
        boolean rw = route.startsWith("*.");
        if (!lw && !rw) {
            return listener.equals(route) ? listener : null;
        }
        if (lw && !rw) {
            return matches(listener, route) ? route : null;
        }
        if (!lw) {
            return matches(route, listener) ? listener : null;
        }
        // both wildcards: the longer suffix is the more specific one if it lies within the other
        if (listener.equals(route)) {
            return listener;
        }
        if (route.endsWith(listener.substring(1))) {
            return route;
        }
        if (listener.endsWith(route.substring(1))) {
            return listener;
        }
        return null;
    }

    /**
     * The hostnames a route serves on a listener: the intersection of the listener's hostname (null means any) and
     * the route's hostnames (empty means any); {@code *} when both are unrestricted; empty when nothing intersects.
     */
    static List<String> effective(String listener, List<String> route) {
        if (route.isEmpty()) {
            return List.of(listener == null ? "*" : listener);
        }
        if (listener == null) {
            return List.copyOf(new LinkedHashSet<>(route));
        }
        Set<String> out = new LinkedHashSet<>();
        for (String r : route) {
            String i = intersect(listener, r);
            if (i != null) {
                out.add(i);
            }
        }
        return new ArrayList<>(out);
    }
}
