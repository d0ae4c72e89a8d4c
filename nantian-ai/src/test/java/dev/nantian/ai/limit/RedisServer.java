package dev.nantian.ai.limit;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real {@code redis-server} from the PATH on a free loopback port, without persistence. Fails (never skips) when
 * the binary is missing: the project's test script installs it ({@code apt-get install -y redis-server}).
 */
public final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;

    public RedisServer() throws IOException {
        Path binary = findOnPath("redis-server");
        if (binary == null) {
            throw new IllegalStateException("redis-server is not on the PATH; install it (Debian: apt-get install -y"
                    + " redis-server) to run the Redis integration tests");
        }
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        process = new ProcessBuilder(
                        binary.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--protected-mode",
                        "yes")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        await().atMost(Duration.ofSeconds(10)).until(this::pingable);
    }

    public int port() {
        return port;
    }

    private boolean pingable() {
        if (!process.isAlive()) {
            throw new IllegalStateException("redis-server exited with " + process.exitValue());
        }
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] reply = new byte[7];
            return in.readNBytes(reply, 0, 7) == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
        } catch (IOException e) {
            return false;
        }
    }

    private static Path findOnPath(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path).split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        for (String dir : new String[] {"/usr/bin", "/usr/sbin", "/usr/local/bin"}) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
