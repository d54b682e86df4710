// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.Percentiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The console summary of a run, as {@link NetlatReportListener} prints it at the end of the test plan and
 * {@link MergeReports} after a merge: one line per traced test (or {@link ConsoleReport}'s per-stage tables), then a
 * block that says at a glance what the run measured.
 *
 * <pre>
 *   HttpClientSampleTest.smallGets             TOTAL p99 12.0µs   retransmits 0, budgets failed 0
 * [netlat] 6 traced tests ran, 6 skipped; 8 budgets, 1 failed
 * [netlat]   skipped CheckoutLatencyTest.fast: netlat cannot trace here: not root and no CAP_BPF
 * [netlat]   skipped 5 tests (LabTest.a, LabTest.b, LabTest.c and 2 more): no network namespaces here
 * [netlat]   failed  HttpClientSampleTest.smallGets: budget SOCKET p99 &lt; 10ms failed, measured 12.0ms
 * [netlat] HTML report: /work/app/target/netlat/index.html (per-stage tables: -Dnetlat.demo=true)
 * </pre>
 *
 * A run whose traced tests were all skipped says {@code NOTHING WAS MEASURED} in the first line of the block, so a
 * green build that traced nothing does not pass unnoticed. Plain ASCII but for the units, which follow
 * {@link dev.netlat.DurationFormat}.
 */
final class RunSummary {
    private static final String PREFIX = "[netlat] ";
    /** Skipped tests named per reason; the page lists them all. */
    static final int NAMED = 3;

    private RunSummary() {
    }

    /**
     * The per-test lines (the per-stage tables when {@code detailed}) and the block.
     *
     * @param dir  the report directory, named by the detailed tables
     * @param html the page written, or null
     */
    static String render(RunResults results, Path dir, Path html, boolean detailed) {
        StringBuilder sb = new StringBuilder();
        if (detailed) {
            sb.append(ConsoleReport.render(results.reports(), dir, html)).append('\n');
        } else {
            sb.append('\n');
            for (TraceReport r : results.reports().reports()) {
                TraceReport.StageStats total = r.stages() == null ? null : r.stages().get("total");
                sb.append(String.format(Locale.ROOT, "  %-62s TOTAL p99 %-8s retransmits %d, budgets failed %d%n",
                        Reports.testName(r), total == null ? "-" : Reports.nanos(total.p99Nanos()),
                        r.counters() == null ? 0 : r.counters().retransmits(), Reports.failedBudgets(r)));
            }
            for (String p : results.reports().problems()) {
                sb.append("  (could not read ").append(p).append(")\n");
            }
        }
        return sb.append(block(results, html, detailed ? "" : " (per-stage tables: -Dnetlat.demo=true)")).toString();
    }

    /** The block: counts, the skipped tests with their reasons, the failed budgets, the page. */
    static String block(RunResults results, Path html, String htmlNote) {
        StringBuilder sb = new StringBuilder(PREFIX).append(ranAndSkipped(results));
        if (results.nothingMeasured()) {
            sb.append(": NOTHING WAS MEASURED");
        }
        sb.append("; ").append(count(results.reports().budgets(), "budget")).append(", ")
                .append(results.reports().failedBudgets()).append(" failed\n");
        results.skippedByReason().forEach((reason, names) -> sb.append(PREFIX).append("  skipped ")
                .append(names.size() == 1 ? names.get(0) : names.size() + " tests (" + some(names, n -> n) + ")")
                .append(": ").append(reason).append('\n'));
        for (TraceReport r : results.reports().reports()) {
            for (TraceReport.Budget b : r.budgets() == null ? List.<TraceReport.Budget>of() : r.budgets()) {
                if (b.outcome().failed()) {
                    sb.append(PREFIX).append("  failed  ").append(Reports.testName(r)).append(": ")
                            .append(budget(b)).append(' ').append(b.outcomeText()).append(", measured ")
                            .append(Reports.nanos(b.measuredNanos())).append('\n');
                }
            }
        }
        if (html != null) {
            sb.append(PREFIX).append("HTML report: ").append(html).append(htmlNote).append('\n');
        }
        return sb.toString();
    }

    /** {@code 6 traced tests ran, 6 skipped}: how both summaries open. */
    static String ranAndSkipped(RunResults results) {
        return count(results.ran().size(), "traced test") + " ran, " + results.skipped().size() + " skipped";
    }

    /** {@code SOCKET p99 < 10ms}: a budget as {@link ConsoleReport}, this and {@link MarkdownSummary} name it. */
    static String budget(TraceReport.Budget b) {
        return b.stage() + " " + Percentiles.name(b.percentile()) + " < " + b.below();
    }

    /** {@code a, b, c and 7 more}: the first {@link #NAMED} names, each formatted. */
    static String some(List<String> names, UnaryOperator<String> format) {
        String shown = names.stream().limit(NAMED).map(format).collect(Collectors.joining(", "));
        return names.size() <= NAMED ? shown : shown + " and " + (names.size() - NAMED) + " more";
    }

    static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }
}
