package dev.nantian.testing.ai;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code redis-server} from the PATH on a free loopback port, without persistence. Fails (never skips) when
 * the binary is missing: the project's test script installs it ({@code apt-get install -y redis-server}).
 *
 * <pre>{@code
 * try (RedisServer redis = new RedisServer()) {
 *     RedisTokenStore store = new RedisTokenStore("127.0.0.1", redis.port(), ...);
 * }
 * }</pre>
 */
public final class RedisServer implements AutoCloseable {
    private static final long START_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Process process;
    private final int port;
    private boolean closed;

    /**
     * Starts the server and waits (up to 10 s) until it answers {@code PING}.
     *
     * @throws IllegalStateException if {@code redis-server} is missing, exits or does not answer in time
     * @throws IOException if the process cannot be started
     */
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
        long deadline = System.nanoTime() + START_TIMEOUT_NANOS;
        while (!pingable()) {
            if (System.nanoTime() - deadline > 0) {
                close();
                throw new IllegalStateException("redis-server on port " + port + " did not answer PING within 10 s");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // polling a child process: nothing to wait on
        }
    }

    /** The loopback port it listens on. */
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

    /** Stops the server and waits for it to exit. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.destroy();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
