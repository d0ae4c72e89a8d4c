package dev.nantian.xds.codec.internal;

import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;

/**
 * Gateway API CORS origins as Envoy string matchers: exact origins stay exact, {@code *} becomes {@code .*}, and an
 * origin with a wildcard host label becomes a regex of {@code \Q...\E} literals around {@link #WILDCARD}. RE2 and
 * {@link java.util.regex.Pattern} both read that form, and {@link #origin} reads it back.
 */
public final class Origins {
    static final String ANY = ".*";
    static final String WILDCARD = "[^/]+";

    private Origins() {}

    public static StringMatcher matcher(String origin) {
        if (origin.equals("*")) {
            return regex(ANY);
        }
        if (origin.indexOf('*') < 0) {
            return StringMatcher.newBuilder().setExact(origin).build();
        }
        StringBuilder re = new StringBuilder();
        String[] parts = origin.split("\\*", -1);
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) {
                re.append(WILDCARD);
            }
            if (!parts[i].isEmpty()) {
                re.append("\\Q").append(parts[i]).append("\\E");
            }
        }
        return regex(re.toString());
    }

    private static StringMatcher regex(String re) {
        return StringMatcher.newBuilder()
                .setSafeRegex(RegexMatcher.newBuilder().setRegex(re))
                .build();
    }

    /** The origin {@code m} stands for, or {@code null} when it is not of a form {@link #matcher} writes. */
    public static String origin(StringMatcher m) {
        if (m.hasExact() && !m.getIgnoreCase()) {
            return m.getExact();
        }
        if (!m.hasSafeRegex() || m.getIgnoreCase()) {
            return null;
        }
        String re = m.getSafeRegex().getRegex();
        if (re.equals(ANY)) {
            return "*";
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < re.length()) {
            if (re.startsWith("\\Q", i)) {
                int end = re.indexOf("\\E", i + 2);
                if (end < 0) {
                    return null;
                }
                out.append(re, i + 2, end);
                i = end + 2;
            } else if (re.startsWith(WILDCARD, i)) {
                out.append('*');
                i += WILDCARD.length();
            } else {
                return null;
            }
        }
        return out.indexOf("*") < 0 ? null : out.toString();
    }
}
