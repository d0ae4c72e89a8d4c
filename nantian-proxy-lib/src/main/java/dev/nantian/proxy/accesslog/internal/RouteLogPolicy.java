package dev.nantian.proxy.accesslog.internal;

import dev.nantian.proxy.accesslog.AccessLogSettings;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A route's own access-log settings, read once per config from its {@code gateway.nantian.dev/access-log-*}
 * annotations. A value that does not parse is reported and ignored, so that a typo in one route's annotation
 * neither rejects the whole config nor silently changes what is logged.
 */
public final class RouteLogPolicy {
    /** A route without access-log annotations: the proxy's settings apply. */
    public static final RouteLogPolicy INHERIT = new RouteLogPolicy(true, Double.NaN);

    private final boolean enabled;
    private final double sampleRate;

    private RouteLogPolicy(boolean enabled, double sampleRate) {
        this.enabled = enabled;
        this.sampleRate = sampleRate;
    }

    /**
     * Reads the annotations of route {@code routeName}.
     *
     * @param warnings collects a message per annotation that was ignored
     */
    public static RouteLogPolicy fromAnnotations(
            Map<String, String> annotations, String routeName, List<String> warnings) {
        String enabledValue = annotations.get(AccessLogSettings.ENABLED_ANNOTATION);
        String rateValue = annotations.get(AccessLogSettings.SAMPLE_RATE_ANNOTATION);
        if (enabledValue == null && rateValue == null) {
            return INHERIT;
        }
        boolean enabled = true;
        if (enabledValue != null) {
            String v = enabledValue.trim().toLowerCase(Locale.ROOT);
            if (v.equals("false")) {
                enabled = false;
            } else if (!v.equals("true")) {
                warnings.add("route " + routeName + ": ignoring " + AccessLogSettings.ENABLED_ANNOTATION + "="
                        + enabledValue + " (expected true or false)");
            }
        }
        double rate = Double.NaN;
        if (rateValue != null) {
            try {
                double r = Double.parseDouble(rateValue.trim());
                if (r >= 0.0 && r <= 1.0) {
                    rate = r;
                } else {
                    warnings.add("route " + routeName + ": ignoring " + AccessLogSettings.SAMPLE_RATE_ANNOTATION + "="
                            + rateValue + " (expected a number from 0 to 1)");
                }
            } catch (NumberFormatException e) {
                warnings.add("route " + routeName + ": ignoring " + AccessLogSettings.SAMPLE_RATE_ANNOTATION + "="
                        + rateValue + " (expected a number from 0 to 1)");
            }
        }
        return enabled && Double.isNaN(rate) ? INHERIT : new RouteLogPolicy(enabled, rate);
    }

    /** False when the route turned its access log off. */
    public boolean enabled() {
        return enabled;
    }

    /** The route's sample rate, or {@code fallback} when it sets none. */
    public double sampleRate(double fallback) {
        return Double.isNaN(sampleRate) ? fallback : sampleRate;
    }
}
