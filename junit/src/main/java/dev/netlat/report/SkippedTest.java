// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A traced test that JUnit skipped, and why: tracing unavailable, an assumption, {@code @Disabled}. Such a test
 * writes no JSON report (or one whose budgets went unchecked), so {@link NetlatReportListener} keeps it as
 * {@code <report dir>/skipped/<Class>.<method>.json}, {@code {"test": {…as in TraceReport…}, "reason": "…"}}: next to
 * the reports, so that the summaries, the HTML page and {@link MergeReports} of sharded runs can say what was not
 * measured. A subdirectory, because every {@code *.json} directly in the report directory is read as a
 * {@link TraceReport}.
 */
record SkippedTest(TraceReport.TestRef test, String reason) {

    /** The subdirectory of the report directory that holds the skipped tests. */
    static final String DIRECTORY = "skipped";

    String name() {
        return Reports.testName(test);
    }

    /** Where a skipped test with this unique id is kept in {@code reportDir}. */
    static Path file(Path reportDir, String uniqueId) {
        return reportDir.resolve(DIRECTORY).resolve(ReportWriter.fileBaseName(uniqueId) + ".json");
    }

    /** Writes this test into {@code reportDir}'s {@link #DIRECTORY}; returns the file. */
    Path write(Path reportDir) throws IOException {
        Path file = file(reportDir, test.uniqueId());
        Files.createDirectories(file.getParent());
        ReportWriter.writeJson(file, this);
        return file;
    }

    /**
     * The skipped tests kept in {@code reportDir} at or after {@code since} (null: all), by name; a file that cannot be
     * read is added to {@code problems}.
     */
    static List<SkippedTest> read(Path reportDir, Instant since, List<String> problems) throws IOException {
        List<SkippedTest> out = new ArrayList<>();
        for (Path f : Reports.jsonFiles(reportDir.resolve(DIRECTORY), since)) {
            try {
                SkippedTest s = ReportWriter.mapper().readValue(f.toFile(), SkippedTest.class);
                if (s.test() == null) {
                    problems.add(DIRECTORY + "/" + f.getFileName() + ": not a skipped test (no \"test\")");
                    continue;
                }
                out.add(s);
            } catch (IOException | RuntimeException e) {
                problems.add(DIRECTORY + "/" + f.getFileName() + ": " + e.getMessage());
            }
        }
        out.sort(Comparator.comparing(SkippedTest::name));
        return out;
    }
}
