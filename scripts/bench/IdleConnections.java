import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Helper of {@code scripts/bench/rss.sh}, run as a single-file program ({@code java IdleConnections.java ...}).
 *
 * <ul>
 *   <li>{@code backend PORT}: a small HTTP/1.1 server answering every request with 128 bytes, until killed.
 *   <li>{@code clients HOST PORT COUNT HOLD_SECONDS}: opens COUNT connections, sends one keep-alive request on each,
 *       reads each full response, prints {@code ready N ok} and holds the connections open (idle) for HOLD_SECONDS.
 * </ul>
 */
public final class IdleConnections {
    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("backend")) {
            backend(Integer.parseInt(args[1]));
        } else if (args.length == 5 && args[0].equals("clients")) {
            clients(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]));
        } else {
            System.err.println("usage: backend PORT | clients HOST PORT COUNT HOLD_SECONDS");
            System.exit(2);
        }
    }

    private static void backend(int port) throws IOException {
        byte[] body = "x".repeat(128).getBytes(StandardCharsets.US_ASCII);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 1024);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    private static void clients(String host, int port, int count, int holdSeconds) throws Exception {
        InetSocketAddress target = new InetSocketAddress(host, port);
        byte[] request = ("GET /idle HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        List<SocketChannel> channels = new ArrayList<>(count);
        int ok = 0;
        int closed = 0;
        try (Selector selector = Selector.open()) {
            int pending = 0;
            for (int i = 0; i < count; i++) {
                SocketChannel ch = SocketChannel.open(target);
                ch.write(ByteBuffer.wrap(request));
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ, new StringBuilder());
                channels.add(ch);
                pending++;
                // Keep the number of unanswered requests bounded so the proxy's accept queue is not the test.
                while (pending >= 256) {
                    int[] done = drain(selector, 1000);
                    ok += done[0];
                    closed += done[1];
                    pending -= done[0] + done[1];
                }
            }
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (pending > 0 && System.nanoTime() < deadline) {
                int[] done = drain(selector, 1000);
                ok += done[0];
                closed += done[1];
                pending -= done[0] + done[1];
            }
            System.out.println("ready open=" + (channels.size() - closed) + " answered=" + ok + " closed=" + closed);
            System.out.flush();
            Thread.sleep(holdSeconds * 1000L);
        } finally {
            for (SocketChannel ch : channels) {
                ch.close();
            }
        }
    }

    /** Reads what arrived; returns {responses completed, connections closed by the peer}. */
    private static int[] drain(Selector selector, long timeoutMillis) throws IOException {
        int[] done = new int[2];
        if (selector.select(timeoutMillis) == 0) {
            return done;
        }
        ByteBuffer buf = ByteBuffer.allocate(4096);
        for (SelectionKey key : selector.selectedKeys()) {
            SocketChannel ch = (SocketChannel) key.channel();
            StringBuilder seen = (StringBuilder) key.attachment();
            buf.clear();
            int n = ch.read(buf);
            if (n < 0) {
                key.cancel();
                done[1]++;
                continue;
            }
            seen.append(new String(buf.array(), 0, n, StandardCharsets.ISO_8859_1));
            int end = seen.indexOf("\r\n\r\n");
            if (end >= 0) {
                int length = contentLength(seen.substring(0, end));
                if (seen.length() - end - 4 >= length) {
                    key.interestOps(0);
                    done[0]++;
                }
            }
        }
        selector.selectedKeys().clear();
        return done;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("content-length")) {
                return Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        return 0;
    }
}
