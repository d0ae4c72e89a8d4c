package dev.nantian.testing.conformance;

import static java.util.Objects.requireNonNull;

import dev.nantian.testing.conformance.internal.Json;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The outcome of a conformance run: the features the gateway declared and one {@link TestResult} per test. A case
 * is one status check or one HTTP case; skipped tests and skipped parts count neither way. Immutable.
 *
 * @param declaredFeatures what the gateway's {@code GET /api/v1/features} returned
 * @param tests per-test results in run order
 */
public record ConformanceReport(List<String> declaredFeatures, List<TestResult> tests) {

    public ConformanceReport {
        declaredFeatures = List.copyOf(declaredFeatures);
        tests = List.copyOf(tests);
    }

    /** How a test ended. */
    public enum Outcome {
        /** Every case that ran passed. */
        PASS,
        /** At least one case failed (or the gateway never served the test's configuration). */
        FAIL,
        /** Not run: a feature is not declared, or the runner cannot drive what the test needs. */
        SKIP
    }

    /**
     * One case.
     *
     * @param name the check or case name from the vectors
     * @param kind {@code status}, {@code http}, {@code mirror}, {@code weights}
     * @param passed whether it passed
     * @param detail why it failed, or null
     */
    public record CaseResult(String name, String kind, boolean passed, String detail) {
        public CaseResult {
            requireNonNull(name, "name");
            requireNonNull(kind, "kind");
        }
    }

    /**
     * One test.
     *
     * @param name upstream's test name
     * @param outcome how it ended
     * @param reason why it was skipped, or its first failure, or null
     * @param cases the cases that ran
     * @param notes parts of the test that were not checked, and why
     */
    public record TestResult(String name, Outcome outcome, String reason, List<CaseResult> cases, List<String> notes) {
        public TestResult {
            requireNonNull(name, "name");
            requireNonNull(outcome, "outcome");
            cases = List.copyOf(cases);
            notes = List.copyOf(notes);
        }

        /** Cases that passed. */
        public int passedCases() {
            return (int) cases.stream().filter(CaseResult::passed).count();
        }

        /** Cases that failed. */
        public int failedCases() {
            return cases.size() - passedCases();
        }

        /** The report line: {@code PASS name (k/n cases)}, {@code FAIL name: first failure}, {@code SKIP name: why}. */
        public String line() {
            String counts = "(" + passedCases() + "/" + cases.size() + " cases)";
            String note = notes.isEmpty() ? "" : "; not checked: " + String.join("; ", notes);
            switch (outcome) {
                case PASS:
                    return "PASS " + name + " " + counts + note;
                case FAIL:
                    return "FAIL " + name + ": " + reason + " " + counts;
                default:
                    return "SKIP " + name + ": " + reason;
            }
        }
    }

    /** Passed cases over all tests. */
    public int passedCases() {
        return tests.stream().mapToInt(TestResult::passedCases).sum();
    }

    /** Failed cases over all tests. */
    public int failedCases() {
        return tests.stream().mapToInt(TestResult::failedCases).sum();
    }

    /** Whether nothing that ran failed. */
    public boolean allPassed() {
        return failedCases() == 0 && tests.stream().noneMatch(t -> t.outcome() == Outcome.FAIL);
    }

    /** The closing line, exactly {@code N passed, N failed} (cases). */
    public String summaryLine() {
        return passedCases() + " passed, " + failedCases() + " failed";
    }

    /** The report as pretty-printed JSON. */
    public String toJson() {
        ObjectNode root = Json.JSON.createObjectNode();
        root.put("passedCases", passedCases());
        root.put("failedCases", failedCases());
        root.put("skippedTests", (int)
                tests.stream().filter(t -> t.outcome() == Outcome.SKIP).count());
        ArrayNode features = root.putArray("declaredFeatures");
        declaredFeatures.forEach(features::add);
        ArrayNode list = root.putArray("tests");
        for (TestResult t : tests) {
            ObjectNode node = list.addObject();
            node.put("name", t.name());
            node.put("outcome", t.outcome().name());
            node.put("reason", t.reason());
            node.put("passedCases", t.passedCases());
            node.put("failedCases", t.failedCases());
            ArrayNode notes = node.putArray("notes");
            t.notes().forEach(notes::add);
            ArrayNode cases = node.putArray("cases");
            for (CaseResult c : t.cases()) {
                ObjectNode cn = cases.addObject();
                cn.put("name", c.name());
                cn.put("kind", c.kind());
                cn.put("passed", c.passed());
                cn.put("detail", c.detail());
            }
        }
        return Json.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }
}
