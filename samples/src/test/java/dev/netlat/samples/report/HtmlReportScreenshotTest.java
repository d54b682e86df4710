// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.junit.NetlatConfig;
import dev.netlat.report.HtmlReport;
import dev.netlat.report.Reports;
import dev.netlat.report.TraceReport;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the HTML report of the samples that ran before it in headless Chromium, checks that the rendered DOM has
 * one histogram per measured stage of every test, and keeps a screenshot as a build artefact:
 * {@code target/netlat/report.png}. Runs last ({@code junit-platform.properties} orders classes by {@link Order}).
 *
 * <p>The page is the one netlat-junit's auto-registered {@code dev.netlat.report.NetlatReportListener} writes when the
 * run ends: the reports of this run ({@link Reports#runStart()}) in the report directory. The listener writes it
 * after the last test, so this test writes it the same way first.
 */
@Order(Integer.MAX_VALUE)
class HtmlReportScreenshotTest {

    @TempDir
    Path profile;

    /** The report directory of the samples, as the extension and the listener resolve it. */
    static Path reportDir() {
        String dir = System.getProperty(NetlatConfig.REPORT_DIR);
        return Path.of(dir == null || dir.isBlank() ? NetlatConfig.DEFAULT_REPORT_DIR : dir.trim())
                .toAbsolutePath().normalize();
    }

    @Test
    void rendersTheReportWithOneHistogramPerMeasuredStage() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.find(profile);
        Path dir = reportDir();
        Instant run = Reports.runStart();
        Path html = HtmlReport.write(dir, run);
        Reports reports = Reports.read(dir, run);

        String dom = chromium.dom(html);
        assertThat(dom).contains("<h1>netlat report</h1>");

        // Per test section of the rendered DOM: the histograms are there, one per measured stage.
        List<String> sections = HeadlessChromium.sections(dom);
        assertThat(sections).hasSize(reports.reports().size());
        for (int i = 0; i < sections.size(); i++) {
            TraceReport r = reports.reports().get(i);
            List<String> expected = new ArrayList<>();
            for (TraceReport.StageStats s : Reports.stages(r)) {
                if (Reports.measured(s)) {
                    expected.add(s.name().toLowerCase());
                }
            }
            List<String> plotted = new ArrayList<>();
            Matcher m = Pattern.compile("<svg class=\"hist [a-z]+\" data-stage=\"([a-z]+)\"").matcher(sections.get(i));
            while (m.find()) {
                plotted.add(m.group(1));
            }
            assertThat(plotted).as("histograms of %s", Reports.testName(r)).containsExactlyElementsOf(expected);
            for (String stage : plotted) {
                String svg = sections.get(i).split("data-stage=\"" + stage + "\"", 2)[1].split("</svg>", 2)[0];
                assertThat(svg).as("bars of %s %s", Reports.testName(r), stage).contains("<rect class=\"bar\"");
            }
        }

        Path png = dir.resolve("report.png");
        chromium.screenshot(html, png);
        System.out.println("[netlat] HTML report screenshot: " + png);
    }
}
