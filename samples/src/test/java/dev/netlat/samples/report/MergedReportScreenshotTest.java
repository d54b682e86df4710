// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.report.HtmlReport;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.Reports;
import dev.netlat.report.TraceReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sharded CI run, played with the samples that ran before it: their JSON reports are dealt into two shard
 * directories, merged with the documented command ({@code java -cp … dev.netlat.report.MergeReports OUT IN...}, in
 * a child JVM) and the merged page rendered in headless Chromium, which must show every test of both shards. Keeps
 * {@code target/netlat/merged-report.png}.
 */
@Order(Integer.MAX_VALUE - 1)
class MergedReportScreenshotTest {

    @TempDir
    Path tmp;

    @Test
    void theMergedPageListsEveryTestOfBothShards() throws Exception {
        Path dir = HtmlReportScreenshotTest.reportDir();
        List<TraceReport> reports = Reports.read(dir, Reports.runStart()).reports();
        Assumptions.assumeTrue(reports.size() >= 2, "fewer than two traced samples ran: nothing to shard");
        List<Path> shards = List.of(tmp.resolve("shard-1"), tmp.resolve("shard-2"));
        List<String> names = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            new ReportWriter(shards.get(i % 2)).write(reports.get(i));
            names.add(Reports.testName(reports.get(i)));
        }
        Path merged = tmp.resolve("merged");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        HeadlessChromium.Run merge = HeadlessChromium.run(List.of(java, "-cp", System.getProperty("java.class.path"),
                "dev.netlat.report.MergeReports", merged.toString(), shards.get(0).toString(),
                shards.get(1).toString()), 120, false);

        assertThat(merge.exit()).as("MergeReports exit; stderr:%n%s", merge.stderr()).isZero();
        assertThat(merge.output()).contains("[netlat] " + reports.size() + " traced tests ran, 0 skipped",
                "[netlat] merged 2 shards into " + merged);
        HeadlessChromium chromium = HeadlessChromium.find(tmp.resolve("profile"));
        Path html = merged.resolve(HtmlReport.FILE_NAME);
        assertThat(HeadlessChromium.sectionNames(chromium.dom(html))).containsExactlyInAnyOrderElementsOf(names);
        chromium.screenshot(html, dir.resolve("merged-report.png"));
    }
}
