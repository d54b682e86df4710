// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a report directory says of a run: the JSON reports of the traced tests and the traced tests that were
 * skipped. The one reading behind the console and Markdown summaries and the HTML page, so that they count alike.
 *
 * @param reports the JSON reports, with the files that could not be read (skipped-test files among them)
 * @param skipped the traced tests JUnit skipped, by name
 */
record RunResults(Reports reports, List<SkippedTest> skipped) {

    RunResults {
        skipped = List.copyOf(skipped);
    }

    /** Reads {@code dir}: the files written at or after {@code since}, or all when it is null. */
    static RunResults read(Path dir, Instant since) throws IOException {
        Reports reports = Reports.read(dir, since);
        List<String> problems = new ArrayList<>(reports.problems());
        List<SkippedTest> skipped = SkippedTest.read(dir, since, problems);
        return new RunResults(new Reports(reports.reports(), problems), skipped);
    }

    /**
     * The reports of the traced tests that ran: a test whose body aborted (an assumption) wrote a report with its
     * budgets unchecked, yet JUnit counts it as skipped, and so does the summary.
     */
    List<TraceReport> ran() {
        Set<String> skippedIds = skipped.stream().map(s -> s.test().uniqueId()).collect(Collectors.toSet());
        return reports.reports().stream().filter(r -> !skippedIds.contains(r.test().uniqueId())).toList();
    }

    /** Whether traced tests were skipped and none ran: the summaries say so, lest a green build hide it. */
    boolean nothingMeasured() {
        return ran().isEmpty() && !skipped.isEmpty();
    }

    /**
     * The names of the skipped tests by reason, reasons in the order of their first test: where tracing cannot run,
     * every traced test has the same reason, and one line says it.
     */
    Map<String, List<String>> skippedByReason() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (SkippedTest s : skipped) {
            out.computeIfAbsent(String.valueOf(s.reason()), k -> new ArrayList<>()).add(s.name());
        }
        return out;
    }
}
