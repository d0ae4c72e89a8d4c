package dev.nantian.gateway;

import java.util.List;

/**
 * The Gateway API conformance features this gateway declares, in one place. A feature is listed only once the
 * conformance runner passes every test that needs it; the runner reads this list from {@code /api/v1/features}
 * and skips tests of features not listed.
 */
final class SupportedFeatures {
    static final List<String> FEATURES = List.of("Gateway", "HTTPRoute");

    private SupportedFeatures() {}
}
