// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import dev.netlat.Stage;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The latencies of an earlier run, read back from the JSON report the extension wrote for it
 * ({@code target/netlat/<Class>.<method>.json}, kept e.g. under {@code src/test/resources}), to compare a run with:
 *
 * <pre>{@code
 * Baseline baseline = Baseline.read(Path.of("src/test/resources/netlat/CheckoutTest.pay.json"));
 * assertThat(trace.latency(Stage.QDISC))
 *         .isNotSlowerThan(baseline.latency(Stage.QDISC), Regression.atPercentile(90).byMoreThanPercent(20));
 * }</pre>
 *
 * The report keeps every non-empty histogram bucket, so the distributions read back are the ones measured, not an
 * approximation from the quantile table. A stage the baseline did not measure reads back as not applicable or
 * unavailable with the reason the report gave, and a comparison with it fails saying so.
 *
 * <p>The baseline's own lost events ({@link #lostEvents()}) are not a reason to refuse it: a baseline that lost
 * samples can only look faster than it was, which makes a comparison stricter, never blind to a regression.
 */
public final class Baseline {
    private final String source;
    private final TraceReport report;

    private Baseline(String source, TraceReport report) {
        this.source = source;
        this.report = Objects.requireNonNull(report, "report");
        if (report.schemaVersion() > TraceReport.SCHEMA_VERSION) {
            throw new IllegalArgumentException(source + " is a report of schema version " + report.schemaVersion()
                    + ", written by a newer netlat; this one reads up to version " + TraceReport.SCHEMA_VERSION);
        }
    }

    /** Reads a report written by the extension ({@link ReportWriter}). */
    public static Baseline read(Path reportFile) throws IOException {
        return new Baseline(reportFile.toString(), ReportWriter.read(reportFile));
    }

    /** A baseline from a report already in memory. */
    public static Baseline of(TraceReport report) {
        return new Baseline(report.test() == null ? "a report" : "the report of " + report.test().displayName(),
                report);
    }

    /** The report it was read from. */
    public TraceReport report() {
        return report;
    }

    /** The baseline's distribution of a stage. */
    public LatencyDistribution latency(Stage stage) {
        Map<String, TraceReport.StageStats> stages = report.stages() == null ? Map.of() : report.stages();
        return distribution(Metric.of(stage), stages.get(stage.key()));
    }

    /** The baseline's round-trip times. */
    public LatencyDistribution rtt() {
        return distribution(Metric.RTT, report.rtt());
    }

    /** The events the baseline's window lost, by cause in words (empty when none). */
    public Map<String, Long> lostEvents() {
        return report.lostEventsByCause() == null ? Map.of() : report.lostEventsByCause();
    }

    private LatencyDistribution distribution(Metric metric, TraceReport.StageStats s) {
        if (s == null) {
            return LatencyDistribution.unavailable(metric, source + " has no " + metric.name() + " latency");
        }
        String reason = s.reason() == null || s.reason().isEmpty() ? "(no reason given)" : s.reason();
        if ("NOT_APPLICABLE".equals(s.status())) {
            return LatencyDistribution.notApplicable(metric, reason);
        }
        if (!"AVAILABLE".equals(s.status())) {
            return LatencyDistribution.unavailable(metric, reason + " (status " + s.status() + " in " + source + ")");
        }
        List<LatencyDistribution.Bucket> buckets = new ArrayList<>();
        for (TraceReport.Bucket b : s.buckets() == null ? List.<TraceReport.Bucket>of() : s.buckets()) {
            buckets.add(new LatencyDistribution.Bucket(b.lowNanos(), b.highNanos(), b.count()));
        }
        LatencyDistribution d;
        try {
            d = LatencyDistribution.ofBuckets(metric, buckets, s.sumNanos());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + ", " + metric.name() + ": " + e.getMessage(), e);
        }
        if (d.count() != s.count()) {
            throw new IllegalArgumentException(source + ", " + metric.name() + ": the buckets hold " + d.count()
                    + " samples but the report says " + s.count() + "; the file is not a report as netlat writes it");
        }
        return d;
    }

    @Override
    public String toString() {
        return "Baseline(" + source + ")";
    }
}
