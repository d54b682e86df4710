// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import dev.netlat.HistogramBuckets;
import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.Aggregator;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.util.ScoreFormatter;

/**
 * One percentile of one stage's kernel latency histogram, as a JMH secondary result that merges like JMH's own
 * {@code SampleTimeResult}: it carries the histogram's bucket counts (sparse, in the {@link HistogramBuckets} layout),
 * and its thread and iteration aggregators add the counts. So {@code netlat.socket.p0.99} of a run is the p99 of every
 * sample of every measured iteration of every fork, not an average of per-iteration p99s.
 *
 * <p>{@link #getScore()} is the percentile (nearest rank on the merged counts, the same computation as
 * {@link LatencyDistribution#percentile}) in microseconds; NaN when the merged histogram is empty (no samples, the
 * stage is not applicable, e.g. QDISC on {@code lo}, or unavailable; {@link #extendedInfo()} says which).
 * {@link #getSampleCount()} is the number of latency samples merged, as for {@code SampleTimeResult}. There is no
 * score error: the percentile of the merged histogram is one number, not a mean of measurements.
 *
 * <p>Serializable: the profiler creates these in the forked JVM, and JMH sends them to the host, which merges them.
 */
public final class HistogramPercentileResult extends Result<HistogramPercentileResult> {
    private static final long serialVersionUID = 2L;

    /** Score unit: microseconds, like the rest of the profiler's latency results. */
    static final String UNIT = "us";

    private final Metric metric;
    private final double percentile;
    /** Non-empty bucket indexes, ascending; {@code counts[i]} samples fell into bucket {@code buckets[i]}. */
    private final int[] buckets;
    private final long[] counts;
    private final long sumNanos;
    /** Why the stage was not measured ({@code "not applicable: ..."}), several joined by "; "; empty when measured. */
    private final String reason;
    private final double score;

    /**
     * The result of one iteration: {@code label} (e.g. {@code netlat.socket.p0.99}), the percentile in (0, 100] and the
     * stage's distribution over the iteration.
     */
    public static HistogramPercentileResult of(String label, double percentile, LatencyDistribution distribution) {
        String reason = distribution.isAvailable() ? ""
                : distribution.status().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": " + distribution.reason();
        long sum = distribution.isAvailable() ? distribution.sumNanos() : 0;
        long[] dense = distribution.isAvailable() ? distribution.bucketCounts() : new long[HistogramBuckets.SLOTS];
        return fromDense(label, distribution.metric(), percentile, dense, sum, reason);
    }

    private static HistogramPercentileResult fromDense(String label, Metric metric, double percentile, long[] dense,
                                                       long sumNanos, String reason) {
        int n = 0;
        for (long c : dense) {
            if (c != 0) {
                n++;
            }
        }
        int[] buckets = new int[n];
        long[] counts = new long[n];
        int j = 0;
        for (int i = 0; i < dense.length; i++) {
            if (dense[i] != 0) {
                buckets[j] = i;
                counts[j] = dense[i];
                j++;
            }
        }
        return new HistogramPercentileResult(label, metric, percentile, buckets, counts, sumNanos, reason);
    }

    HistogramPercentileResult(String label, Metric metric, double percentile, int[] buckets, long[] counts,
                              long sumNanos, String reason) {
        this(label, metric, percentile, buckets, counts, sumNanos, reason,
                score(metric, percentile, dense(buckets, counts), sumNanos));
    }

    private HistogramPercentileResult(String label, Metric metric, double percentile, int[] buckets, long[] counts,
                                      long sumNanos, String reason, double score) {
        super(ResultRole.SECONDARY, label, of(score), UNIT, AggregationPolicy.AVG); // the policy is unused: see getScore()
        this.metric = metric;
        this.percentile = percentile;
        this.buckets = buckets;
        this.counts = counts;
        this.sumNanos = sumNanos;
        this.reason = reason;
        this.score = score;
    }

    private static long[] dense(int[] buckets, long[] counts) {
        if (buckets.length != counts.length) {
            throw new IllegalArgumentException(buckets.length + " bucket indexes but " + counts.length + " counts");
        }
        long[] dense = new long[HistogramBuckets.SLOTS];
        int previous = -1;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] <= previous || buckets[i] >= HistogramBuckets.SLOTS) {
                throw new IllegalArgumentException("bucket indexes must ascend within [0, " + HistogramBuckets.SLOTS
                        + "): " + Arrays.toString(buckets));
            }
            if (counts[i] <= 0) {
                throw new IllegalArgumentException("bucket " + buckets[i] + " has count " + counts[i]);
            }
            dense[buckets[i]] = counts[i];
            previous = buckets[i];
        }
        return dense;
    }

    private static double score(Metric metric, double percentile, long[] dense, long sumNanos) {
        // NaN for an empty histogram; throws IllegalArgumentException for a percentile outside (0, 100]
        return LatencyDistribution.of(metric, dense, sumNanos).percentileNanosOrNaN(percentile) / 1000.0;
    }

    /** What the histogram measures, e.g. {@link Metric#SOCKET}. */
    public Metric metric() {
        return metric;
    }

    /** The percentile reported, in (0, 100]. */
    public double percentile() {
        return percentile;
    }

    /** The merged histogram as a distribution (status available even when the stage was not measured: then empty). */
    public LatencyDistribution distribution() {
        return LatencyDistribution.of(metric, dense(buckets, counts), sumNanos);
    }

    /** Why the stage was not measured (e.g. {@code not applicable: ...}); empty when it was. */
    public String reason() {
        return reason;
    }

    /** The percentile of the merged histogram in µs; NaN when it has no samples. */
    @Override
    public double getScore() {
        return score;
    }

    @Override
    public double getScoreError() {
        return Double.NaN;
    }

    @Override
    public double[] getScoreConfidence() {
        return new double[] {score, score};
    }

    /** Latency samples in the merged histogram. */
    @Override
    public long getSampleCount() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    @Override
    protected Aggregator<HistogramPercentileResult> getThreadAggregator() {
        return new MergingAggregator();
    }

    @Override
    protected Aggregator<HistogramPercentileResult> getIterationAggregator() {
        return new MergingAggregator();
    }

    /** An iteration without this result contributes no samples. */
    @Override
    protected HistogramPercentileResult getZeroResult() {
        return new HistogramPercentileResult(label, metric, percentile, new int[0], new long[0], 0, "");
    }

    @Override
    public String extendedInfo() {
        long n = getSampleCount();
        String p = new java.math.BigDecimal(Double.toString(percentile)).stripTrailingZeros().toPlainString();
        String what;
        if (n > 0) {
            what = "p" + p + " of " + n + " " + metric + " samples, merged over iterations and forks";
        } else if (!reason.isEmpty()) {
            what = metric + " " + reason;
        } else {
            what = "no " + metric + " samples";
        }
        return String.format(Locale.ROOT, "  %s %s  (%s)%n", ScoreFormatter.format(score), getScoreUnit(), what);
    }

    /** Adds the bucket counts (and sums) of results of the same label, stage and percentile. */
    static final class MergingAggregator implements Aggregator<HistogramPercentileResult> {
        @Override
        public HistogramPercentileResult aggregate(Collection<HistogramPercentileResult> results) {
            if (results.isEmpty()) {
                throw new IllegalArgumentException("nothing to aggregate");
            }
            HistogramPercentileResult first = results.iterator().next();
            long[] dense = new long[HistogramBuckets.SLOTS];
            long sum = 0;
            Set<String> reasons = new LinkedHashSet<>();
            for (HistogramPercentileResult r : results) {
                if (!r.label.equals(first.label) || !r.unit.equals(first.unit) || r.metric != first.metric
                        || Double.compare(r.percentile, first.percentile) != 0) {
                    throw new IllegalStateException("Combining different results: " + first.label + " (" + first.metric
                            + ", p" + first.percentile + ", " + first.unit + ") and " + r.label + " (" + r.metric
                            + ", p" + r.percentile + ", " + r.unit + ")");
                }
                for (int i = 0; i < r.buckets.length; i++) {
                    dense[r.buckets[i]] += r.counts[i];
                }
                sum += r.sumNanos;
                if (!r.reason.isEmpty()) {
                    reasons.addAll(Arrays.asList(r.reason.split("; ")));
                }
            }
            return fromDense(first.label, first.metric, first.percentile, dense, sum, String.join("; ", reasons));
        }
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        try {
            if (metric == null || reason == null || buckets == null || counts == null) {
                throw new IllegalArgumentException("missing fields");
            }
            double expected = score(metric, percentile, dense(buckets, counts), sumNanos);
            if (Double.compare(expected, score) != 0) {
                throw new IllegalArgumentException("score " + score + " is not the histogram's p" + percentile);
            }
        } catch (IllegalArgumentException e) {
            InvalidObjectException ex = new InvalidObjectException("bad " + getClass().getSimpleName() + ": " + e.getMessage());
            ex.initCause(e);
            throw ex;
        }
    }
}
