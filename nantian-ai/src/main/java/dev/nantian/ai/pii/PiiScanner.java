package dev.nantian.ai.pii;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds PII in text: each enabled detector proposes candidates with a regular expression, then validates them
 * (checksums, ranges, allocation rules), so that order numbers and timestamps are not redacted as cards or phones.
 * Overlapping findings resolve to the one that starts first, then the longest. Immutable and thread-safe.
 */
public final class PiiScanner {
    private static final Pattern EMAIL =
            Pattern.compile("(?<![\\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\\.)+[A-Za-z]{2,24}(?![\\w-])");
    private static final Pattern CARD = Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])");
    private static final Pattern SSN = Pattern.compile("(?<![\\d-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\d-])");
    private static final Pattern IBAN =
            Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])");
    private static final Pattern PHONE =
            Pattern.compile("(?<![\\w+])(?:\\+[1-9]\\d{0,2}[ .-]?(?:\\(?\\d{1,4}\\)?[ .-]?){1,4}\\d{2,4}"
                    + "|\\(?[2-9]\\d{2}\\)?[ .-]\\d{3}[ .-]\\d{4})(?![\\w])");
    private static final Pattern IPV4 = Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.])");
    private static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\\d{1,3}\\.){3}\\d{1,3})?(?![0-9A-Fa-f:])");
    private static final Pattern SECRET = Pattern.compile("(?<![A-Za-z0-9_-])(?:"
            + "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}" // JWT
            + "|sk-(?:proj-|ant-(?:api|admin)\\d{2}-)?[A-Za-z0-9_-]{20,}" // OpenAI, Anthropic
            + "|(?:AKIA|ASIA)[0-9A-Z]{16}" // AWS access key id
            + "|gh[pousr]_[A-Za-z0-9]{36,}" // GitHub tokens
            + "|github_pat_[A-Za-z0-9_]{40,}"
            + "|xox[abprs]-[A-Za-z0-9-]{10,}" // Slack
            + "|AIza[0-9A-Za-z_-]{35}" // Google API key
            + ")(?![A-Za-z0-9_-])");

    private final Set<PiiType> types;

    /** A scanner for the given types. */
    public PiiScanner(Set<PiiType> types) {
        this.types = types.isEmpty() ? EnumSet.noneOf(PiiType.class) : EnumSet.copyOf(types);
    }

    /** The types this scanner looks for. */
    public Set<PiiType> types() {
        return EnumSet.copyOf(types.isEmpty() ? EnumSet.noneOf(PiiType.class) : types);
    }

    /** Every validated, non-overlapping finding in {@code text}, in order. */
    public List<PiiFinding> scan(CharSequence text) {
        List<PiiFinding> found = new ArrayList<>();
        if (types.contains(PiiType.SECRET)) {
            collect(SECRET, text, PiiType.SECRET, found);
        }
        if (types.contains(PiiType.EMAIL) && indexOf(text, '@') >= 0) {
            collect(EMAIL, text, PiiType.EMAIL, found);
        }
        if (types.contains(PiiType.IBAN)) {
            collect(IBAN, text, PiiType.IBAN, found);
        }
        if (types.contains(PiiType.CREDIT_CARD)) {
            collect(CARD, text, PiiType.CREDIT_CARD, found);
        }
        if (types.contains(PiiType.SSN)) {
            collect(SSN, text, PiiType.SSN, found);
        }
        if (types.contains(PiiType.IP_ADDRESS)) {
            collect(IPV4, text, PiiType.IP_ADDRESS, found);
            if (indexOf(text, ':') >= 0) {
                collect(IPV6, text, PiiType.IP_ADDRESS, found);
            }
        }
        if (types.contains(PiiType.PHONE)) {
            collect(PHONE, text, PiiType.PHONE, found);
        }
        if (found.size() < 2) {
            return found;
        }
        // Detectors ran in priority order; a stable sort keeps that order among equal spans.
        found.sort(Comparator.comparingInt(PiiFinding::start)
                .thenComparing(
                        Comparator.comparingInt((PiiFinding f) -> f.end()).reversed()));
        List<PiiFinding> resolved = new ArrayList<>(found.size());
        int end = -1;
        for (PiiFinding f : found) {
            if (f.start() >= end) {
                resolved.add(f);
                end = f.end();
            }
        }
        return resolved;
    }

    private static int indexOf(CharSequence text, char c) {
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    private static void collect(Pattern pattern, CharSequence text, PiiType type, List<PiiFinding> out) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            String candidate = m.group();
            if (valid(type, candidate, m)) {
                out.add(new PiiFinding(type, m.start(), m.end()));
            }
        }
    }

    private static boolean valid(PiiType type, String candidate, Matcher m) {
        switch (type) {
            case CREDIT_CARD:
                return validCard(digits(candidate));
            case SSN:
                return validSsn(m.group(1), m.group(2), m.group(3));
            case IBAN:
                return validIban(candidate.replace(" ", ""));
            case IP_ADDRESS:
                return candidate.indexOf(':') >= 0 ? validIpv6(candidate) : validIpv4(candidate);
            case PHONE:
                int n = digits(candidate).length();
                return n >= 10 && n <= 15;
            default:
                return true;
        }
    }

    private static String digits(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** Luhn over 13 to 19 digits, with a known issuer prefix (Visa, Mastercard, Amex, Discover, JCB, Diners, ...). */
    static boolean validCard(String digits) {
        int n = digits.length();
        if (n < 13 || n > 19) {
            return false;
        }
        char first = digits.charAt(0);
        if (first != '2' && first != '3' && first != '4' && first != '5' && first != '6') {
            return false;
        }
        int sum = 0;
        boolean dbl = false;
        for (int i = n - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return sum % 10 == 0;
    }

    /** SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000. */
    static boolean validSsn(String area, String group, String serial) {
        int a = Integer.parseInt(area);
        return a != 0 && a != 666 && a < 900 && !"00".equals(group) && !"0000".equals(serial);
    }

    /** ISO 13616: 15 to 34 characters, ISO 7064 mod-97 equals 1. */
    static boolean validIban(String iban) {
        if (iban.length() < 15 || iban.length() > 34) {
            return false;
        }
        String rearranged = iban.substring(4) + iban.substring(0, 4);
        StringBuilder numeric = new StringBuilder(rearranged.length() * 2);
        for (int i = 0; i < rearranged.length(); i++) {
            char c = rearranged.charAt(i);
            if (c >= '0' && c <= '9') {
                numeric.append(c);
            } else if (c >= 'A' && c <= 'Z') {
                numeric.append(c - 'A' + 10);
            } else {
                return false;
            }
        }
        return new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
    }

    static boolean validIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.charAt(0) == '0') || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** RFC 4291 text forms: 8 groups, or fewer with one {@code ::}, optionally ending in an IPv4 address. */
    static boolean validIpv6(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        int groups = 0;
        String v6 = lower;
        int lastColon = lower.lastIndexOf(':');
        if (lower.indexOf('.') >= 0) {
            if (!validIpv4(lower.substring(lastColon + 1))) {
                return false;
            }
            groups += 2;
            v6 = lower.substring(0, lastColon + 1) + "0"; // placeholder group keeps the colon structure
            groups -= 1;
        }
        int dbl = v6.indexOf("::");
        if (dbl >= 0 && v6.indexOf("::", dbl + 1) >= 0) {
            return false;
        }
        if (dbl < 0 && (v6.startsWith(":") || v6.endsWith(":"))) {
            return false;
        }
        String[] parts = v6.split(":", -1);
        int empty = 0;
        for (String p : parts) {
            if (p.isEmpty()) {
                empty++;
                continue;
            }
            if (p.length() > 4) {
                return false;
            }
            groups++;
        }
        if (dbl < 0) {
            return groups == 8 && empty == 0;
        }
        // "std::vector" must not read as an address: a compressed form needs two groups, or a leading "::" (::1)
        return groups <= 7 && (groups >= 2 || (v6.startsWith("::") && groups >= 1));
    }
}
