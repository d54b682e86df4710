// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.report.TraceReport;

/**
 * One measured stage's latency distribution as the report plots it: the sample counts per bin of the test's shared
 * {@link LogTimeAxis} and the p50 and p99 to mark. Kept apart from {@link HistogramSvg} so that the binning can be
 * read without the drawing.
 *
 * @param stageKey  the stage in lower case ({@code socket}), which names its colour
 * @param stageName the stage as the JSON names it ({@code SOCKET}), "" when it has no name
 * @param samples   the stage's sample count
 * @param counts    samples per bin of {@code axis}
 * @param peak      the largest bin count, at least 1, which the bar heights are relative to
 * @param p50Nanos  the median, or null
 * @param p99Nanos  the 99th percentile, or null
 */
record StageHistogram(String stageKey, String stageName, long samples, LogTimeAxis axis, long[] counts, long peak,
                      Double p50Nanos, Double p99Nanos) {

    static StageHistogram of(TraceReport.StageStats s, String stageKey, LogTimeAxis axis) {
        long[] counts = new long[axis.bins()];
        for (TraceReport.Bucket b : s.buckets()) {
            counts[axis.bin(LogTimeAxis.representative(b))] += b.count();
        }
        long peak = 1;
        for (long v : counts) {
            peak = Math.max(peak, v);
        }
        return new StageHistogram(stageKey, s.name() == null ? "" : s.name(), s.count(), axis, counts, peak,
                s.p50Nanos(), s.p99Nanos());
    }
}
