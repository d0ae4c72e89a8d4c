package dev.nantian.ai.pii;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class PiiScannerTest {
    private final PiiScanner scanner = new PiiScanner(EnumSet.allOf(PiiType.class));

    /** Real findings, and lookalikes that a window could cut or join wrongly. */
    private static final String[] FRAGMENTS = {
        "bob.smith+x@example.co.uk",
        "a@b",
        "x@y.z",
        "@",
        "@@",
        "jane@ex-ample.com.",
        "a%b@example.com",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "4111 1111 1111 1112",
        "5500-0000-0000-0004",
        "123-45-6789",
        "000-12-3456",
        "666-12-3456",
        "123-45-67890",
        "GB82 WEST 1234 5698 7654 32",
        "GB82WEST12345698765432",
        "DE89370400440532013000",
        "DE89 3704 0044 0532 0130 00",
        "GB82 WEST 1234 5698 7654 33",
        "NO9386011117947",
        "NO93 8601 1117 947",
        "+49 151 12345678",
        "(415) 555-0132",
        "+1 212 555 0187",
        "415.555.0132",
        "+4915112345678",
        "192.168.1.20",
        "10.0.42.7",
        "999.1.1.1",
        "1.2.3.4.5",
        "01.2.3.4",
        "2001:db8::8a2e:370:7334",
        "::1",
        "std::vector",
        "10:30:45",
        "::ffff:192.168.1.1",
        "fe80::1:2:3:4:5:6:7:8",
        "sk-proj-abcdefghijklmnopqrstuvwx12",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAIOSFODNN7EXAMPL",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "github_pat_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH",
        "xoxb-1234567890-abc",
        "xoxb-123",
        "xoxb-1234567890",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
        "the",
        "Order",
        "version",
        "x",
        "é",
        "ü@",
        "\n",
        "\t",
    };

    private static final String SEPARATORS = "  ..--__::@@++(())//,,;;%xXaAJe09é\n";

    @Test
    void findsTheSameAsRunningEveryRegexOverTheWholeText() {
        SplittableRandom random = new SplittableRandom(42);
        for (int round = 0; round < 20_000; round++) {
            StringBuilder text = new StringBuilder();
            int parts = 1 + random.nextInt(6);
            for (int p = 0; p < parts; p++) {
                switch (random.nextInt(3)) {
                    case 0:
                        text.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                        break;
                    case 1:
                        text.append(SEPARATORS.charAt(random.nextInt(SEPARATORS.length())));
                        break;
                    default:
                        for (int k = random.nextInt(4); k >= 0; k--) {
                            text.append(SEPARATORS.charAt(random.nextInt(SEPARATORS.length())));
                        }
                }
            }
            String s = text.toString();
            assertThat(scanner.scan(s)).as("scan of %s", s).isEqualTo(reference(s));
        }
    }

    @Test
    void findsAtTheStartAndEndOfTheText() {
        assertThat(scanner.scan("4111 1111 1111 1111")).containsExactly(new PiiFinding(PiiType.CREDIT_CARD, 0, 19));
        assertThat(scanner.scan("x 192.168.1.20")).containsExactly(new PiiFinding(PiiType.IP_ADDRESS, 2, 14));
        assertThat(scanner.scan("AKIAIOSFODNN7EXAMPLE")).containsExactly(new PiiFinding(PiiType.SECRET, 0, 20));
        assertThat(scanner.scan("a@b.co")).containsExactly(new PiiFinding(PiiType.EMAIL, 0, 6));
        // the shortest IBAN (Norway, 15 characters) and the shortest secret (a Slack token, 15 characters)
        assertThat(scanner.scan("NO9386011117947")).containsExactly(new PiiFinding(PiiType.IBAN, 0, 15));
        assertThat(scanner.scan("xoxb-1234567890")).containsExactly(new PiiFinding(PiiType.SECRET, 0, 15));
        assertThat(scanner.scan("::1")).containsExactly(new PiiFinding(PiiType.IP_ADDRESS, 0, 3));
    }

    @Test
    void findsIpv6WithAnEmbeddedIpv4TailWhole() {
        String text = "from ::ffff:192.168.1.1 and fe80::1 and 2001:db8::8a2e:370:7334";
        assertThat(scanner.scan(text))
                .containsExactly(
                        new PiiFinding(PiiType.IP_ADDRESS, 5, 23),
                        new PiiFinding(PiiType.IP_ADDRESS, 28, 35),
                        new PiiFinding(PiiType.IP_ADDRESS, 40, 63));
    }

    @Test
    void separatesAdjacentFindings() {
        // one numeric run holding an SSN, a phone and an IPv4 address
        String text = "123-45-6789 (415) 555-0132 10.0.42.7";
        assertThat(scanner.scan(text))
                .containsExactly(
                        new PiiFinding(PiiType.SSN, 0, 11),
                        new PiiFinding(PiiType.PHONE, 12, 26),
                        new PiiFinding(PiiType.IP_ADDRESS, 27, 36));
        assertThat(scanner.scan(text)).isEqualTo(reference(text));
    }

    @Test
    void keepsLookalikesNextToRealFindingsOutOfThem() {
        for (String text : List.of(
                "4111 1111 1111 1112 4111 1111 1111 1111",
                "000-12-3456 123-45-6789",
                "999.1.1.1 192.168.1.20",
                "std::vector 2001:db8::1",
                "a@b bob@example.com",
                "xoxb-123 AKIAIOSFODNN7EXAMPLE",
                "GB82 WEST 1234 5698 7654 33 DE89370400440532013000")) {
            assertThat(scanner.scan(text)).as(text).isEqualTo(reference(text)).isNotEmpty();
        }
    }

    @Test
    void seesNeighboursOutsideTheWindowThroughItsLookarounds() {
        // the windows hold only digits and separators; the letters next to them decide whether a phone ends there
        for (String text : List.of(
                "a1.2.3.4",
                "4111111111111111a",
                "-123-45-6789",
                "_AKIAIOSFODNN7EXAMPLE",
                "ab2001:db8::1",
                "aGB82WEST12345698765432",
                "x+49 151 12345678",
                "(415) 555-0132x")) {
            assertThat(scanner.scan(text)).as(text).isEqualTo(reference(text));
        }
        assertThat(scanner.scan("(415) 555-0132x")).isEmpty();
        assertThat(scanner.scan("(415) 555-0132 x")).containsExactly(new PiiFinding(PiiType.PHONE, 0, 14));
    }

    @Test
    void findsAFindingThatSpansSeveralCharacterClasses() {
        // the e-mail's window starts inside a numeric run; the JWT is one run of secret characters across its dots
        String text = "id 12345678901.jane@example.com eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3";
        assertThat(scanner.scan(text)).isEqualTo(reference(text));
        assertThat(scanner.scan(text)).extracting(PiiFinding::type).contains(PiiType.EMAIL, PiiType.SECRET);
    }

    /** The scanner before windowing: every detector's regex over the whole text. */
    private static List<PiiFinding> reference(String text) {
        List<PiiFinding> found = new ArrayList<>();
        collect(PiiScanner.SECRET, text, PiiType.SECRET, found);
        collect(PiiScanner.EMAIL, text, PiiType.EMAIL, found);
        collect(PiiScanner.IBAN, text, PiiType.IBAN, found);
        collect(PiiScanner.CARD, text, PiiType.CREDIT_CARD, found);
        collect(PiiScanner.SSN, text, PiiType.SSN, found);
        collect(PiiScanner.IPV4, text, PiiType.IP_ADDRESS, found);
        collect(PiiScanner.IPV6, text, PiiType.IP_ADDRESS, found);
        collect(PiiScanner.PHONE, text, PiiType.PHONE, found);
        found.sort(Comparator.comparingInt(PiiFinding::start)
                .thenComparing(
                        Comparator.comparingInt((PiiFinding f) -> f.end()).reversed()));
        List<PiiFinding> resolved = new ArrayList<>();
        int end = -1;
        for (PiiFinding f : found) {
            if (f.start() >= end) {
                resolved.add(f);
                end = f.end();
            }
        }
        return resolved;
    }

    private static void collect(Pattern pattern, String text, PiiType type, List<PiiFinding> out) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            if (PiiScanner.valid(type, m.group(), m)) {
                out.add(new PiiFinding(type, m.start(), m.end()));
            }
        }
    }
}
