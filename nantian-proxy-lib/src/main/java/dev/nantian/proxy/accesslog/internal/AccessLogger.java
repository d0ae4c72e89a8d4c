package dev.nantian.proxy.accesslog.internal;

import static java.util.Objects.requireNonNull;

import dev.nantian.core.NantianException;
import dev.nantian.proxy.accesslog.AccessLogSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One proxy's access log: decides which requests are logged and writes their lines on its own thread.
 *
 * <p>Event loops call {@link #sample} and {@link #offer}, which never block: the queue is a lock-free linked queue
 * bounded by a counter, and an entry that does not fit is dropped and counted. The writer thread drains up to
 * {@value #MAX_BATCH} entries at a time into one buffer, writes it with one call, and flushes whenever the queue runs
 * empty; it parks when there is nothing to do and is woken by the entry that makes the queue non-empty.
 */
public final class AccessLogger implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLogger.class);
    static final int MAX_BATCH = 1024;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int MAX_RETAINED_BUFFER = 1 << 20;

    private final LogFormat format;
    private final boolean json;
    private final double sampleRate;
    private final DoubleSupplier random;
    private final OutputStream out;
    private final boolean ownsOut;
    private final String target;
    private final int capacity;
    private final ConcurrentLinkedQueue<AccessLogEntry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread writer;
    private volatile boolean closing;

    AccessLogger(AccessLogSettings settings, OutputStream out, boolean ownsOut, String target, DoubleSupplier random) {
        this.format = LogFormat.compile(settings.format());
        this.json = settings.mode() == AccessLogSettings.Mode.JSON;
        this.sampleRate = settings.sampleRate();
        this.random = requireNonNull(random, "random");
        this.out = requireNonNull(out, "out");
        this.ownsOut = ownsOut;
        this.target = target;
        this.capacity = settings.queueCapacity();
        this.writer = new Thread(this::run, "nantian-access-log");
        writer.setDaemon(true);
    }

    /**
     * Opens the log that {@code settings} describe and starts its writer thread. Sampling draws from
     * {@link ThreadLocalRandom}.
     *
     * @throws NantianException when the file cannot be opened for appending
     */
    public static AccessLogger open(AccessLogSettings settings) {
        Path path = settings.path().orElse(null);
        OutputStream out;
        if (path == null) {
            // System.out rather than file descriptor 1: whoever embeds us may have redirected it on purpose.
            out = System.out;
        } else {
            try {
                out = Files.newOutputStream(
                        path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            } catch (IOException | RuntimeException e) {
                throw new NantianException(
                        NantianException.Category.CONFIG, "cannot open access log " + path + ": " + e, e);
            }
        }
        return start(new AccessLogger(
                settings,
                out,
                path != null,
                path == null ? "stdout" : path.toString(),
                () -> ThreadLocalRandom.current().nextDouble()));
    }

    static AccessLogger start(AccessLogger logger) {
        logger.writer.start();
        return logger;
    }

    /**
     * Draws whether a request of a route with {@code policy} is logged: one draw per call, so call it once per
     * request. Runs on the event loop.
     */
    public boolean sample(RouteLogPolicy policy) {
        if (!policy.enabled()) {
            return false;
        }
        double rate = policy.sampleRate(sampleRate);
        if (rate >= 1.0) {
            return true;
        }
        return rate > 0.0 && random.getAsDouble() < rate;
    }

    /**
     * Queues {@code entry} for writing. Never blocks.
     *
     * @return false when the entry was dropped: the queue is full (counted in {@link #dropped()}) or the log closed
     */
    public boolean offer(AccessLogEntry entry) {
        if (closing) {
            return false;
        }
        int n = size.incrementAndGet();
        if (n > capacity) {
            size.decrementAndGet();
            dropped.increment();
            return false;
        }
        queue.offer(entry);
        if (n == 1) {
            // Only the entry that ends an empty spell wakes the writer; under load it never sleeps.
            LockSupport.unpark(writer);
        }
        return true;
    }

    /** Entries dropped because the queue was full or the output failed. */
    public long dropped() {
        return dropped.sum();
    }

    /** Entries written. */
    public long written() {
        return written.sum();
    }

    private void run() {
        StringBuilder batch = new StringBuilder(8192);
        boolean dirty = false;
        boolean failing = false;
        long reportedDrops = 0;
        long lastWarn = System.nanoTime() - WARN_INTERVAL_NANOS;
        while (true) {
            int n = 0;
            AccessLogEntry e;
            while (n < MAX_BATCH && (e = queue.poll()) != null) {
                size.decrementAndGet();
                n++;
                try {
                    if (json) {
                        format.appendJson(e, batch);
                    } else {
                        format.appendText(e, batch);
                    }
                } catch (RuntimeException ex) {
                    dropped.increment();
                    log.warn("cannot format access log entry", ex);
                }
            }
            if (n > 0 && batch.length() > 0) {
                try {
                    out.write(batch.toString().getBytes(StandardCharsets.UTF_8));
                    written.add(n);
                    dirty = true;
                    failing = false;
                } catch (IOException ex) {
                    dropped.add(n);
                    if (!failing) {
                        log.warn(
                                "cannot write access log {}; dropping lines until it recovers: {}",
                                target,
                                ex.toString());
                        failing = true;
                    }
                }
                batch.setLength(0);
                if (batch.capacity() > MAX_RETAINED_BUFFER) {
                    batch = new StringBuilder(8192);
                }
            }
            long drops = dropped.sum();
            if (drops != reportedDrops && System.nanoTime() - lastWarn >= WARN_INTERVAL_NANOS) {
                log.warn("access log {} dropped {} entries so far (queue full or output failing)", target, drops);
                reportedDrops = drops;
                lastWarn = System.nanoTime();
            }
            if (n == MAX_BATCH) {
                continue;
            }
            if (dirty) {
                dirty = !flush();
            }
            if (closing && queue.isEmpty()) {
                break;
            }
            LockSupport.parkNanos(this, IDLE_PARK_NANOS);
        }
        flush();
        if (ownsOut) {
            try {
                out.close();
            } catch (IOException ex) {
                log.warn("cannot close access log {}: {}", target, ex.toString());
            }
        }
    }

    private boolean flush() {
        try {
            out.flush();
            return true;
        } catch (IOException ex) {
            log.warn("cannot flush access log {}: {}", target, ex.toString());
            return false;
        }
    }

    /**
     * Stops taking entries, writes and flushes what is queued, and closes the file. Waits up to ten seconds for the
     * writer. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closing = true;
        LockSupport.unpark(writer);
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.warn("access log {} writer did not finish within 10 s; {} entries may be lost", target, size.get());
        }
    }
}
