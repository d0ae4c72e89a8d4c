package dev.nantian.proxy;

import io.netty.util.ResourceLeakDetector;

/**
 * Process-wide Netty settings for applications that run a proxy. For {@code main} methods only: a library embedding
 * the proxy leaves the host application's Netty settings alone.
 */
public final class NettyDefaults {
    private static final String LEVEL_PROPERTY = "io.netty.leakDetection.level";
    private static final String LEGACY_LEVEL_PROPERTY = "io.netty.leakDetectionLevel";

    private NettyDefaults() {}

    /**
     * Turns Netty's buffer leak detection off unless {@code -Dio.netty.leakDetection.level} asks for a level. Netty's
     * default samples one buffer in 128 and records a stack trace for each access to a sampled one, which a proxy
     * allocating several buffers per request pays for on every request; tests run with {@code paranoid} instead.
     */
    public static void applyLeakDetectionDefault() {
        if (System.getProperty(LEVEL_PROPERTY) == null && System.getProperty(LEGACY_LEVEL_PROPERTY) == null) {
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
    }
}
