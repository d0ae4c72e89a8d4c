package dev.nantian.testing.conformance.internal;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway under test as a child process: the command line with {@code {CONFIG_DIR}} and {@code {ADMIN_ADDR}}
 * substituted, run in the working directory, output appended to a log file. Closing stops it (SIGTERM, then after
 * ten seconds SIGKILL).
 */
public final class GatewayProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private GatewayProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /**
     * Starts {@code commandLine}.
     *
     * @param commandLine whitespace-separated words; single or double quotes group words
     * @param placeholders replaced in every word (e.g. {@code {CONFIG_DIR}})
     * @param log where stdout and stderr go
     * @throws IOException when the process cannot start
     */
    public static GatewayProcess start(String commandLine, Map<String, String> placeholders, Path log)
            throws IOException {
        List<String> words = new ArrayList<>();
        for (String word : split(commandLine)) {
            for (Map.Entry<String, String> p : placeholders.entrySet()) {
                word = word.replace(p.getKey(), p.getValue());
            }
            words.add(word);
        }
        if (words.isEmpty()) {
            throw new IllegalArgumentException("empty gateway command");
        }
        ProcessBuilder pb = new ProcessBuilder(words)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        return new GatewayProcess(pb.start(), log);
    }

    /** Splits a command line into words, honouring single and double quotes. */
    public static List<String> split(String commandLine) {
        requireNonNull(commandLine, "commandLine");
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < commandLine.length(); i++) {
            char c = commandLine.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unbalanced quote in: " + commandLine);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, when the process has exited. */
    public int exitValue() {
        return process.exitValue();
    }

    /** The log file. */
    public Path log() {
        return log;
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
