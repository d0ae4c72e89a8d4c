package dev.nantian.proxy.admin.internal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Finds a Prometheus registry behind a {@link MeterRegistry}, itself or inside a composite. The Prometheus registry
 * is an optional dependency: this class only touches its types after checking that they are on the class path, so
 * a proxy without it simply has no {@code /metrics}.
 */
public final class PrometheusScrape {
    private static final boolean AVAILABLE = available();

    private PrometheusScrape() {}

    private static boolean available() {
        try {
            Class.forName(
                    "io.micrometer.prometheusmetrics.PrometheusMeterRegistry",
                    false,
                    PrometheusScrape.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The scrape of the first Prometheus registry in {@code registry}, if there is one. */
    public static Optional<Supplier<String>> find(MeterRegistry registry) {
        return AVAILABLE ? Optional.ofNullable(Finder.find(registry)) : Optional.empty();
    }

    /** Loaded only when the Prometheus registry is on the class path. */
    private static final class Finder {
        static Supplier<String> find(MeterRegistry registry) {
            if (registry instanceof PrometheusMeterRegistry prometheus) {
                return prometheus::scrape;
            }
            if (registry instanceof CompositeMeterRegistry composite) {
                for (MeterRegistry child : composite.getRegistries()) {
                    Supplier<String> found = find(child);
                    if (found != null) {
                        return found;
                    }
                }
            }
            return null;
        }
    }
}
