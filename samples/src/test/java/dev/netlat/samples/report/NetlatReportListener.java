// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.report;

import dev.netlat.junit.NetlatConfig;
import dev.netlat.report.TraceReport;
import dev.netlat.report.ConsoleReport;
import dev.netlat.report.HtmlReport;
import dev.netlat.report.Reports;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints the netlat report of the run at its end and writes {@code target/netlat/index.html}: registered for the
 * samples in {@code src/test/resources/META-INF/services/org.junit.platform.launcher.TestExecutionListener}, which
 * Surefire (and any JUnit Platform launcher) picks up. Copy it (and that file) into a project to get the same
 * report there.
 *
 * <p>With {@code -Dnetlat.demo=true} ({@code ./netlat demo}) the report has a per-stage table per test; otherwise one
 * line per test. JSON reports of earlier runs are removed when the run starts, so the report shows this run only.
 */
public class NetlatReportListener implements TestExecutionListener {

    private static Path reportDir() {
        String dir = System.getProperty(NetlatConfig.REPORT_DIR);
        return Path.of(dir == null || dir.isBlank() ? NetlatConfig.DEFAULT_REPORT_DIR : dir.trim());
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        Path dir = reportDir();
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : old) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            System.err.println("[netlat] could not remove old reports in " + dir + ": " + e);
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        Path dir = reportDir();
        try {
            Reports reports = Reports.read(dir);
            if (reports.reports().isEmpty() && !Boolean.getBoolean("netlat.demo")) {
                return;
            }
            Path html = HtmlReport.write(dir).toAbsolutePath().normalize();
            String text = Boolean.getBoolean("netlat.demo")
                    ? ConsoleReport.render(reports, dir.toAbsolutePath().normalize(), html)
                    : brief(reports, html);
            System.out.println(text);
            System.out.flush();
        } catch (IOException | RuntimeException e) {
            System.err.println("[netlat] could not write the report of " + dir + ": " + e);
        }
    }

    private static String brief(Reports reports, Path html) {
        StringBuilder sb = new StringBuilder("\nnetlat: " + reports.reports().size() + " traced tests, report " + html
                + " (per-stage tables: -Dnetlat.demo=true)\n");
        for (TraceReport r : reports.reports()) {
            TraceReport.StageStats total = r.stages() == null ? null : r.stages().get("total");
            sb.append(String.format(Locale.ROOT, "  %-62s TOTAL p99 %-8s retransmits %d, budgets failed %d%n",
                    Reports.testName(r), total == null ? "–" : Reports.nanos(total.p99Nanos()),
                    r.counters() == null ? 0 : r.counters().retransmits(), Reports.failedBudgets(r)));
        }
        return sb.toString();
    }
}
