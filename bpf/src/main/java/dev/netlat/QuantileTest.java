// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.Locale;

/**
 * A one-sided exact test of whether the p-th percentile of a current distribution is larger than a baseline's: Mood's
 * quantile test, i.e. Fisher's exact test on how many samples of each side lie above the pooled p-th percentile.
 *
 * <p>The threshold is the histogram bucket holding the p-th percentile of both samples together. It is chosen
 * without looking at which run a sample came from, so if both runs drew from one distribution, the
 * {@code K = baselineAbove + currentAbove} samples above it are a random pick of the pooled samples and the number
 * of them in the current run follows the hypergeometric distribution: the p-value is the chance of at least
 * {@code currentAbove} of them falling in the current run. It is computed exactly (no normal approximation), because
 * at tail percentiles K is small. Samples in the threshold bucket itself count as not above on both sides (ties by
 * bucket), which can only make the test more reluctant to call a difference.
 *
 * <p>Why this test rather than a rank test over the whole distribution (Mann-Whitney): a slowdown confined to the
 * tail (2 % of the writes now stall) hardly moves the probability that a current sample exceeds a baseline sample,
 * so a whole-distribution test misses exactly what a p99 budget is about; counting above the percentile asked about
 * looks where the budget looks.
 *
 * @param percentile      the percentile compared
 * @param thresholdNanos  the pooled p-th percentile (its bucket's representative value)
 * @param baselineAbove   baseline samples above the threshold bucket
 * @param baselineCount   baseline samples
 * @param currentAbove    current samples above the threshold bucket
 * @param currentCount    current samples
 * @param pValue          one-sided: the chance of at least {@code currentAbove} if nothing changed
 */
public record QuantileTest(double percentile, double thresholdNanos, long baselineAbove, long baselineCount,
                           long currentAbove, long currentCount, double pValue) {

    /** Runs the test on two distributions' bucket counts (both must be available and non-empty). */
    public static QuantileTest of(LatencyDistribution baseline, LatencyDistribution current, double percentile) {
        if (!(percentile > 0 && percentile < 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100), was " + percentile);
        }
        long[] base = baseline.bucketCounts();
        long[] cur = current.bucketCounts();
        long n1 = baseline.count();
        long n2 = current.count();
        if (n1 == 0 || n2 == 0) {
            throw new IllegalArgumentException("both distributions need samples: baseline " + n1 + ", current " + n2);
        }
        long[] pooled = base.clone();
        for (int i = 0; i < pooled.length; i++) {
            pooled[i] += cur[i];
        }
        int threshold = LatencyDistribution.bucketOfRank(pooled, LatencyDistribution.rank(n1 + n2, percentile));
        long a = 0;
        long b = 0;
        for (int i = threshold + 1; i < base.length; i++) {
            a += base[i];
            b += cur[i];
        }
        return new QuantileTest(percentile, HistogramBuckets.representative(threshold), a, n1, b, n2,
                upperTail(n1 + n2, a + b, n2, b));
    }

    /** Samples above the p-th percentile's rank among n samples, when no two share a bucket. */
    static long aboveRank(long n, double percentile) {
        return n - LatencyDistribution.rank(n, percentile);
    }

    /** Current samples above the threshold expected if both runs drew from one distribution. */
    public double expectedCurrentAbove() {
        return (double) (baselineAbove + currentAbove) * currentCount / (baselineCount + currentCount);
    }

    /** Whether the current run is slower at the percentile with at most {@code alpha} chance of a false alarm. */
    public boolean significantAt(double alpha) {
        return pValue < alpha;
    }

    /**
     * {@code 31 of 420 current samples above the pooled p90 (8.00ms), 2 of 400 in the baseline (16.1 expected if
     * nothing changed); one-sided p = 3.1e-07}.
     */
    public String describe() {
        return String.format(Locale.ROOT, "%d of %d current samples above the pooled %s (%s), %d of %d in the baseline"
                        + " (%.1f expected if nothing changed); one-sided p = %s", currentAbove, currentCount,
                Percentiles.name(percentile), DurationFormat.formatNanos(thresholdNanos), baselineAbove, baselineCount,
                expectedCurrentAbove(), formatP(pValue));
    }

    /** {@code 0.312}, {@code 3.1e-07}, {@code < 1e-300}. */
    public static String formatP(double p) {
        if (p <= 0) {
            return "< 1e-300";
        }
        return p >= 0.001 ? String.format(Locale.ROOT, "%.3f", p) : String.format(Locale.ROOT, "%.1e", p);
    }

    /**
     * P(X &ge; x) for X hypergeometric: {@code draws} taken from {@code population} of which {@code successes} are
     * marked. Sums the terms away from the mode, where they shrink, so the loop ends after a few hundred terms even
     * for millions of samples; each loop is bounded by the support anyway.
     */
    static double upperTail(long population, long successes, long draws, long x) {
        long low = Math.max(0, draws - (population - successes));
        long high = Math.min(successes, draws);
        if (x <= low) {
            return 1;
        }
        if (x > high) {
            return 0;
        }
        double n = population;
        double k = successes;
        double d = draws;
        long mode = (long) Math.floor((d + 1) * (k + 1) / (n + 2));
        if (x > mode) {
            double term = Math.exp(logPmf(population, successes, draws, x));
            double sum = 0;
            for (long i = x; i <= high && term > sum * 1e-17; i++) {
                sum += term;
                term *= (k - i) * (d - i) / ((i + 1) * (n - k - d + i + 1));
            }
            return Math.min(1, sum);
        }
        double term = Math.exp(logPmf(population, successes, draws, x - 1));
        double below = 0;
        for (long i = x - 1; i >= low && term > below * 1e-17; i--) {
            below += term;
            term *= i * (n - k - d + i) / ((k - i + 1) * (d - i + 1));
        }
        return Math.max(0, 1 - below);
    }

    private static double logPmf(long population, long successes, long draws, long x) {
        return logChoose(successes, x) + logChoose(population - successes, draws - x) - logChoose(population, draws);
    }

    private static double logChoose(long n, long k) {
        return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
    }

    private static final double[] SMALL_LOG_FACTORIALS = new double[64];

    static {
        for (int i = 2; i < SMALL_LOG_FACTORIALS.length; i++) {
            SMALL_LOG_FACTORIALS[i] = SMALL_LOG_FACTORIALS[i - 1] + Math.log(i);
        }
    }

    /** ln(n!): exact sums below 64, Stirling's series above (error below 1e-15 there). */
    static double logFactorial(long n) {
        if (n < SMALL_LOG_FACTORIALS.length) {
            return SMALL_LOG_FACTORIALS[(int) n];
        }
        double x = n;
        double inv = 1 / x;
        double inv2 = inv * inv;
        return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x)
                + inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
    }
}
