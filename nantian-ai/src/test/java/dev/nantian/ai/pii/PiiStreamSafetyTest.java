package dev.nantian.ai.pii;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.config.PiiMode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PiiScanner#safePrefixLength}: redacting the safe prefix now and the rest later equals redacting it all. */
class PiiStreamSafetyTest {
    private static final String[] PIECES = {
        "bob.smith@example.com",
        "Alice@Mail.example.org",
        "+1 415 555 0100",
        "(415) 555-0100",
        "+44 20 7946 0958",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "078-05-1120",
        "123-45-6789",
        "DE89 3704 0044 0532 0130 00",
        "GB82WEST12345698765432",
        "10.0.0.1",
        "192.168.1.254",
        "2001:db8::8a2e:370:7334",
        "::ffff:192.0.2.1",
        "sk-proj-abcdefghijklmnopqrstuvwxyz0123",
        "AKIAIOSFODNN7EXAMPLE",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk",
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "hello",
        "world",
        "The",
        "ABC",
        "X1",
        "order",
        "42",
        "3.14",
        "v2.0",
        "a-b",
        "foo_bar",
        "(",
        ")",
        "+",
        "-",
        ".",
        ",",
        ";",
        ":",
        "@",
        "\n",
        "\t",
        "\"",
        "é",
        "日本",
        "  ",
        " ",
        " ",
        " ",
        " "
    };

    private final PiiRedactor redactor = new PiiRedactor(PiiMode.MASK, EnumSet.allOf(PiiType.class));

    @Test
    void theSafePrefixNeverSplitsAFindingOnRandomTexts() {
        Random random = new Random(20261129);
        List<String> failures = new ArrayList<>();
        for (int n = 0; n < 1500 && failures.size() < 5; n++) {
            StringBuilder text = new StringBuilder();
            int parts = 1 + random.nextInt(12);
            for (int i = 0; i < parts; i++) {
                text.append(PIECES[random.nextInt(PIECES.length)]);
                if (random.nextInt(3) > 0) {
                    text.append(' ');
                }
            }
            String full = text.toString();
            String whole = redactor.redact(full);
            for (int received = 0; received <= full.length(); received++) {
                int cut = PiiScanner.safePrefixLength(full.substring(0, received));
                assertThat(cut).isBetween(0, Math.max(0, received - 1));
                String split = redactor.redact(full.substring(0, cut)) + redactor.redact(full.substring(cut));
                if (!split.equals(whole)) {
                    failures.add("'" + full + "' cut at " + cut + " of " + received + ": " + split);
                    break;
                }
            }
        }
        assertThat(failures).isEmpty();
    }

    @Test
    void proseFlowsWithALagOfAboutOneWordWhileANumberRunIsHeld() {
        assertThat(PiiScanner.safePrefixLength("the quick brown fo")).isEqualTo("the quick brown".length());
        assertThat(PiiScanner.safePrefixLength("card 4111 1111 1111")).isEqualTo("card".length());
        assertThat(PiiScanner.safePrefixLength("line one\nbob@exa")).isEqualTo("line one".length());
        assertThat(PiiScanner.safePrefixLength("nospaces")).isZero();
    }
}
