// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The run as GitHub-flavoured Markdown for a GitHub Actions job summary: the counts and the skipped tests, then per
 * traced test a table of its stages (count, p50, p99) and one of its budgets with their verdicts. Actions names the
 * file in {@code GITHUB_STEP_SUMMARY} and shows what the steps appended to it on the run's page, so latencies and
 * failed budgets are seen there without downloading the HTML report.
 */
final class MarkdownSummary {
    /** The environment variable GitHub Actions sets to the job summary file of the current step. */
    static final String GITHUB_STEP_SUMMARY = "GITHUB_STEP_SUMMARY";

    private MarkdownSummary() {
    }

    /**
     * Appends the summary to the file named by {@link #GITHUB_STEP_SUMMARY} in {@code env}; returns the file, or null
     * when the variable is unset or blank.
     */
    static Path appendIfRequested(Map<String, String> env, RunResults results) throws IOException {
        String name = env.get(GITHUB_STEP_SUMMARY);
        if (name == null || name.isBlank()) {
            return null;
        }
        Path file = Path.of(name.trim());
        // UTF-8 whatever the JVM's encoding: the file is read by GitHub, not printed to this console
        Files.writeString(file, render(results), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        return file;
    }

    static String render(RunResults results) {
        StringBuilder md = new StringBuilder("### netlat: ").append(RunSummary.ranAndSkipped(results));
        if (results.nothingMeasured()) {
            md.append(", **nothing was measured**");
        }
        long failed = results.reports().failedBudgets();
        md.append(" · ").append(RunSummary.count(results.reports().budgets(), "budget")).append(", ")
                .append(failed > 0 ? "**" + failed + " failed**" : "0 failed")
                .append("\n\n");
        results.skippedByReason().forEach((reason, names) -> md.append("- skipped ")
                .append(RunSummary.some(names, MarkdownSummary::code)).append(": ").append(cell(reason)).append('\n'));
        for (String p : results.reports().problems()) {
            md.append("- could not read ").append(cell(p)).append('\n');
        }
        for (TraceReport r : results.reports().reports()) {
            md.append("\n#### ").append(code(Reports.testName(r))).append("\n\n");
            stages(md, r);
            budgets(md, r);
        }
        return md.append('\n').toString();
    }

    private static void stages(StringBuilder md, TraceReport r) {
        md.append("| stage | count | p50 | p99 |\n| --- | ---: | ---: | ---: |\n");
        for (TraceReport.StageStats s : Reports.stages(r)) {
            md.append("| ").append(s.name()).append(" | ");
            if ("AVAILABLE".equals(s.status()) && s.count() > 0) {
                md.append(s.count()).append(" | ").append(Reports.nanos(s.p50Nanos())).append(" | ")
                        .append(Reports.nanos(s.p99Nanos())).append(" |\n");
            } else {
                md.append("– | *").append(cell(Reports.noNumbers(s))).append("* | |\n");
            }
        }
        md.append('\n');
    }

    private static void budgets(StringBuilder md, TraceReport r) {
        if (r.budgets() == null || r.budgets().isEmpty()) {
            return;
        }
        md.append("| budget | verdict | measured |\n| --- | --- | ---: |\n");
        for (TraceReport.Budget b : r.budgets()) {
            String mark = switch (b.outcome()) {
                case PASSED -> "✅";
                case NOT_CHECKED -> "➖";
                default -> "❌";
            };
            String condition = TestModel.condition(b);
            md.append("| ").append(cell(RunSummary.budget(b))).append(" | ").append(mark).append(' ')
                    .append(TestModel.badge(b)).append(condition == null ? "" : ": " + cell(condition)).append(" | ")
                    .append(Reports.nanos(b.measuredNanos())).append(" over ").append(b.samples())
                    .append(" samples |\n");
        }
        md.append('\n');
    }

    /** Text safe in a table cell: no line breaks, no column breaks, no HTML. */
    static String cell(String text) {
        return String.valueOf(text).replace("\r", "").replace('\n', ' ').replace("&", "&amp;").replace("<", "&lt;")
                .replace(">", "&gt;").replace("|", "\\|");
    }

    private static String code(String text) {
        return "`" + text.replace("`", "'") + "`";
    }
}
