package dev.nantian.core.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nantian.core.ConfigValidationException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FilterRegistryTest {
    private static final HttpFilterFactory<Integer> LIMIT = new HttpFilterFactory<>() {
        @Override
        public String kind() {
            return "gateway.nantian.dev/Limit";
        }

        @Override
        public Integer parseConfig(Object rawConfig) {
            if (!(rawConfig instanceof Map<?, ?> map) || !(map.get("max") instanceof Number max)) {
                throw new ConfigValidationException(List.of("Limit: spec.max must be a number"));
            }
            return max.intValue();
        }

        @Override
        public HttpFilter create(Integer config) {
            return new HttpFilter() {};
        }
    };

    @Test
    void configureParsesTheRawConfigWithTheKindsFactory() {
        FilterRegistry registry = FilterRegistry.builder().register(LIMIT).build();

        ConfiguredFilter<?> filter = registry.configure("gateway.nantian.dev/Limit", Map.of("max", 3));

        assertThat(filter.kind()).isEqualTo("gateway.nantian.dev/Limit");
        assertThat(filter.config()).isEqualTo(3);
        assertThat(filter.newFilter()).isNotNull();
        assertThat(registry.kinds()).containsExactly("gateway.nantian.dev/Limit");
    }

    @Test
    void unknownKindsAndInvalidConfigAreConfigErrors() {
        FilterRegistry registry = FilterRegistry.builder().register(LIMIT).build();

        assertThatThrownBy(() -> registry.configure("gateway.nantian.dev/Nope", Map.of()))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("gateway.nantian.dev/Nope is not registered");
        assertThatThrownBy(() -> registry.configure("gateway.nantian.dev/Limit", Map.of("max", "x")))
                .isInstanceOf(ConfigValidationException.class)
                .hasMessageContaining("spec.max");
    }

    @Test
    void aKindCanBeRegisteredOnlyOnce() {
        FilterRegistry.Builder builder = FilterRegistry.builder().register(LIMIT);

        assertThatThrownBy(() -> builder.register(LIMIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already registered");
    }
}
