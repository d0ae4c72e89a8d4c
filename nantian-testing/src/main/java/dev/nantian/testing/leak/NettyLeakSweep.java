package dev.nantian.testing.leak;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test class, collects garbage and allocates a few buffers so that Netty's leak detector reports what
 * the class leaked. Without this, a leaked buffer is reported only if a later allocation happens to follow a
 * garbage collection, which at the end of a test JVM it often does not: the leak would go unseen.
 *
 * <p>Netty logs each leak as a {@code LEAK:} line; the build scans the test reports for that line and fails. The
 * extension is registered through {@code META-INF/services} and enabled for every module by the parent POM's
 * {@code junit.jupiter.extensions.autodetection.enabled=true}, so any module with {@code nantian-testing} on its
 * test class path is swept.
 */
public final class NettyLeakSweep implements AfterAllCallback {
    private static final int ROUNDS = 3;
    private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < ROUNDS; i++) {
            System.gc();
            // The reference handler enqueues collected trackers asynchronously; give it a moment.
            LockSupport.parkNanos(PAUSE_NANOS);
            // In paranoid mode every allocation drains the detector's queue and logs what it finds.
            touch(PooledByteBufAllocator.DEFAULT.directBuffer(1));
            touch(PooledByteBufAllocator.DEFAULT.heapBuffer(1));
            touch(UnpooledByteBufAllocator.DEFAULT.directBuffer(1));
        }
    }

    private static void touch(ByteBuf buf) {
        buf.release();
    }
}
