package dev.nantian.core.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileReloaderTest {
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void reloadsWhenAFileChangesAndRetriesAFailedLoad(@TempDir Path dir) throws Exception {
        Path cert = Files.writeString(dir.resolve("tls.crt"), "one");
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger loads = new AtomicInteger();
        try (FileReloader reloader = FileReloader.start(
                "test certificate",
                List.of(cert.toFile()),
                () -> {
                    // The first attempt after the change fails, as with a half-written file.
                    if (attempts.incrementAndGet() == 1) {
                        throw new IllegalStateException("half written");
                    }
                    loads.incrementAndGet();
                },
                scheduler,
                Duration.ofMillis(20))) {
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> attempts.get() == 0);

            Files.writeString(cert, "two, longer");

            await().atMost(Duration.ofSeconds(10)).until(() -> loads.get() == 1);
            assertThat(attempts.get()).isEqualTo(2);
            // Once loaded, an unchanged file is not loaded again.
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> loads.get() == 1);
        }
    }
}
