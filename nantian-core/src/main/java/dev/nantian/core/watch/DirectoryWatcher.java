package dev.nantian.core.watch;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls back once a directory tree has stopped changing for a settle delay. Edits usually come in bursts (an editor
 * writes a temporary file and renames it, {@code kubectl} or {@code git checkout} touch many files, Kubernetes swaps
 * a ConfigMap's {@code ..data} symlink); each burst produces one callback after the last event plus the delay.
 * Sub-directories created later are watched too.
 *
 * <pre>{@code
 * try (DirectoryWatcher watcher = DirectoryWatcher.builder(configDir, this::reload)
 *         .settleDelay(Duration.ofMillis(300))
 *         .build()) {
 *     watcher.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Events can be lost on some file systems (network mounts) or when the kernel queue overflows; an overflow
 * triggers a callback, and {@link Builder#pollInterval(Duration)} adds a periodic callback as a safety net. The
 * callback must therefore be idempotent: compare content, not events.
 *
 * <p>The callback runs on the watcher's scheduler thread, one call at a time; an exception it throws is logged and
 * the watcher keeps going.
 */
public final class DirectoryWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DirectoryWatcher.class);

    private final Path root;
    private final Runnable onChange;
    private final Duration settleDelay;
    private final Duration pollInterval;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Object lock = new Object();
    private WatchService watchService;
    private Thread pollThread;
    private ScheduledFuture<?> pending;

    private DirectoryWatcher(Builder b) {
        this.root = b.root;
        this.onChange = b.onChange;
        this.settleDelay = b.settleDelay;
        this.pollInterval = b.pollInterval;
        if (b.scheduler != null) {
            this.scheduler = b.scheduler;
            this.ownsScheduler = false;
        } else {
            this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "nantian-watch-" + root.getFileName());
                t.setDaemon(true);
                return t;
            });
            this.ownsScheduler = true;
        }
    }

    /** Starts a builder watching {@code root} (a directory) and calling {@code onChange} after each burst. */
    public static Builder builder(Path root, Runnable onChange) {
        return new Builder(root, onChange);
    }

    /**
     * Registers the tree and starts watching.
     *
     * @throws UncheckedIOException when the directory cannot be watched
     */
    public void start() {
        if (closed.get()) {
            throw new IllegalStateException("watcher is closed");
        }
        if (!started.compareAndSet(false, true)) {
            return;
        }
        try {
            watchService = FileSystems.getDefault().newWatchService();
            registerTree(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + root, e);
        }
        pollThread = new Thread(this::pollLoop, "nantian-watch-events-" + root.getFileName());
        pollThread.setDaemon(true);
        pollThread.start();
        if (pollInterval != null) {
            long ms = pollInterval.toMillis();
            scheduler.scheduleWithFixedDelay(this::fire, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    private void registerTree(Path dir) throws IOException {
        try (Stream<Path> dirs = Files.walk(dir)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                d.register(watchService, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
            }
        }
    }

    private void pollLoop() {
        while (!closed.get()) {
            WatchKey key;
            try {
                key = watchService.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            Path dir = (Path) key.watchable();
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.kind() == ENTRY_CREATE && event.context() instanceof Path name) {
                    Path created = dir.resolve(name);
                    if (Files.isDirectory(created)) {
                        try {
                            registerTree(created);
                        } catch (IOException | ClosedWatchServiceException e) {
                            log.warn("cannot watch new directory {}: {}", created, e.toString());
                        }
                    }
                } else if (event.kind() == OVERFLOW) {
                    log.debug("watch queue overflow under {}", root);
                }
            }
            key.reset();
            schedule();
        }
    }

    /** (Re)starts the settle timer: the callback runs once no event came for the settle delay. */
    private void schedule() {
        synchronized (lock) {
            if (closed.get()) {
                return;
            }
            if (pending != null) {
                pending.cancel(false);
            }
            pending = scheduler.schedule(this::fire, settleDelay.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void fire() {
        if (closed.get()) {
            return;
        }
        try {
            onChange.run();
        } catch (RuntimeException e) {
            log.warn("change callback for {} failed", root, e);
        }
    }

    /** Stops watching. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (lock) {
            if (pending != null) {
                pending.cancel(false);
            }
        }
        if (watchService != null) {
            try {
                watchService.close();
            } catch (IOException e) {
                log.debug("closing watch service of {}", root, e);
            }
        }
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
    }

    /** Builds {@link DirectoryWatcher}s. */
    public static final class Builder {
        private final Path root;
        private final Runnable onChange;
        private Duration settleDelay = Duration.ofMillis(300);
        private Duration pollInterval;
        private ScheduledExecutorService scheduler;

        private Builder(Path root, Runnable onChange) {
            this.root = requireNonNull(root, "root");
            this.onChange = requireNonNull(onChange, "onChange");
        }

        /** How long the tree must be quiet before the callback; 300 ms by default. */
        public Builder settleDelay(Duration settleDelay) {
            requireNonNull(settleDelay, "settleDelay");
            if (settleDelay.isNegative()) {
                throw new IllegalArgumentException("settleDelay must not be negative");
            }
            this.settleDelay = settleDelay;
            return this;
        }

        /** Also calls back every {@code interval}, for file systems that lose events. Off by default. */
        public Builder pollInterval(Duration interval) {
            requireNonNull(interval, "interval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive");
            }
            this.pollInterval = interval;
            return this;
        }

        /** Runs callbacks on this scheduler (not shut down on close) instead of a thread of its own. */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = requireNonNull(scheduler, "scheduler");
            return this;
        }

        public DirectoryWatcher build() {
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("not a directory: " + root);
            }
            return new DirectoryWatcher(this);
        }
    }
}
