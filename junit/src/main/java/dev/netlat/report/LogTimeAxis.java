// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.report.TraceReport;
import java.util.List;

/**
 * The log-scale time axis, in whole decades of nanoseconds, that all latency histograms of one test share, and the
 * bins (ten per decade) that the kernel's log-linear buckets are folded into. One axis per test, not per stage, so
 * that the stages of a test can be compared by eye.
 */
record LogTimeAxis(int minDecade, int maxDecade) {
    static final int BINS_PER_DECADE = 10;

    /** The axis that covers every bucket of the measured stages: at least three decades, 1µs–1ms when none is. */
    static LogTimeAxis of(List<TraceReport.StageStats> stages) {
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (TraceReport.StageStats s : stages) {
            if (!Reports.measured(s)) {
                continue;
            }
            for (TraceReport.Bucket b : s.buckets()) {
                lo = Math.min(lo, Math.max(1, b.lowNanos()));
                hi = Math.max(hi, Math.max(1, representative(b)));
            }
        }
        if (hi == 0) {
            return new LogTimeAxis(3, 6);
        }
        int min = (int) Math.floor(Math.log10(lo));
        int max = (int) Math.floor(Math.log10(hi)) + 1;
        if (max - min < 3) {
            min = Math.max(0, max - 3);
            max = min + 3;
        }
        return new LogTimeAxis(min, max);
    }

    /** Where {@code nanos} lies on the axis: 0 at the left end, 1 at the right, clamped to that range. */
    double position(double nanos) {
        double v = (Math.log10(Math.max(1, nanos)) - minDecade) / (maxDecade - minDecade);
        return Math.max(0, Math.min(1, v));
    }

    int bins() {
        return (maxDecade - minDecade) * BINS_PER_DECADE;
    }

    /** The bin {@code nanos} falls into; values off the axis go to the first or last bin. */
    int bin(double nanos) {
        int b = (int) Math.floor((Math.log10(Math.max(1, nanos)) - minDecade) * BINS_PER_DECADE);
        return Math.max(0, Math.min(bins() - 1, b));
    }

    double binLowNanos(int bin) {
        return Math.pow(10, minDecade + (double) bin / BINS_PER_DECADE);
    }

    double binHighNanos(int bin) {
        return Math.pow(10, minDecade + (double) (bin + 1) / BINS_PER_DECADE);
    }

    /** The value that stands for a bucket's samples: its midpoint, or its only value for a one-nanosecond bucket. */
    static double representative(TraceReport.Bucket b) {
        return b.highNanos() - b.lowNanos() <= 1 ? b.lowNanos() : (b.lowNanos() + b.highNanos() - 1) / 2.0;
    }
}
