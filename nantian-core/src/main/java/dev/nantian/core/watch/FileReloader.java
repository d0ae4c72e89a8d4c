package dev.nantian.core.watch;

import java.io.File;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-runs a load step whenever one of its files changes (modification time or size), checked every interval on a
 * scheduler the caller owns; meant for key material such as PEM certificates and keys that rotate in place. A load
 * that fails (a half-written file during a non-atomic rotation) is logged and retried on the next change or check,
 * and the previous material stays in use.
 *
 * <pre>{@code
 * FileReloader reloader = FileReloader.start("xDS client certificate", List.of(certFile, keyFile),
 *         () -> keyManager.updateIdentityCredentials(certFile, keyFile), scheduler, Duration.ofSeconds(10));
 * }</pre>
 */
public final class FileReloader implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FileReloader.class);

    /** The load step; may throw anything its parser throws. */
    @FunctionalInterface
    public interface Load {
        void run() throws Exception;
    }

    private final String what;
    private final List<File> files;
    private final Load load;
    private ScheduledFuture<?> task;
    private String seen;

    private FileReloader(String what, List<File> files, Load load) {
        this.what = what;
        this.files = List.copyOf(files);
        this.load = load;
        this.seen = stamp();
    }

    /**
     * Starts checking; the files are assumed loaded as they are now.
     *
     * @param what names the material in log lines
     * @param files the files whose change triggers a reload
     * @param load re-reads them; runs on {@code scheduler}
     * @param scheduler runs the checks; owned by the caller
     * @param interval time between checks
     */
    public static FileReloader start(
            String what, List<File> files, Load load, ScheduledExecutorService scheduler, Duration interval) {
        FileReloader r = new FileReloader(what, files, load);
        long ms = interval.toMillis();
        r.task = scheduler.scheduleWithFixedDelay(r::check, ms, ms, TimeUnit.MILLISECONDS);
        return r;
    }

    /** Runs on the scheduler thread only. */
    private void check() {
        String now = stamp();
        if (now.equals(seen)) {
            return;
        }
        try {
            load.run();
            seen = now;
            log.info("reloaded {} from {}", what, files);
        } catch (Exception e) {
            // Not remembered as seen: the next check tries again, e.g. once the second file of a pair is written.
            log.warn("cannot reload {} from {}, keeping the previous one: {}", what, files, e.toString());
        }
    }

    private String stamp() {
        StringBuilder sb = new StringBuilder();
        for (File f : files) {
            sb.append(f.lastModified()).append('/').append(f.length()).append(';');
        }
        return sb.toString();
    }

    /** Stops checking. Idempotent. */
    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
