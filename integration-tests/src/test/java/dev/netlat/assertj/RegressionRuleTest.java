// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import static dev.netlat.junit.FakeTrace.spread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.netlat.HistogramBuckets;
import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.QuantileTest;
import dev.netlat.Regression;
import dev.netlat.RegressionCheck;
import dev.netlat.SampleRule;
import dev.netlat.Stage;
import dev.netlat.Verdict;
import dev.netlat.junit.FakeTrace;
import java.util.Arrays;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The regression rule ({@link Regression}) on synthetic distributions, and the assertion that renders it. */
class RegressionRuleTest {

    /** n QDISC samples spread evenly over [from, to] nanoseconds. */
    static LatencyDistribution qdisc(int n, long from, long to) {
        return LatencyDistribution.ofSamples(Metric.QDISC, spread(n, from, to));
    }

    /** The same samples, each multiplied by {@code factor}. */
    static LatencyDistribution scaled(int n, long from, long to, double factor) {
        return LatencyDistribution.ofSamples(Metric.QDISC,
                Arrays.stream(spread(n, from, to)).map(v -> Math.round(v * factor)).toArray());
    }

    /** n QDISC samples, one in each histogram bucket from {@code firstBucket} on: no ties. */
    static LatencyDistribution oneABucket(int n, int firstBucket) {
        return LatencyDistribution.ofSamples(Metric.QDISC,
                IntStream.range(firstBucket, firstBucket + n).mapToLong(HistogramBuckets::lowerBound).toArray());
    }

    @Test
    void identicalDistributionsPass() {
        LatencyDistribution base = qdisc(2000, 1_000_000, 2_000_000);
        for (double p : new double[] {50, 90, 99}) {
            RegressionCheck c = Regression.atPercentile(p).check(base, qdisc(2000, 1_000_000, 2_000_000));
            assertThat(c.verdict()).as("p%s", p).isEqualTo(Verdict.PASSED);
            assertThat(c.ratio()).isEqualTo(1.0);
            assertThat(c.test().orElseThrow().pValue()).as("p-value at p%s", p).isGreaterThan(0.4);
            assertThat(c.reason()).contains("(1.00x, +0%)").contains("within the 10% margin");
        }
        assertThatCode(() -> NetAssertions.assertThat(base).isNotSlowerThan(base, Regression.p99()))
                .doesNotThrowAnyException();
    }

    @Test
    void twiceAsSlowWithEnoughSamplesFailsShowingBothHistogramsAndTheStatistic() {
        LatencyDistribution base = qdisc(1000, 1_000_000, 2_000_000);
        LatencyDistribution now = scaled(1000, 1_000_000, 2_000_000, 2);
        RegressionCheck c = Regression.p90().byMoreThanPercent(20).check(base, now);
        assertThat(c.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(c.ratio()).isCloseTo(2.0, within(0.03));
        QuantileTest t = c.test().orElseThrow();
        assertThat(t.currentAbove()).isGreaterThan(150);
        assertThat(t.baselineAbove()).isZero();
        assertThat(t.pValue()).isLessThan(1e-30);

        assertThatThrownBy(() -> NetAssertions.assertThat(now)
                .isNotSlowerThan(base, Regression.p90().byMoreThanPercent(20)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected QDISC p90 not to be slower than the baseline by more than 20%, but it"
                        + " was 3.78ms against 1.89ms in the baseline (2.00x), and that is not noise: ")
                .hasMessageContaining("of 1000 current samples above the pooled p90")
                .hasMessageContaining("0 of 1000 in the baseline")
                .hasMessageContaining("one-sided p = ")
                .hasMessageContaining("below the significance 0.01")
                .hasMessageContaining("Why it matters: QDISC is the time packets wait")
                .hasMessageContaining("Baseline: QDISC latency, 1000 samples")
                .hasMessageContaining("This run: QDISC latency, 1000 samples")
                .hasMessageFindingMatch("(?s)Baseline: .*\\|@+ *\\|.*This run: .*\\|@+ *\\|");
    }

    @Test
    void tooFewSamplesOnEitherSideFailAndSaySo() {
        LatencyDistribution base = qdisc(50, 1_000_000, 2_000_000);
        LatencyDistribution now = scaled(1000, 1_000_000, 2_000_000, 10);
        RegressionCheck c = Regression.p99().check(base, now);
        assertThat(c.verdict()).isEqualTo(Verdict.TOO_FEW_SAMPLES);
        assertThat(c.test()).isEmpty();
        assertThat(c.reason()).isEqualTo("too few samples: 50 in the baseline, 1000 now; comparing p99 needs at least"
                + " 350 on each side");
        assertThatThrownBy(() -> NetAssertions.assertThat(now).isNotSlowerThan(base, Regression.p99()))
                .hasMessageContaining("but there are too few samples to tell: 50 packets in the baseline and 1000 now,"
                        + " comparing p99 needs at least 350 on each side")
                .hasMessageContaining("no test can tell a slowdown from luck")
                .hasMessageContaining("at significance 0.01 the comparison needs 350 per side whatever the rule")
                .hasMessageContaining("Baseline: QDISC latency, 50 samples");
        // the current side counts as much as the baseline
        assertThat(Regression.p99().check(now, base).verdict()).isEqualTo(Verdict.TOO_FEW_SAMPLES);
    }

    @Test
    void theMinimumIsTheBudgetsRuleAndWhatTheTestNeedsToBeAbleToFail() {
        assertThat(Regression.p99().requiredSamples()).isEqualTo(350);
        assertThat(Regression.p90().requiredSamples()).isEqualTo(35);
        assertThat(Regression.p50().requiredSamples()).isEqualTo(7);
        assertThat(Regression.atPercentile(99.9).requiredSamples()).isEqualTo(3500);
        assertThat(Regression.p90().atSignificance(0.05).requiredSamples()).isEqualTo(25);
        assertThat(Regression.p90().withSampleRule(SampleRule.factor(5)).requiredSamples()).isEqualTo(50);
        assertThat(Regression.p90().withSampleRule(SampleRule.factor(0)).requiredSamples()).isEqualTo(35);
        // at the minimum, a run slower in every sample (and no two samples in one bucket) does fail
        for (double p : new double[] {50, 90, 99}) {
            int n = (int) Regression.atPercentile(p).requiredSamples();
            RegressionCheck atMinimum = Regression.atPercentile(p).check(oneABucket(n, 640), oneABucket(n, 640 + n));
            assertThat(atMinimum.verdict()).as("p%s at %d samples", p, n).isEqualTo(Verdict.FAILED);
        }
        // one sample less, and a tail percentile could not fail at all, however slow the run
        for (double p : new double[] {90, 99}) {
            int n = (int) Regression.atPercentile(p).requiredSamples() - 1;
            QuantileTest clearest = QuantileTest.of(oneABucket(n, 640), oneABucket(n, 640 + n), p);
            assertThat(clearest.baselineAbove()).isZero();
            assertThat(clearest.pValue()).as("p%s at %d samples", p, n).isGreaterThanOrEqualTo(0.01);
        }
        // samples tied in buckets leave fewer above the threshold: the minimum is necessary, not sufficient
        assertThat(Regression.p99().check(qdisc(350, 1_000_000, 2_000_000), scaled(350, 1_000_000, 2_000_000, 3))
                .reason()).contains("not significant");
    }

    @Test
    void fasterOrWithinTheMarginPasses() {
        LatencyDistribution base = qdisc(1000, 1_000_000, 2_000_000);
        assertThat(Regression.p90().check(base, scaled(1000, 1_000_000, 2_000_000, 0.5)).verdict())
                .isEqualTo(Verdict.PASSED);
        // 5 % slower over 20000 samples is significant, but within a 10 % margin it does not matter
        LatencyDistribution many = qdisc(20_000, 1_000_000, 2_000_000);
        RegressionCheck small = Regression.p90().check(many, scaled(20_000, 1_000_000, 2_000_000, 1.05));
        assertThat(small.test().orElseThrow().pValue()).isLessThan(0.01);
        assertThat(small.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(small.reason()).contains("within the 10% margin");
    }

    @Test
    void beyondTheMarginButNoiseOverFewSamplesPasses() {
        // 7 samples a side: p50 is 1.5x the baseline's, but the samples interleave
        LatencyDistribution base = LatencyDistribution.ofSamples(Metric.QDISC, 1_000, 2_000, 3_000, 4_000, 5_000,
                6_000, 7_000);
        LatencyDistribution now = LatencyDistribution.ofSamples(Metric.QDISC, 1_500, 2_500, 3_500, 6_000, 6_500,
                7_500, 8_000);
        RegressionCheck c = Regression.p50().check(base, now);
        assertThat(c.ratio()).isGreaterThan(1.1);
        assertThat(c.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(c.reason()).contains("more than the 10% margin, not significant: p = 0.");
    }

    @Test
    void aSlowdownOnlyInTheTailIsCaughtAtTheTailPercentile() {
        // 2 % of the packets now stall 20 ms; the body is unchanged, so a whole-distribution rank test barely moves
        long[] body = spread(1960, 1_000_000, 2_000_000);
        LatencyDistribution base = qdisc(2000, 1_000_000, 2_000_000);
        LatencyDistribution now = LatencyDistribution.ofSamples(Metric.QDISC,
                LongStream.concat(Arrays.stream(body), LongStream.generate(() -> 20_000_000).limit(40)).toArray());
        assertThat(Regression.p99().check(base, now).verdict()).isEqualTo(Verdict.FAILED);
        assertThat(Regression.p50().check(base, now).verdict()).isEqualTo(Verdict.PASSED);
    }

    @Test
    void theExactTestMatchesTheHypergeometricTail() {
        // 10 samples a side, all current ones above all baseline ones: 1 / C(20, 10)
        LatencyDistribution base = LatencyDistribution.ofSamples(Metric.QDISC, spread(10, 1_000, 1_000));
        LatencyDistribution now = LatencyDistribution.ofSamples(Metric.QDISC, spread(10, 5_000, 5_000));
        QuantileTest t = QuantileTest.of(base, now, 50);
        assertThat(t.currentAbove()).isEqualTo(10);
        assertThat(t.pValue()).isCloseTo(1 / 184_756.0, within(1e-12));
        // the other way round nothing of the current run is above: p = 1
        assertThat(QuantileTest.of(now, base, 50).pValue()).isEqualTo(1.0);
        // 5 of 10 above on each side: P(X >= 5) = 1/2 + P(X = 5)/2 = 0.5 + 0.343718/2
        LatencyDistribution mixed = LatencyDistribution.ofSamples(Metric.QDISC, 1_000, 1_000, 1_000, 1_000, 1_000,
                5_000, 5_000, 5_000, 5_000, 5_000);
        assertThat(QuantileTest.of(mixed, mixed, 50).pValue()).isCloseTo(0.671859, within(1e-6));
        assertThat(QuantileTest.formatP(3.14e-9)).isEqualTo("3.1e-09");
        assertThat(QuantileTest.formatP(0)).isEqualTo("< 1e-300");
    }

    @Test
    void lostEventsOfThisRunAndUnmeasuredStagesFailWithTheReason() {
        LatencyDistribution base = qdisc(1000, 1_000_000, 2_000_000);
        FakeTrace lossy = new FakeTrace().with(Stage.QDISC, base);
        lossy.lostEventsByCause.put(LostCause.SOCKET_TABLE_FULL, 600L);
        assertThatThrownBy(() -> NetAssertions.assertThat(base).withLostEventsOf(lossy)
                .isNotSlowerThan(base, Regression.p90()))
                .hasMessageContaining("but this run's sample is incomplete: 600 events lost in this trace window")
                .hasMessageContaining("a regression could hide in them")
                .hasMessageContaining("allowingLostEvents()");
        assertThatCode(() -> NetAssertions.assertThat(base).withLostEventsOf(lossy).allowingLostEvents()
                .isNotSlowerThan(base, Regression.p90())).doesNotThrowAnyException();

        LatencyDistribution none = LatencyDistribution.notApplicable(Metric.QDISC, "lo has no qdisc (noqueue)");
        assertThatThrownBy(() -> NetAssertions.assertThat(base).isNotSlowerThan(none, Regression.p90()))
                .hasMessageContaining("but the baseline's QDISC latency was not applicable: lo has no qdisc (noqueue)")
                .hasMessageContaining("Baseline: QDISC latency: not applicable");
        assertThat(Regression.p90().check(base, none).reason())
                .isEqualTo("QDISC latency is not applicable here: lo has no qdisc (noqueue)");
    }

    @Test
    void invalidRulesAndMismatchedMetricsAreRejected() {
        assertThatThrownBy(() -> Regression.atPercentile(100)).hasMessageContaining("(0, 100)");
        assertThatThrownBy(() -> Regression.p90().byMoreThanPercent(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Regression.p90().atSignificance(0)).isInstanceOf(IllegalArgumentException.class);
        LatencyDistribution total = LatencyDistribution.ofSamples(Metric.TOTAL, spread(100, 1, 2));
        assertThatThrownBy(() -> Regression.p90().check(qdisc(100, 1, 2), total))
                .hasMessage("cannot compare TOTAL with a baseline of QDISC");
        assertThat(Regression.p90().byMoreThanPercent(25).toString())
                .isEqualTo("p90 not slower than the baseline by more than 25% (alpha 0.01)");
    }
}
