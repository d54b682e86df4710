// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.DurationFormat;
import dev.netlat.report.TraceReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The JSON reports of a run as a plain-text report for the console: per test a table of the stages (count, p50,
 * p90, p99, max), the counters and the budgets.
 *
 * <pre>
 * ━━ HttpClientSampleTest.smallGets ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━
 *    window TEST · all sockets · 406ms
 *    stage       count       p50       p90       p99       max
 *    SOCKET        600    9.89µs    17.9µs    52.7µs     107µs
 *    QDISC           –  not applicable: lo is a noqueue device
 *    …
 *    writes 600 · bytes 112.3 KiB · packets 600 · retransmits 0 · drops 0 · lost 0
 *    budget ✔ SOCKET p99 &lt; 20ms   passed, measured 52.7µs over 600 samples
 *    budget ✘ SOCKET p99 &lt; 20ms   failed: 600 events lost (socket table full (netlat.maps.sockets): 600) — measured 6.05µs over 300 samples
 *    budget ✘ TOTAL p99.99 &lt; 1s   failed: too few samples (400, p99.99 needs 10000) — measured 11.3µs over 400 samples
 * </pre>
 */
public final class ConsoleReport {
    static final int WIDTH = 84;

    private ConsoleReport() {
    }

    /** Reads {@code dir} and renders it; {@code htmlFile} (may be null) is named in the header. */
    public static String render(Path dir, Path htmlFile) throws IOException {
        return render(Reports.read(dir), dir, htmlFile);
    }

    public static String render(Reports reports, Path dir, Path htmlFile) {
        StringBuilder sb = new StringBuilder();
        List<TraceReport> list = reports.reports();
        sb.append('\n').append("═".repeat(WIDTH)).append('\n');
        sb.append(String.format(Locale.ROOT, " netlat report · %s · %s, %d failed%n",
                RunSummary.count(list.size(), "traced test"), RunSummary.count(reports.budgets(), "budget"),
                reports.failedBudgets()));
        sb.append(" JSON: ").append(dir).append('\n');
        if (htmlFile != null) {
            sb.append(" HTML: ").append(htmlFile).append('\n');
        }
        sb.append("═".repeat(WIDTH)).append('\n');
        for (TraceReport r : list) {
            sb.append('\n');
            test(sb, r);
        }
        for (String p : reports.problems()) {
            sb.append("\n (could not read ").append(p).append(")");
        }
        if (list.isEmpty()) {
            sb.append("\n (no traced tests: nothing in ").append(dir).append(")\n");
        }
        return sb.toString();
    }

    static void test(StringBuilder sb, TraceReport r) {
        String title = "━━ " + Reports.testName(r) + " ";
        sb.append(title).append("━".repeat(Math.max(3, WIDTH - title.length()))).append('\n');
        String ports = r.ports() == null || r.ports().isEmpty() ? "all sockets" : "ports " + r.ports();
        sb.append("   window ").append(r.window()).append(" · ").append(ports).append(" · ")
                .append(DurationFormat.formatNanos(r.elapsedNanos())).append('\n');
        sb.append(String.format(Locale.ROOT, "   %-8s %8s %9s %9s %9s %9s%n", "stage", "count", "p50", "p90", "p99",
                "max"));
        for (TraceReport.StageStats s : Reports.stages(r)) {
            if ("AVAILABLE".equals(s.status()) && s.count() > 0) {
                sb.append(String.format(Locale.ROOT, "   %-8s %8d %9s %9s %9s %9s%n", s.name(), s.count(),
                        Reports.nanos(s.p50Nanos()), Reports.nanos(s.p90Nanos()), Reports.nanos(s.p99Nanos()),
                        Reports.nanos(s.maxNanos())));
            } else {
                List<String> lines = wrap(Reports.noNumbers(s), WIDTH - 22);
                sb.append(String.format(Locale.ROOT, "   %-8s %8s  %s%n", s.name(),
                        "AVAILABLE".equals(s.status()) ? "0" : "–", lines.get(0)));
                for (String more : lines.subList(1, lines.size())) {
                    sb.append(" ".repeat(22)).append(more).append('\n');
                }
            }
        }
        TraceReport.Counters c = r.counters();
        if (c != null) {
            sb.append(String.format(Locale.ROOT,
                    "   writes %d%s · bytes %s · packets %d · retransmits %d · drops %d · lost %d%n", c.writes(),
                    c.timingNote().isEmpty() ? "" : " (" + c.timingNote() + ")", Reports.bytes(c.bytes()), c.packets(),
                    c.retransmits(), c.drops(), r.lostEvents()));
        }
        if (r.budgets() != null) {
            for (TraceReport.Budget b : r.budgets()) {
                String mark = switch (b.outcome()) {
                    case PASSED -> "✔";
                    case NOT_CHECKED -> "·";
                    default -> "✘";
                };
                String text = b.outcomeText();
                sb.append(String.format(Locale.ROOT, "   budget %s %s   %s%s measured %s over %d samples%n",
                        mark, RunSummary.budget(b), text,
                        text.contains(":") || text.contains(", ") ? " —" : ",",
                        Reports.nanos(b.measuredNanos()), b.samples()));
            }
        }
    }

    /** Splits text at spaces into lines of at most {@code width} characters (longer words stay whole). */
    static List<String> wrap(String text, int width) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        out.add(line.toString());
        return out;
    }
}
