// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTML and console reports from hand-made JSON reports (no kernel needed). */
class HtmlReportTest {

    @TempDir
    Path dir;

    static TraceReport.StageStats stage(Metric metric, long... samples) {
        LatencyDistribution d = LatencyDistribution.ofSamples(metric, samples);
        List<TraceReport.Bucket> buckets = new ArrayList<>();
        d.buckets().forEach(b -> buckets.add(new TraceReport.Bucket(b.lowNanos(), b.highNanos(), b.count())));
        return new TraceReport.StageStats(metric.name(), "WRITE", "a -> b", "AVAILABLE", "", d.count(), d.sumNanos(),
                (double) d.sumNanos() / d.count(), d.percentileNanosOrNaN(1), d.percentileNanosOrNaN(50),
                d.percentileNanosOrNaN(90), d.percentileNanosOrNaN(99), d.percentileNanosOrNaN(99.9),
                d.percentileNanosOrNaN(100), buckets);
    }

    static TraceReport report(String method, String startedAt, long retransmits, List<TraceReport.Budget> budgets,
                              List<TraceReport.Event> events) {
        Map<String, TraceReport.StageStats> stages = new LinkedHashMap<>();
        stages.put("socket", stage(Metric.SOCKET, 2_000, 3_000, 4_000, 50_000, 9_000_000));
        stages.put("qdisc", new TraceReport.StageStats("QDISC", "PACKET", "x", "NOT_APPLICABLE",
                "lo is <noqueue>", 0, 0, null, null, null, null, null, null, null, List.of()));
        stages.put("device", stage(Metric.DEVICE, 900, 1_100, 1_200));
        stages.put("total", stage(Metric.TOTAL, 5_000, 6_000, 7_000_000));
        stages.put("ack", stage(Metric.ACK, 30_000, 40_000, 200_000_000));
        return new TraceReport(1, new TraceReport.TestRef("[engine:junit-jupiter]/[class:a.b.SomeTest]/[method:"
                + method + "()]", "a.b.SomeTest", method, method + "()"), "TEST", List.of(), startedAt, 12_345_678,
                stages, stage(Metric.RTT, 20_000, 25_000), new TraceReport.Counters(5, 5000, 4, retransmits, 1448 * retransmits,
                0, 0, 0, 1, 1, 0, 5L, 4L), Map.of("TIMEOUT", 0L, "FAST", retransmits), Map.of(), 0, Map.of(), 0, events,
                budgets);
    }

    @Test
    void writesOnePlotPerMeasuredStageAndTheCountersAndEvents() throws Exception {
        ReportWriter w = new ReportWriter(dir);
        w.write(report("second", "2024-05-01T12:00:02Z", 3,
                List.of(new TraceReport.Budget("SOCKET", 99, "1ms", 1_000_000, 9e6, 5, "FAILED", "too <slow>")),
                List.of(new TraceReport.Event("2024-05-01T12:00:02.5Z", "RETRANSMIT", "127.0.0.1:1", "127.0.0.1:2", 7,
                        "FAST"))));
        w.write(report("first", "2024-05-01T12:00:01Z", 0,
                List.of(new TraceReport.Budget("TOTAL", 50, "1s", 1_000_000_000, 6e3, 3, "PASSED", null)),
                List.of()));
        Files.writeString(dir.resolve("broken.json"), "{ not json");

        Path file = HtmlReport.write(dir);
        String html = Files.readString(file);

        assertThat(file.getFileName().toString()).isEqualTo("index.html");
        assertThat(html).startsWith("<!DOCTYPE html>").doesNotContain("<script");
        // tests in the order they ran
        assertThat(html.indexOf("SomeTest.first</h2>")).isPositive().isLessThan(html.indexOf("SomeTest.second</h2>"));
        String[] sections = html.split("<section class=\"test\"");
        assertThat(sections).hasSize(3);
        for (int i = 1; i < sections.length; i++) {
            List<String> stages = new ArrayList<>();
            Matcher m = Pattern.compile("data-stage=\"([a-z]+)\"").matcher(sections[i]);
            while (m.find()) {
                stages.add(m.group(1));
            }
            assertThat(stages).containsExactly("socket", "device", "total", "ack", "rtt");
            assertThat(sections[i]).contains("<rect class=\"bar\"").contains("class=\"q p50\"")
                    .contains("not applicable: lo is &lt;noqueue&gt;");
        }
        assertThat(sections[2]).contains("RETRANSMIT").contains("127.0.0.1:1").contains("too &lt;slow&gt;")
                .contains("FAILED").contains("retransmits by kind: <b>FAST 3</b>");
        assertThat(sections[1]).contains("No retransmit, drop, reset or listen-overflow events.").contains("PASSED");
        assertThat(html).contains("broken.json");
    }

    @Test
    void theConsoleReportHasAStageTablePerTest() throws Exception {
        ReportWriter w = new ReportWriter(dir);
        w.write(report("only", "2024-05-01T12:00:01Z", 2, List.of(), List.of()));
        String text = ConsoleReport.render(dir, dir.resolve("index.html"));
        assertThat(text).contains("1 traced test ")
                .contains("━━ SomeTest.only ")
                .containsPattern("stage\\s+count\\s+p50\\s+p90\\s+p99\\s+max")
                .containsPattern("SOCKET\\s+5\\s+\\S+" + dev.netlat.DurationFormat.MICROS)
                .contains("not applicable: lo is <noqueue>")
                .contains("retransmits 2 · drops 0 · lost 0");
    }

    @Test
    void anEmptyDirectoryGivesAPageSayingSo() throws Exception {
        String html = HtmlReport.render(Reports.read(dir.resolve("missing")), "x", Instant.EPOCH);
        assertThat(html).contains("No traced tests");
        assertThat(HistogramSvg.decadeLabel(0)).isEqualTo("1ns");
        assertThat(HistogramSvg.decadeLabel(4)).isEqualTo("10µs");
        assertThat(HistogramSvg.decadeLabel(9)).isEqualTo("1s");
        assertThat(HistogramSvg.decadeLabel(11)).isEqualTo("100s");
    }
}
