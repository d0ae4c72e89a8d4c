package dev.nantian.ai.pii;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
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
 *
 * <p>Running every detector's regex over the whole text tries each of its positions eight times, most of them in
 * plain prose. Instead one linear pass looks for trigger characters (digits, {@code @}, {@code :} and characters
 * of the secret prefixes) and takes the maximal run of the detector's character class around each as a window; the
 * detector's regex then runs only inside windows that could hold a finding, with transparent bounds so that its
 * lookarounds still see the neighbours. Every character a detector's regex can consume is in its class, so each
 * match lies inside one window and the regex finds the same matches, in the same order, as over the whole text.
 */
public final class PiiScanner {
    static final Pattern EMAIL =
            Pattern.compile("(?<![\\w.%+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\\.)+[A-Za-z]{2,24}(?![\\w-])");
    static final Pattern CARD = Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])");
    static final Pattern SSN = Pattern.compile("(?<![\\d-])(\\d{3})-(\\d{2})-(\\d{4})(?![\\d-])");
    static final Pattern IBAN = Pattern.compile("(?<![A-Za-z0-9])[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}(?![A-Za-z0-9])");
    static final Pattern PHONE =
            Pattern.compile("(?<![\\w+])(?:\\+[1-9]\\d{0,2}[ .-]?(?:\\(?\\d{1,4}\\)?[ .-]?){1,4}\\d{2,4}"
                    + "|\\(?[2-9]\\d{2}\\)?[ .-]\\d{3}[ .-]\\d{4})(?![\\w])");
    static final Pattern IPV4 = Pattern.compile("(?<![\\d.])(?:\\d{1,3}\\.){3}\\d{1,3}(?![\\d.])");
    // The embedded-IPv4 tail (::ffff:192.0.2.1) is tried before a hex group, which would otherwise stop at "192".
    static final Pattern IPV6 = Pattern.compile(
            "(?<![0-9A-Fa-f:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?(?![0-9A-Fa-f:])");
    static final Pattern SECRET = Pattern.compile("(?<![A-Za-z0-9_-])(?:"
            + "eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}" // JWT
            + "|sk-(?:proj-|ant-(?:api|admin)\\d{2}-)?[A-Za-z0-9_-]{20,}" // OpenAI, Anthropic
            + "|(?:AKIA|ASIA)[0-9A-Z]{16}" // AWS access key id
            + "|gh[pousr]_[A-Za-z0-9]{36,}" // GitHub tokens
            + "|github_pat_[A-Za-z0-9_]{40,}"
            + "|xox[abprs]-[A-Za-z0-9-]{10,}" // Slack
            + "|AIza[0-9A-Za-z_-]{35}" // Google API key
            + ")(?![A-Za-z0-9_-])");

    /** Every secret pattern starts with one of these; each holds a {@link #SECRET_TRIGGER} character. */
    private static final String[] SECRET_PREFIXES = {
        "eyJ", "sk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza"
    };
    /** The shortest secret: {@code xoxb-} and ten more characters. */
    private static final int MIN_SECRET = 15;
    /** The fewest letters and digits in an IBAN match: two letters, two check digits, eleven more. */
    private static final int MIN_IBAN = 15;

    // Character classes (ASCII only: no pattern uses UNICODE_CHARACTER_CLASS, so \d and \w are ASCII). A class is
    // a superset of every character its detectors' regexes can consume, so a match never leaves a maximal run.
    /** Card, SSN, phone and IPv4: digits, space, {@code . + ( ) -}. */
    private static final int NUMERIC = 1;
    /** IBAN: capitals, digits, space. */
    private static final int IBAN_CHARS = 1 << 1;
    /** E-mail: letters, digits, {@code . _ % + - @}. */
    private static final int EMAIL_CHARS = 1 << 2;
    /** IPv6: hex digits, {@code :} and {@code .} (an embedded IPv4 address). */
    private static final int IPV6_CHARS = 1 << 3;
    /** Secrets: letters, digits, {@code _ - .} (JWT segments). */
    private static final int SECRET_CHARS = 1 << 4;

    // Triggers: characters every match of a class's detectors contains; prose without them is skipped.
    private static final int DIGIT = 1 << 5;
    private static final int AT = 1 << 6;
    private static final int COLON = 1 << 7;
    /** {@code J} (eyJ), {@code -} (sk-, xox?-), {@code A} (AKIA, ASIA, AIza), {@code _} (gh?_, github_pat_). */
    private static final int SECRET_TRIGGER = 1 << 8;

    private static final short[] CLASSES = classes();

    private static short[] classes() {
        short[] t = new short[128];
        for (char c = 0; c < 128; c++) {
            boolean digit = c >= '0' && c <= '9';
            boolean upper = c >= 'A' && c <= 'Z';
            boolean lower = c >= 'a' && c <= 'z';
            boolean hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            int f = 0;
            if (digit || " .+()-".indexOf(c) >= 0) {
                f |= NUMERIC;
            }
            if (digit || upper || c == ' ') {
                f |= IBAN_CHARS;
            }
            if (digit || upper || lower || "._%+-@".indexOf(c) >= 0) {
                f |= EMAIL_CHARS;
            }
            if (hex || c == ':' || c == '.') {
                f |= IPV6_CHARS;
            }
            if (digit || upper || lower || "_-.".indexOf(c) >= 0) {
                f |= SECRET_CHARS;
            }
            if (digit) {
                f |= DIGIT;
            }
            if (c == '@') {
                f |= AT;
            }
            if (c == ':') {
                f |= COLON;
            }
            if ("J-A_".indexOf(c) >= 0) {
                f |= SECRET_TRIGGER;
            }
            t[c] = (short) f;
        }
        return t;
    }

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
        if (types.isEmpty()) {
            return new ArrayList<>();
        }
        Windows w = windows(text);
        List<PiiFinding> found = new ArrayList<>();
        if (types.contains(PiiType.SECRET)) {
            collect(SECRET, text, w.secret, PiiType.SECRET, found);
        }
        if (types.contains(PiiType.EMAIL)) {
            collect(EMAIL, text, w.email, PiiType.EMAIL, found);
        }
        if (types.contains(PiiType.IBAN)) {
            collect(IBAN, text, w.iban, PiiType.IBAN, found);
        }
        if (types.contains(PiiType.CREDIT_CARD)) {
            collect(CARD, text, w.card, PiiType.CREDIT_CARD, found);
        }
        if (types.contains(PiiType.SSN)) {
            collect(SSN, text, w.ssn, PiiType.SSN, found);
        }
        if (types.contains(PiiType.IP_ADDRESS)) {
            collect(IPV4, text, w.ipv4, PiiType.IP_ADDRESS, found);
            collect(IPV6, text, w.ipv6, PiiType.IP_ADDRESS, found);
        }
        if (types.contains(PiiType.PHONE)) {
            collect(PHONE, text, w.phone, PiiType.PHONE, found);
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

    /** Candidate windows per detector, each a list of disjoint, ascending {@code [start, end)} pairs. */
    private static final class Windows {
        final Spans secret = new Spans();
        final Spans email = new Spans();
        final Spans iban = new Spans();
        final Spans card = new Spans();
        final Spans ssn = new Spans();
        final Spans ipv4 = new Spans();
        final Spans ipv6 = new Spans();
        final Spans phone = new Spans();
    }

    /** A growable list of {@code [start, end)} pairs. */
    private static final class Spans {
        int[] bounds = new int[8];
        int size;

        void add(int start, int end) {
            if (size == bounds.length) {
                bounds = Arrays.copyOf(bounds, size * 2);
            }
            bounds[size++] = start;
            bounds[size++] = end;
        }
    }

    private static int flags(CharSequence text, int i) {
        char c = text.charAt(i);
        return c < 128 ? CLASSES[c] : 0;
    }

    private static int runStart(CharSequence text, int i, int cls) {
        while (i > 0 && (flags(text, i - 1) & cls) != 0) {
            i--;
        }
        return i;
    }

    private static int runEnd(CharSequence text, int i, int cls) {
        int n = text.length();
        while (i < n && (flags(text, i) & cls) != 0) {
            i++;
        }
        return i;
    }

    /**
     * One pass over {@code text}: at each trigger character not inside a run already seen, takes the maximal run of
     * the class around it and keeps it for the detectors that could match there. Runs of one class are disjoint, so
     * each is examined once and the windows come out in order.
     */
    private static Windows windows(CharSequence text) {
        Windows w = new Windows();
        int n = text.length();
        int numericEnd = 0;
        int ibanEnd = 0;
        int emailEnd = 0;
        int ipv6End = 0;
        int secretEnd = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 128) {
                continue;
            }
            int f = CLASSES[c];
            if ((f & (DIGIT | AT | COLON | SECRET_TRIGGER)) == 0) {
                continue;
            }
            if ((f & DIGIT) != 0 && i >= numericEnd) {
                int s = runStart(text, i, NUMERIC);
                numericEnd = runEnd(text, i, NUMERIC);
                numericWindows(text, s, numericEnd, w);
            }
            if ((f & DIGIT) != 0 && i >= ibanEnd) {
                int s = runStart(text, i, IBAN_CHARS);
                ibanEnd = runEnd(text, i, IBAN_CHARS);
                if (mayHoldIban(text, s, ibanEnd)) {
                    w.iban.add(s, ibanEnd);
                }
            }
            if ((f & AT) != 0 && i >= emailEnd) {
                int s = runStart(text, i, EMAIL_CHARS);
                emailEnd = runEnd(text, i, EMAIL_CHARS);
                w.email.add(s, emailEnd);
            }
            if ((f & COLON) != 0 && i >= ipv6End) {
                int s = runStart(text, i, IPV6_CHARS);
                ipv6End = runEnd(text, i, IPV6_CHARS);
                if (count(text, s, ipv6End, ':') >= 2) {
                    w.ipv6.add(s, ipv6End);
                }
            }
            if ((f & SECRET_TRIGGER) != 0 && i >= secretEnd) {
                int s = runStart(text, i, SECRET_CHARS);
                secretEnd = runEnd(text, i, SECRET_CHARS);
                if (secretEnd - s >= MIN_SECRET && hasSecretPrefix(text, s, secretEnd)) {
                    w.secret.add(s, secretEnd);
                }
            }
        }
        return w;
    }

    /** Keeps a numeric run for each detector whose matches need no more digits (and dots) than it has. */
    private static void numericWindows(CharSequence text, int start, int end, Windows w) {
        int digits = 0;
        int dots = 0;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.') {
                dots++;
            }
        }
        if (digits >= 13) {
            w.card.add(start, end);
        }
        if (digits >= 9) {
            w.ssn.add(start, end);
        }
        if (digits >= 10) { // fewer never pass the phone validation
            w.phone.add(start, end);
        }
        if (digits >= 4 && dots >= 3) {
            w.ipv4.add(start, end);
        }
    }

    /** Whether the run has two capitals followed by two digits, and enough letters and digits for an IBAN. */
    private static boolean mayHoldIban(CharSequence text, int start, int end) {
        int alnum = 0;
        boolean head = false;
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c != ' ') {
                alnum++;
            }
            if (!head
                    && i + 3 < end
                    && isUpper(c)
                    && isUpper(text.charAt(i + 1))
                    && isDigit(text.charAt(i + 2))
                    && isDigit(text.charAt(i + 3))) {
                head = true;
            }
        }
        return head && alnum >= MIN_IBAN;
    }

    private static boolean hasSecretPrefix(CharSequence text, int start, int end) {
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (c != 'e' && c != 's' && c != 'A' && c != 'g' && c != 'x') {
                continue;
            }
            for (String prefix : SECRET_PREFIXES) {
                if (startsWith(text, i, end, prefix)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startsWith(CharSequence text, int at, int end, String prefix) {
        if (end - at < prefix.length()) {
            return false;
        }
        for (int k = 0; k < prefix.length(); k++) {
            if (text.charAt(at + k) != prefix.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    private static int count(CharSequence text, int start, int end, char c) {
        int count = 0;
        for (int i = start; i < end; i++) {
            if (text.charAt(i) == c) {
                count++;
            }
        }
        return count;
    }

    private static boolean isUpper(char c) {
        return c >= 'A' && c <= 'Z';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /**
     * The length of the longest prefix of {@code text} that can be scanned (and redacted) on its own while the rest
     * is still to come: whatever follows, the findings of the whole text are those of the prefix plus those of the
     * rest scanned after it. 0 if there is no such prefix yet. For streams: keep {@code text[result, length)} until
     * more text arrives (or the stream ends).
     *
     * <p>The cut goes before a character {@code c} that no detector can consume and that no lookaround treats
     * differently from the end of the text: any character outside every class above (line breaks, tabs, quotes,
     * commas, non-ASCII ...), or a space that follows a character that cannot precede a space inside a finding. Only
     * cards, phones and IBANs contain spaces, always after a digit, a capital or {@code ')'}; so the space after a
     * lower-case word is a safe cut, which makes prose flow with a lag of about one word. This reasoning holds for
     * the patterns above: change them together.
     */
    public static int safePrefixLength(CharSequence text) {
        for (int c = text.length() - 1; c > 0; c--) {
            if (isBreak(text.charAt(c - 1), text.charAt(c))) {
                return c;
            }
        }
        return 0;
    }

    private static boolean isBreak(char before, char c) {
        if (c == ' ') {
            return !(isDigit(before) || isUpper(before) || before == ')');
        }
        return c >= 128 || (CLASSES[c] & (NUMERIC | IBAN_CHARS | EMAIL_CHARS | IPV6_CHARS | SECRET_CHARS)) == 0;
    }

    private static void collect(Pattern pattern, CharSequence text, Spans windows, PiiType type, List<PiiFinding> out) {
        if (windows.size == 0) {
            return;
        }
        // Transparent bounds: the lookbehinds and lookaheads see the characters around the window, as they would
        // over the whole text.
        Matcher m = pattern.matcher(text).useTransparentBounds(true);
        for (int k = 0; k < windows.size; k += 2) {
            m.region(windows.bounds[k], windows.bounds[k + 1]);
            while (m.find()) {
                String candidate = m.group();
                if (valid(type, candidate, m)) {
                    out.add(new PiiFinding(type, m.start(), m.end()));
                }
            }
        }
    }

    static boolean valid(PiiType type, String candidate, Matcher m) {
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
