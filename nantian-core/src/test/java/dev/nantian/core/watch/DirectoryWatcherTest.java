package dev.nantian.core.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectoryWatcherTest {

    @Test
    void aBurstOfEditsGivesOneCallback(@TempDir Path dir) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (DirectoryWatcher watcher = DirectoryWatcher.builder(dir, calls::incrementAndGet)
                .settleDelay(Duration.ofMillis(400))
                .build()) {
            watcher.start();
            for (int i = 0; i < 5; i++) {
                Files.writeString(dir.resolve("f" + i + ".yaml"), "kind: x");
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 1);
            // Quiet period: no further callback arrives for the same burst.
            await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(3)).until(() -> calls.get() == 1);
        }
    }

    @Test
    void watchesDirectoriesCreatedLater(@TempDir Path dir) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (DirectoryWatcher watcher = DirectoryWatcher.builder(dir, calls::incrementAndGet)
                .settleDelay(Duration.ofMillis(100))
                .build()) {
            watcher.start();
            Path sub = Files.createDirectory(dir.resolve("sub"));
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 1);
            int before = calls.get();
            // Give the watcher a moment to register the new directory before writing into it.
            await().pollDelay(Duration.ofMillis(200)).until(() -> true);
            Files.writeString(sub.resolve("route.yaml"), "kind: HTTPRoute");
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() > before);
        }
    }

    @Test
    void aFailingCallbackDoesNotStopTheWatcher(@TempDir Path dir) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (DirectoryWatcher watcher = DirectoryWatcher.builder(dir, () -> {
                    calls.incrementAndGet();
                    throw new IllegalStateException("bad config");
                })
                .settleDelay(Duration.ofMillis(50))
                .build()) {
            watcher.start();
            Files.writeString(dir.resolve("a.yaml"), "1");
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 1);
            Files.writeString(dir.resolve("a.yaml"), "2");
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 2);
        }
    }

    @Test
    void pollIntervalCallsBackWithoutEvents(@TempDir Path dir) {
        AtomicInteger calls = new AtomicInteger();
        try (DirectoryWatcher watcher = DirectoryWatcher.builder(dir, calls::incrementAndGet)
                .pollInterval(Duration.ofMillis(50))
                .build()) {
            watcher.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() >= 2);
        }
    }

    @Test
    void noCallbacksAfterClose(@TempDir Path dir) throws Exception {
        AtomicInteger calls = new AtomicInteger();
        DirectoryWatcher watcher = DirectoryWatcher.builder(dir, calls::incrementAndGet)
                .settleDelay(Duration.ofMillis(50))
                .build();
        watcher.start();
        watcher.close();
        watcher.close();
        Files.writeString(dir.resolve("a.yaml"), "1");
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> calls.get() == 0);
        assertThatThrownBy(watcher::start).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusesAFile(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("x"), "");
        assertThatThrownBy(() -> DirectoryWatcher.builder(file, () -> {}).build())
                .hasMessageContaining("not a directory");
        assertThat(dir).isDirectory();
    }
}
