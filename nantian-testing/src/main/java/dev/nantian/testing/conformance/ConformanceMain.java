package dev.nantian.testing.conformance;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Command line of the conformance runner:
 *
 * <pre>
 * java -jar nantian-testing/target/nantian-conformance.jar --vectors DIR [--report FILE.json] [--only NAME]
 *     [--gateway-cmd CMD] [--work-dir DIR] [--admin-addr HOST:PORT]
 * </pre>
 *
 * Prints one line per test ({@code PASS name (k/n cases)}, {@code FAIL name: first failure}, {@code SKIP name:
 * why}), then exactly {@code N passed, N failed} counting cases. Exit status: 0 when everything that ran passed, 1
 * when a case failed, 2 on bad arguments or a setup failure. {@code --only} may repeat or list names separated by
 * commas; {@code --gateway-cmd none} runs against a gateway that is already running.
 */
public final class ConformanceMain {

    private ConformanceMain() {}

    /** Runs the CLI and exits the JVM with its status. */
    public static void main(String[] args) throws InterruptedException {
        // The jar carries no logging backend: keep SLF4J quiet instead of warning about it (unless told otherwise).
        if (System.getProperty("slf4j.provider") == null) {
            System.setProperty("slf4j.internal.verbosity", "WARN");
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
        }
        System.exit(run(List.of(args), System.out, System.err));
    }

    /** Runs the CLI, printing to {@code out} and {@code err}; returns the exit status. */
    public static int run(List<String> args, PrintStream out, PrintStream err) throws InterruptedException {
        Path vectors = null;
        Path report = null;
        ConformanceRunner.Builder builder;
        Deque<String> rest = new ArrayDeque<>(args);
        String gatewayCmd = null;
        Path workDir = null;
        String adminAddr = null;
        List<String> only = new java.util.ArrayList<>();
        try {
            while (!rest.isEmpty()) {
                String flag = rest.removeFirst();
                switch (flag) {
                    case "--vectors":
                        vectors = Path.of(value(flag, rest));
                        break;
                    case "--report":
                        report = Path.of(value(flag, rest));
                        break;
                    case "--only":
                        for (String name : value(flag, rest).split(",")) {
                            if (!name.isBlank()) {
                                only.add(name.trim());
                            }
                        }
                        break;
                    case "--gateway-cmd":
                        gatewayCmd = value(flag, rest);
                        break;
                    case "--work-dir":
                        workDir = Path.of(value(flag, rest));
                        break;
                    case "--admin-addr":
                        adminAddr = value(flag, rest);
                        break;
                    case "-h":
                    case "--help":
                        out.println(usage());
                        return 0;
                    default:
                        throw new IllegalArgumentException("unknown argument " + flag);
                }
            }
            if (vectors == null) {
                throw new IllegalArgumentException("--vectors DIR is required");
            }
        } catch (IllegalArgumentException e) {
            err.println(e.getMessage());
            err.println(usage());
            return 2;
        }
        builder = ConformanceRunner.builder(vectors).progress(line -> {
            out.println(line);
            out.flush();
        });
        if (gatewayCmd != null) {
            if (gatewayCmd.isBlank() || gatewayCmd.equals("none")) {
                builder.externalGateway();
            } else {
                builder.gatewayCommand(gatewayCmd);
            }
        }
        if (workDir != null) {
            builder.workDirectory(workDir);
        }
        if (adminAddr != null) {
            builder.adminAddress(adminAddr);
        }
        only.forEach(builder::only);

        ConformanceReport result;
        try {
            result = builder.build().run();
        } catch (ConformanceSetupException e) {
            err.println("setup failed: " + e.getMessage());
            return 2;
        }
        long skipped = result.tests().stream()
                .filter(t -> t.outcome() == ConformanceReport.Outcome.SKIP)
                .count();
        out.println("skipped tests: " + skipped + " of " + result.tests().size());
        out.println(result.summaryLine());
        if (report != null) {
            try {
                Path parent = report.toAbsolutePath().getParent();
                if (parent != null) {
                    Files.createDirectories(parent);
                }
                Files.writeString(report, result.toJson(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                err.println("cannot write report " + report + ": " + e.getMessage());
                return 2;
            }
        }
        return result.allPassed() ? 0 : 1;
    }

    private static String value(String flag, Deque<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return rest.removeFirst();
    }

    private static String usage() {
        return "usage: java -jar nantian-conformance.jar --vectors DIR [--report FILE.json] [--only NAME[,NAME...]]"
                + " [--gateway-cmd CMD|none] [--work-dir DIR] [--admin-addr HOST:PORT]";
    }
}
