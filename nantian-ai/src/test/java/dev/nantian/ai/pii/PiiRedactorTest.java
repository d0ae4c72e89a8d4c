package dev.nantian.ai.pii;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nantian.ai.config.PiiMode;
import dev.nantian.ai.internal.Json;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class PiiRedactorTest {
    private final PiiRedactor mask = new PiiRedactor(PiiMode.MASK, EnumSet.allOf(PiiType.class));

    @Test
    void masksValidatedFindingsWithTypedPlaceholders() {
        assertThat(mask.redact("mail bob.smith+x@example.co.uk now")).isEqualTo("mail [EMAIL] now");
        assertThat(mask.redact("card 4111 1111 1111 1111 ok")).isEqualTo("card [CREDIT_CARD] ok");
        assertThat(mask.redact("ssn 123-45-6789")).isEqualTo("ssn [SSN]");
        assertThat(mask.redact("iban GB82 WEST 1234 5698 7654 32.")).isEqualTo("iban [IBAN].");
        assertThat(mask.redact("iban DE89370400440532013000")).isEqualTo("iban [IBAN]");
        assertThat(mask.redact("call +49 151 12345678 or (415) 555-0132")).isEqualTo("call [PHONE] or [PHONE]");
        assertThat(mask.redact("from 192.168.1.20 and 2001:db8::8a2e:370:7334 and ::1"))
                .isEqualTo("from [IP_ADDRESS] and [IP_ADDRESS] and [IP_ADDRESS]");
        assertThat(mask.redact("key sk-proj-abcdefghijklmnopqrstuvwx12 and AKIAIOSFODNN7EXAMPLE"))
                .isEqualTo("key [SECRET] and [SECRET]");
        assertThat(
                        mask.redact(
                                "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"))
                .isEqualTo("jwt [SECRET]");
    }

    @Test
    void rejectsLookalikesThatFailValidation() {
        String text = "order 4111 1111 1111 1112, ssn 000-12-3456 and 666-12-3456, iban GB82 WEST 1234 5698 7654 33,"
                + " version 1.2.3.4.5, ip 999.1.1.1, at 10:30:45, std::vector, a@b";
        assertThat(mask.redact(text)).isEqualTo(text);
    }

    @Test
    void hashesStablyAndBlocksWithoutChanging() {
        PiiRedactor hash = new PiiRedactor(PiiMode.HASH, EnumSet.of(PiiType.EMAIL));
        String once = hash.redact("a bob@example.com b bob@example.com");
        assertThat(once).matches("a \\[EMAIL:([0-9a-f]{16})] b \\[EMAIL:\\1]");

        PiiRedactor block = new PiiRedactor(PiiMode.BLOCK, EnumSet.allOf(PiiType.class));
        ObjectNode request =
                (ObjectNode) Json.parse("{\"messages\":[{\"role\":\"user\",\"content\":\"ssn 123-45-6789\"}]}");
        assertThat(block.redactRequest(request)).isEqualTo(PiiType.SSN);
        assertThat(request.path("messages").get(0).path("content").stringValue())
                .isEqualTo("ssn 123-45-6789");
    }

    @Test
    void redactsOnlyJsonStringValuesSoTheBodyStaysValid() {
        ObjectNode request = (ObjectNode) Json.parse("{\"model\":\"bob@example.com\",\"messages\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"I am \\\"bob@example.com\\\"\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/bob@example.com\"}}]},"
                + "{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"send\",\"arguments\":\"{\\\"to\\\":\\\"bob@example.com\\\"}\"}}]}]}");
        assertThat(mask.redactRequest(request)).isEqualTo(PiiType.EMAIL);
        String out = request.toString();
        assertThat(Json.parse(out)).isNotNull();
        assertThat(request.path("model").stringValue()).isEqualTo("bob@example.com");
        assertThat(request.path("messages")
                        .get(0)
                        .path("content")
                        .get(0)
                        .path("text")
                        .stringValue())
                .isEqualTo("I am \"[EMAIL]\"");
        assertThat(Json.parse(request.path("messages")
                                .get(1)
                                .path("tool_calls")
                                .get(0)
                                .path("function")
                                .path("arguments")
                                .stringValue())
                        .path("to")
                        .stringValue())
                .isEqualTo("[EMAIL]");
    }
}
