package dev.nantian.jmh;

import dev.nantian.ai.tokens.TokenEstimator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@link TokenEstimator#estimatePrompt} (jtokkit) of a chat request whose user message is a 2 KiB or 32 KiB prompt
 * (issue 6): English prose mixed with a Java snippet and a JSON fragment, the usual shape of a coding-assistant
 * prompt. {@code gpt-4o} uses {@code o200k_base}; any other model, such as {@code claude-sonnet-4-5}, uses
 * {@code cl100k_base}. The encodings load in setup, so the first request's lazy load is not measured.
 *
 * <pre>{@code
 * java -jar jmh/target/benchmarks.jar TokenEstimate -f 1 -wi 3 -w 2s -i 5 -r 2s
 * }</pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class TokenEstimateBenchmark {
    private static final String[] PARAGRAPHS = {
        "I have a service that reads orders from a queue, enriches them with customer data and writes them to the"
                + " warehouse. Since last week it falls behind during the evening peak. ",
        "Here is the consumer loop; please point out what limits its throughput and how to fix it without changing"
                + " the message format.\n",
        "```java\nwhile (running) {\n    List<Order> batch = queue.poll(500, Duration.ofMillis(200));\n"
                + "    for (Order o : batch) {\n        Customer c = customers.find(o.customerId());\n"
                + "        warehouse.write(o.withCustomer(c));\n    }\n    queue.commit();\n}\n```\n",
        "The customer lookup is a REST call with a p50 of 12 ms and a p99 of 180 ms. The warehouse client batches"
                + " nothing, so every order is one insert. ",
        "A typical message looks like this:\n{\"orderId\": \"2024-118-5521\", \"customerId\": 48213, \"items\":"
                + " [{\"sku\": \"BK-1182\", \"qty\": 1, \"price\": 24.90}], \"currency\": \"EUR\"}\n",
        "We run four replicas with two cores each, and the database is not the bottleneck according to its"
                + " metrics. ",
        "Would caching customers help, given that roughly 70 percent of orders come from returning customers? ",
        "Please also suggest which metrics we should add so that we notice the next regression before the"
                + " customers do.\n",
    };

    @Param({"2048", "32768"})
    public int promptBytes;

    @Param({"gpt-4o", "claude-sonnet-4-5"})
    public String model;

    private TokenEstimator estimator;
    private ObjectNode request;

    @Setup(Level.Trial)
    public void setUp() {
        estimator = new TokenEstimator();
        JsonMapper mapper = JsonMapper.builder().build();
        request = mapper.createObjectNode().put("model", model);
        request.putArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", prompt(promptBytes, new SplittableRandom(3)));
        long tokens = estimator.estimatePrompt(request);
        // English and code run at 3.5 to 5 bytes per token in both encodings
        if (tokens < promptBytes / 6 || tokens > promptBytes / 2) {
            throw new IllegalStateException(tokens + " tokens for " + promptBytes + " bytes");
        }
    }

    @Benchmark
    public long estimatePrompt() {
        return estimator.estimatePrompt(request);
    }

    /** Exactly {@code bytes} ASCII characters of paragraphs in random order, cut at the end. */
    static String prompt(int bytes, SplittableRandom random) {
        StringBuilder sb = new StringBuilder(bytes + 512);
        while (sb.length() < bytes) {
            sb.append(PARAGRAPHS[random.nextInt(PARAGRAPHS.length)]);
        }
        sb.setLength(bytes);
        return sb.toString();
    }
}
