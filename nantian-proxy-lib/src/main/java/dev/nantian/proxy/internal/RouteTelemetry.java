package dev.nantian.proxy.internal;

import dev.nantian.core.model.RouteMeta;
import dev.nantian.proxy.accesslog.internal.RouteLogPolicy;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the access log and metrics need of a route, computed once when the config is compiled so that requests
 * neither build strings nor read annotations.
 */
public final class RouteTelemetry {
    private static final Logger log = LoggerFactory.getLogger(RouteTelemetry.class);

    private final String displayName;
    private final RouteLogPolicy logPolicy;

    RouteTelemetry(RouteMeta meta) {
        this.displayName = meta.displayName();
        List<String> warnings = new ArrayList<>(0);
        this.logPolicy = RouteLogPolicy.fromAnnotations(meta.annotations(), displayName, warnings);
        warnings.forEach(log::warn);
    }

    /** The route's {@link RouteMeta#displayName()}. */
    public String displayName() {
        return displayName;
    }

    /** The route's access-log annotations. */
    public RouteLogPolicy logPolicy() {
        return logPolicy;
    }
}
