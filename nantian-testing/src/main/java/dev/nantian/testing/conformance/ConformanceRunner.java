package dev.nantian.testing.conformance;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.conformance.internal.Await;
import dev.nantian.testing.conformance.internal.ConfigWriter;
import dev.nantian.testing.conformance.internal.ConformanceTest;
import dev.nantian.testing.conformance.internal.EchoPods;
import dev.nantian.testing.conformance.internal.GatewayAdmin;
import dev.nantian.testing.conformance.internal.GatewayProcess;
import dev.nantian.testing.conformance.internal.ProbeClient;
import dev.nantian.testing.conformance.internal.Suite;
import dev.nantian.testing.conformance.internal.SuiteCertificates;
import dev.nantian.testing.conformance.internal.VectorSet;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs the Gateway API conformance vectors against a gateway driven as a black box through its configuration
 * directory and Admin API (the contract is in the {@linkplain dev.nantian.testing.conformance package
 * documentation}).
 *
 * <pre>{@code
 * ConformanceReport report = ConformanceRunner.builder(Path.of("conformance/vectors"))
 *         .workDirectory(Path.of("target/conformance"))
 *         .progress(System.out::println)
 *         .build()
 *         .run();
 * System.out.println(report.summaryLine());
 * }</pre>
 *
 * <p>One run at a time per instance; {@link #run()} blocks. Each run starts (and stops) its own gateway process
 * unless {@link Builder#externalGateway()} is set, its own echo pods and client event loops.
 */
public final class ConformanceRunner {

    /** The gateway command used when none is given; relative to the working directory. */
    public static final String DEFAULT_GATEWAY_COMMAND = "java -jar apps/nantian-gateway/target/nantian-gateway.jar"
            + " --config-dir {CONFIG_DIR} --admin-addr {ADMIN_ADDR} --gateway-addresses 127.0.1.0/24";

    private final Path vectors;
    private final Path workDirectory;
    private final String gatewayCommand;
    private final String adminAddress;
    private final Set<String> only;
    private final Map<String, String> excluded;
    private final Consumer<String> progress;
    private final Suite.Settings settings;
    private final Duration startupTimeout;
    private final Clock clock;

    private ConformanceRunner(Builder b) {
        this.vectors = b.vectors;
        this.workDirectory = b.workDirectory;
        this.gatewayCommand = b.gatewayCommand;
        this.adminAddress = b.adminAddress;
        this.only = Set.copyOf(b.only);
        this.excluded = Map.copyOf(b.excluded);
        this.progress = b.progress;
        this.settings = new Suite.Settings(
                b.gatewayClassName,
                b.controllerName,
                b.maxTimeToConsistency,
                b.requestTimeout,
                b.retryInterval,
                b.requiredConsecutive,
                b.revisionTimeout,
                b.statusTimeout);
        this.startupTimeout = b.startupTimeout;
        this.clock = b.clock;
    }

    /** Starts a builder for the vectors in {@code vectorsDirectory}. */
    public static Builder builder(Path vectorsDirectory) {
        return new Builder(vectorsDirectory);
    }

    /**
     * Runs every selected test and reports each through {@link Builder#progress} as it finishes.
     *
     * @throws ConformanceSetupException when the run cannot start or the gateway dies
     * @throws InterruptedException when the calling thread is interrupted
     */
    public ConformanceReport run() throws InterruptedException {
        VectorSet vectorSet;
        try {
            vectorSet = VectorSet.load(vectors);
        } catch (RuntimeException e) {
            throw new ConformanceSetupException("cannot read vectors in " + vectors + ": " + e.getMessage(), e);
        }
        List<ConformanceTest> tests = new ArrayList<>();
        for (ConformanceTest t : vectorSet.tests()) {
            if (only.isEmpty() || only.contains(t.name())) {
                tests.add(t);
            }
        }
        if (tests.isEmpty()) {
            throw new ConformanceSetupException("no test in " + vectors + " matches " + only, null);
        }
        SuiteCertificates certificates = SuiteCertificates.generate(clock);
        ConfigWriter config = new ConfigWriter(workDirectory.resolve("config"));
        try (EchoPods pods = new EchoPods();
                ProbeClient client = new ProbeClient(2);
                GatewayAdmin admin = new GatewayAdmin(adminAddress, Duration.ofSeconds(5))) {
            Suite suite = new Suite(vectorSet, config, admin, pods, client, certificates, settings, clock);
            try {
                suite.writeInitialConfig();
            } catch (IOException e) {
                throw new ConformanceSetupException("cannot write " + config.directory() + ": " + e.getMessage(), e);
            }
            GatewayProcess gateway = startGateway(config.directory());
            try {
                List<String> features = awaitFeatures(admin, gateway);
                List<ConformanceReport.TestResult> results = new ArrayList<>();
                for (ConformanceTest test : tests) {
                    String why = excluded.get(test.name());
                    ConformanceReport.TestResult result = why != null
                            ? new ConformanceReport.TestResult(
                                    test.name(), ConformanceReport.Outcome.SKIP, why, List.of(), List.of())
                            : suite.run(test, new LinkedHashSet<>(features));
                    if (gateway != null && !gateway.isAlive()) {
                        throw new ConformanceSetupException(
                                "the gateway exited with status " + gateway.exitValue() + " during " + test.name()
                                        + "; see " + gateway.log(),
                                null);
                    }
                    results.add(result);
                    progress.accept(result.line());
                }
                return new ConformanceReport(features, results);
            } finally {
                if (gateway != null) {
                    gateway.close();
                }
            }
        }
    }

    private GatewayProcess startGateway(Path configDir) {
        if (gatewayCommand == null) {
            return null;
        }
        try {
            Files.createDirectories(workDirectory);
            return GatewayProcess.start(
                    gatewayCommand,
                    Map.of("{CONFIG_DIR}", configDir.toString(), "{ADMIN_ADDR}", adminAddress),
                    workDirectory.resolve("gateway.log"));
        } catch (IOException | RuntimeException e) {
            throw new ConformanceSetupException(
                    "cannot start the gateway (" + gatewayCommand + "): " + e.getMessage(), e);
        }
    }

    private List<String> awaitFeatures(GatewayAdmin admin, GatewayProcess gateway) throws InterruptedException {
        try {
            return new Await(clock)
                    .until("gateway Admin API at " + adminAddress, startupTimeout, Duration.ofMillis(250), () -> {
                        if (gateway != null && !gateway.isAlive()) {
                            throw new Await.Abort(
                                    "the gateway exited with status " + gateway.exitValue() + "; see " + gateway.log());
                        }
                        return admin.features();
                    });
        } catch (Await.TimeoutException | Await.Abort e) {
            throw new ConformanceSetupException(e.getMessage(), e);
        }
    }

    /** Configures a {@link ConformanceRunner}; not thread-safe. */
    public static final class Builder {
        private final Path vectors;
        private Path workDirectory = Path.of("target", "conformance");
        private String gatewayCommand = DEFAULT_GATEWAY_COMMAND;
        private String adminAddress = "127.0.0.1:19082";
        private final Set<String> only = new LinkedHashSet<>();
        private final Map<String, String> excluded = new LinkedHashMap<>();
        private Consumer<String> progress = line -> {};
        private String gatewayClassName = "nantian";
        private String controllerName = "gateway.networking.k8s.io/nantian-gw";
        private Duration maxTimeToConsistency = Duration.ofSeconds(30);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration retryInterval = Duration.ofSeconds(1);
        private int requiredConsecutive = 3;
        private Duration revisionTimeout = Duration.ofSeconds(60);
        private Duration statusTimeout = Duration.ofSeconds(10);
        private Duration startupTimeout = Duration.ofSeconds(90);
        private Clock clock = Clock.systemUTC();

        private Builder(Path vectors) {
            this.vectors = requireNonNull(vectors, "vectors");
        }

        /** Where the runner keeps the gateway's config directory ({@code config/}) and log; {@code target/conformance}. */
        public Builder workDirectory(Path workDirectory) {
            this.workDirectory = requireNonNull(workDirectory, "workDirectory");
            return this;
        }

        /**
         * The gateway command line ({@link #DEFAULT_GATEWAY_COMMAND} by default); {@code {CONFIG_DIR}} and
         * {@code {ADMIN_ADDR}} are substituted.
         */
        public Builder gatewayCommand(String commandLine) {
            this.gatewayCommand = requireNonNull(commandLine, "commandLine");
            return this;
        }

        /** Starts no process: a gateway is already running on {@code workDirectory/config} and the admin address. */
        public Builder externalGateway() {
            this.gatewayCommand = null;
            return this;
        }

        /** The gateway's Admin API {@code host:port}; {@code 127.0.0.1:19082} by default. */
        public Builder adminAddress(String hostPort) {
            this.adminAddress = requireNonNull(hostPort, "hostPort");
            return this;
        }

        /** Runs only the named test; may be called several times. */
        public Builder only(String testName) {
            only.add(requireNonNull(testName, "testName"));
            return this;
        }

        /**
         * Skips the named test, reporting {@code reason}: for tests the vectors cannot drive faithfully, such as
         * those whose upstream code edits or deletes objects between checks without the edit being in the data.
         */
        public Builder exclude(String testName, String reason) {
            excluded.put(requireNonNull(testName, "testName"), requireNonNull(reason, "reason"));
            return this;
        }

        /** Receives each test's report line as the test finishes. */
        public Builder progress(Consumer<String> progress) {
            this.progress = requireNonNull(progress, "progress");
            return this;
        }

        /** Replaces {@code {GATEWAY_CLASS_NAME}}; {@code nantian} by default. */
        public Builder gatewayClassName(String name) {
            this.gatewayClassName = requireNonNull(name, "name");
            return this;
        }

        /** Replaces {@code {GATEWAY_CONTROLLER_NAME}}; {@code gateway.networking.k8s.io/nantian-gw} by default. */
        public Builder controllerName(String name) {
            this.controllerName = requireNonNull(name, "name");
            return this;
        }

        /** Upstream's MaxTimeToConsistency per HTTP case (30 s). */
        public Builder maxTimeToConsistency(Duration timeout) {
            this.maxTimeToConsistency = requireNonNull(timeout, "timeout");
            return this;
        }

        /** Upstream's RequestTimeout per round trip (10 s). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** The pause after a failed round trip (1 s). */
        public Builder retryInterval(Duration interval) {
            this.retryInterval = requireNonNull(interval, "interval");
            return this;
        }

        /** How long the gateway may take to serve a written configuration (60 s). */
        public Builder revisionTimeout(Duration timeout) {
            this.revisionTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long status checks may take to hold once the revision is served (10 s). */
        public Builder statusTimeout(Duration timeout) {
            this.statusTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** How long the gateway may take to answer {@code GET /api/v1/features} after start (90 s). */
        public Builder startupTimeout(Duration timeout) {
            this.startupTimeout = requireNonNull(timeout, "timeout");
            return this;
        }

        /** The clock for deadlines and certificate validity. */
        public Builder clock(Clock clock) {
            this.clock = requireNonNull(clock, "clock");
            return this;
        }

        /** Creates the runner. */
        public ConformanceRunner build() {
            if (requiredConsecutive < 1) {
                throw new IllegalStateException("requiredConsecutive must be at least 1");
            }
            return new ConformanceRunner(this);
        }
    }
}
