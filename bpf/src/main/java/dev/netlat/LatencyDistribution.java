// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * An immutable latency histogram of one {@link Metric} (a stage, or RTT), aggregated in the kernel. Quantiles are
 * within 1 % of the true sample quantile (see {@link HistogramBuckets}). A stage can be
 * {@link Status#NOT_APPLICABLE} (e.g. QDISC on a {@code noqueue} device such as {@code lo}) or
 * {@link Status#UNAVAILABLE} (its tracepoint is missing on this kernel); then {@link #reason()} says why and
 * quantiles throw instead of inventing zeros.
 */
public final class LatencyDistribution {

    public enum Status { AVAILABLE, NOT_APPLICABLE, UNAVAILABLE }

    /** One non-empty histogram bucket: values in [lowNanos, highNanos). */
    public record Bucket(long lowNanos, long highNanos, long count) {
    }

    private final Metric metric;
    private final Status status;
    private final String reason;
    private final long[] counts;
    private final long count;
    private final long sumNanos;
    /** Writes (or packets) timed and how many there were, when fewer than all were timed; both 0 otherwise. */
    private final long timed;
    private final long timedOf;

    private LatencyDistribution(Metric metric, Status status, String reason, long[] counts, long sumNanos) {
        this(metric, status, reason, counts, sumNanos, 0, 0);
    }

    private LatencyDistribution(Metric metric, Status status, String reason, long[] counts, long sumNanos, long timed,
                                long timedOf) {
        this.metric = java.util.Objects.requireNonNull(metric, "metric");
        this.status = status;
        this.reason = reason;
        this.counts = counts;
        long c = 0;
        for (long v : counts) {
            c += v;
        }
        this.count = c;
        this.sumNanos = sumNanos;
        this.timed = timed;
        this.timedOf = timedOf;
    }

    /**
     * This distribution, noted as taken from {@code timed} of {@code total} writes (or packets, for a per-packet
     * metric): what {@link TraceOptions#timeEveryWrite(boolean)} explains. Unchanged when every one was timed.
     */
    public LatencyDistribution timed(long timed, long total) {
        if (timed < 0 || total < timed) {
            throw new IllegalArgumentException("timed must be within 0.." + total + ", was " + timed);
        }
        if (timed == total || status != Status.AVAILABLE) {
            return this;
        }
        return new LatencyDistribution(metric, status, reason, counts, sumNanos, timed, total);
    }

    /** Whether fewer writes (packets) were timed than there were: then {@link #timingNote()} says how many. */
    public boolean isTimedSubset() {
        return timedOf > 0;
    }

    /** {@code "timed 278 of 5000 writes"}, or "" when every one was timed. */
    public String timingNote() {
        return timingNote(timed, timedOf, metric.unit());
    }

    /** {@code "timed 278 of 5000 writes"} (or packets), or "" when {@code timed} is all {@code total} of them. */
    public static String timingNote(long timed, long total, Stage.Unit unit) {
        return timed >= total ? "" : "timed " + timed + " of " + total + (unit == Stage.Unit.WRITE ? " writes" : " packets");
    }

    /** " (timed 278 of 5000 writes)", or "". */
    private String timingSuffix() {
        return timedOf == 0 ? "" : " (" + timingNote() + ")";
    }

    /** A measured distribution from bucket counts in the {@link HistogramBuckets} layout. */
    public static LatencyDistribution of(Metric metric, long[] bucketCounts, long sumNanos) {
        if (bucketCounts.length != HistogramBuckets.SLOTS) {
            throw new IllegalArgumentException("expected " + HistogramBuckets.SLOTS + " buckets, got " + bucketCounts.length);
        }
        return new LatencyDistribution(metric, Status.AVAILABLE, "", bucketCounts.clone(), sumNanos);
    }

    /** A distribution built from raw sample values, for tests and for comparing against other sources. */
    public static LatencyDistribution ofSamples(Metric metric, long... nanos) {
        long[] counts = new long[HistogramBuckets.SLOTS];
        long sum = 0;
        for (long v : nanos) {
            counts[HistogramBuckets.index(v)]++;
            sum += v;
        }
        return new LatencyDistribution(metric, Status.AVAILABLE, "", counts, sum);
    }

    /**
     * A measured distribution from its non-empty buckets, e.g. those of a stored JSON report read back: each must be
     * a bucket of the {@link HistogramBuckets} layout (as {@link #buckets()} lists them), so nothing is re-binned.
     */
    public static LatencyDistribution ofBuckets(Metric metric, List<Bucket> buckets, long sumNanos) {
        long[] counts = new long[HistogramBuckets.SLOTS];
        for (Bucket b : buckets) {
            int i = HistogramBuckets.index(b.lowNanos());
            if (HistogramBuckets.lowerBound(i) != b.lowNanos() || HistogramBuckets.upperBound(i) != b.highNanos()) {
                throw new IllegalArgumentException("bucket [" + b.lowNanos() + ", " + b.highNanos() + ") x " + b.count()
                        + " is not a bucket of netlat's histogram layout (the one holding " + b.lowNanos() + " is ["
                        + HistogramBuckets.lowerBound(i) + ", " + HistogramBuckets.upperBound(i) + "))");
            }
            if (b.count() < 0) {
                throw new IllegalArgumentException("bucket [" + b.lowNanos() + ", " + b.highNanos() + ") has a negative"
                        + " count: " + b.count());
            }
            counts[i] += b.count();
        }
        return new LatencyDistribution(metric, Status.AVAILABLE, "", counts, sumNanos);
    }

    public static LatencyDistribution notApplicable(Metric metric, String reason) {
        return new LatencyDistribution(metric, Status.NOT_APPLICABLE, reason, new long[HistogramBuckets.SLOTS], 0);
    }

    public static LatencyDistribution unavailable(Metric metric, String reason) {
        return new LatencyDistribution(metric, Status.UNAVAILABLE, reason, new long[HistogramBuckets.SLOTS], 0);
    }

    /** What this distribution measures. */
    public Metric metric() {
        return metric;
    }

    /** The metric's name, e.g. {@code QDISC} or {@code RTT}, for messages. */
    public String name() {
        return metric.name();
    }

    public Status status() {
        return status;
    }

    /**
     * The status as messages write it ({@code available}, {@code not applicable}, {@code unavailable}), so every
     * message naming it reads alike.
     */
    public String statusText() {
        return status.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    public boolean isAvailable() {
        return status == Status.AVAILABLE;
    }

    /** Why the distribution is not applicable or unavailable; empty when available. */
    public String reason() {
        return reason;
    }

    /** Number of samples (exact). */
    public long count() {
        return count;
    }

    public boolean isEmpty() {
        return count == 0;
    }

    /** Samples of {@link HistogramBuckets#OVERFLOW} (137 s or more). */
    public long overflowCount() {
        return counts[HistogramBuckets.OVERFLOW];
    }

    /** The p-th percentile (0 &lt; p &le; 100). Throws with the reason when there are no samples to answer from. */
    public Duration percentile(double p) {
        return Duration.ofNanos(Math.round(percentileNanos(p)));
    }

    /** The p-th percentile in nanoseconds, NaN when there are no samples or the stage is not measured. */
    public double percentileNanosOrNaN(double p) {
        checkPercentile(p);
        if (status != Status.AVAILABLE || count == 0) {
            return Double.NaN;
        }
        return percentileNanos(p);
    }

    private double percentileNanos(double p) {
        checkPercentile(p);
        if (status != Status.AVAILABLE) {
            throw new IllegalStateException(name() + " latency is " + statusText()
                    + ": " + reason);
        }
        if (count == 0) {
            throw new IllegalStateException(name() + " latency has no samples");
        }
        return HistogramBuckets.representative(bucketOfRank(counts, rank(count, p)));
    }

    /**
     * The nearest rank of the p-th percentile among n samples: the smallest rank with at least p% of the samples at or
     * below it. The one rank rule of percentiles and {@link QuantileTest}.
     */
    static long rank(long n, double percentile) {
        double exact = percentile / 100.0 * n;
        // a few ulps of slack: 0.999 x 7000 is 6993.000000000001 in doubles, and its rank is 6993
        return Math.max(1, (long) Math.ceil(exact - 8 * Math.ulp(exact)));
    }

    /**
     * The bucket holding the {@code rank}-th smallest sample (1-based) of {@code counts} in the {@link HistogramBuckets}
     * layout, the overflow bucket when they hold fewer; shared with {@link QuantileTest}, which walks pooled counts.
     */
    static int bucketOfRank(long[] counts, long rank) {
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return i;
            }
        }
        return HistogramBuckets.OVERFLOW;
    }

    private static void checkPercentile(double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + p);
        }
    }

    public Duration p50() {
        return percentile(50);
    }

    public Duration p90() {
        return percentile(90);
    }

    public Duration p99() {
        return percentile(99);
    }

    public Duration p999() {
        return percentile(99.9);
    }

    public Duration max() {
        return percentile(100);
    }

    public Duration min() {
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                return Duration.ofNanos(Math.round(HistogramBuckets.representative(i)));
            }
        }
        return percentile(100); // throws with the reason
    }

    /** Exact mean of the samples (the kernel sums nanoseconds). */
    public Duration mean() {
        if (count == 0) {
            return percentile(50); // throws with the reason
        }
        return Duration.ofNanos(sumNanos / count);
    }

    public long sumNanos() {
        return sumNanos;
    }

    /** Bucket counts in the {@link HistogramBuckets} layout (a copy). */
    public long[] bucketCounts() {
        return counts.clone();
    }

    /** The non-empty buckets, smallest first. */
    public List<Bucket> buckets() {
        List<Bucket> out = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                out.add(new Bucket(HistogramBuckets.lowerBound(i), HistogramBuckets.upperBound(i), counts[i]));
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Merges two distributions of the same metric (used for port views and overlapping windows). */
    public LatencyDistribution plus(LatencyDistribution other) {
        if (other.metric != metric) {
            throw new IllegalArgumentException("cannot merge " + metric + " with " + other.metric);
        }
        if (status != Status.AVAILABLE) {
            return this;
        }
        if (other.status != Status.AVAILABLE) {
            return other;
        }
        long[] sum = counts.clone();
        for (int i = 0; i < sum.length; i++) {
            sum[i] += other.counts[i];
        }
        // a side that timed everything counts its samples as both timed and total
        long t = (timedOf == 0 ? count : timed) + (other.timedOf == 0 ? other.count : other.timed);
        long of = (timedOf == 0 ? count : timedOf) + (other.timedOf == 0 ? other.count : other.timedOf);
        return new LatencyDistribution(metric, status, reason, sum, sumNanos + other.sumNanos, t < of ? t : 0,
                t < of ? of : 0);
    }

    /** One line: {@code QDISC n=1200 p50=12.3µs p90=… p99=… p99.9=… max=…}, or the reason. */
    public String summary() {
        if (status != Status.AVAILABLE) {
            return String.format(Locale.ROOT, "%-6s %s: %s", name(), statusText(), reason);
        }
        if (count == 0) {
            return String.format(Locale.ROOT, "%-6s n=0", name());
        }
        return String.format(Locale.ROOT, "%-6s n=%d p50=%s p90=%s p99=%s p99.9=%s max=%s%s", name(), count,
                DurationFormat.format(p50()), DurationFormat.format(p90()), DurationFormat.format(p99()),
                DurationFormat.format(p999()), DurationFormat.format(max()), timingSuffix());
    }

    /**
     * The histogram as text, power-of-two rows like bpftrace's {@code hist()} / biolatency, with the quantile table
     * under it. Used in assertion failure messages.
     */
    public String toHistogramText() {
        StringBuilder sb = new StringBuilder();
        sb.append(name()).append(" latency");
        if (status != Status.AVAILABLE) {
            return sb.append(": ").append(statusText())
                    .append(" (").append(reason).append(")\n").toString();
        }
        sb.append(", ").append(count).append(count == 1 ? " sample" : " samples")
                .append(timingSuffix()).append('\n');
        if (count == 0) {
            return sb.toString();
        }
        // fold the log-linear buckets into power-of-two rows
        long[] rows = new long[64];
        int first = 64;
        int last = -1;
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] == 0) {
                continue;
            }
            long low = HistogramBuckets.lowerBound(i);
            int row = low == 0 ? 0 : 64 - Long.numberOfLeadingZeros(low);
            rows[row] += counts[i];
            first = Math.min(first, row);
            last = Math.max(last, row);
        }
        long peak = 0;
        for (long r : rows) {
            peak = Math.max(peak, r);
        }
        for (int row = first; row <= last; row++) {
            long lo = row == 0 ? 0 : 1L << (row - 1);
            long hi = 1L << row;
            int bar = (int) Math.round(40.0 * rows[row] / peak);
            sb.append(String.format(Locale.ROOT, "[%8s, %8s) %8d |%-40s|%n", DurationFormat.format(Duration.ofNanos(lo)),
                    DurationFormat.format(Duration.ofNanos(hi)), rows[row], "@".repeat(bar)));
        }
        sb.append(String.format(Locale.ROOT, "p50=%s p90=%s p99=%s p99.9=%s max=%s mean=%s%n",
                DurationFormat.format(p50()), DurationFormat.format(p90()), DurationFormat.format(p99()),
                DurationFormat.format(p999()), DurationFormat.format(max()), DurationFormat.format(mean())));
        return sb.toString();
    }

    @Override
    public String toString() {
        return summary();
    }
}
