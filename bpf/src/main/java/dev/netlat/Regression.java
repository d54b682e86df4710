// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * What counts as a latency regression against a baseline (an earlier run of the same traffic, e.g. read back from a
 * stored report): the p-th percentile got slower than the baseline's by more than a margin, and that is not noise.
 *
 * <pre>{@code
 * RegressionCheck c = Regression.atPercentile(90).byMoreThanPercent(20).check(baseline, trace.latency(Stage.QDISC));
 * }</pre>
 *
 * <h2>The rule</h2>
 * {@link #check} judges in the order of {@link Verdict}: either distribution not measured is
 * {@link Verdict#UNAVAILABLE}; a current window that lost events is {@link Verdict#LOST_SAMPLES} unless its
 * {@link WindowLoss} is accepted; fewer than {@link #requiredSamples()} on either side is
 * {@link Verdict#TOO_FEW_SAMPLES}. Otherwise it is {@link Verdict#FAILED} when <b>both</b>
 * <ol>
 *   <li>the current p-th percentile exceeds the baseline's by more than the margin:
 *       {@code current > baseline x (1 + margin)}, and</li>
 *   <li>the {@link QuantileTest} (one-sided, exact) finds the current run slower at that percentile with a p-value
 *       below the significance {@code alpha}.</li>
 * </ol>
 * Why both: the percentile alone moves with noise (a p99 over a few hundred samples rests on a handful of them and
 * differs by tens of percent between two runs of the same code), so a margin alone would fail on luck; the test
 * alone calls tiny differences significant once samples are many (with 10<sup>5</sup> samples a 1 % shift is
 * "real" but does not matter), so the margin says how much slower matters. Samples within one run are not
 * independent (a queue that builds up delays many packets alike), which makes the p-value optimistic; the margin is
 * also the guard against that.
 *
 * <p>Why a minimum on both sides: the larger of the {@link SampleRule}'s count for the percentile (the budgets' rule:
 * a p99 needs 100 samples to exist) and {@link #testMinimumSamples()}, the samples per side from which on the test
 * is able to fail at all. With n samples a side, about {@code 2n(1 - p/100)} pooled samples lie above the pooled
 * percentile; if all K of them came from the current run (the clearest slowdown there can be), the p-value is just
 * below {@code 2^-K}, so K must reach {@code log2(1/alpha)}. With fewer samples a tail percentile could not fail
 * at all (p99 with 300 samples a side: K = 6, p = 0.016 at best), and a pass would mean nothing (alpha 0.01: p99
 * 350 per side, p90 35, p50 7). Samples tied in the threshold's bucket make K smaller, so the minimum is
 * necessary, not sufficient.
 *
 * <p>Losses: a current window that lost events may have lost its slowest samples, which would hide a regression, so it
 * blocks the verdict by default. A baseline that lost events can at worst look faster than it was (its lost samples
 * may be the slow ones), which makes the check stricter, never blind. Defaults: margin 10 %, alpha 0.01, {@link SampleRule#DEFAULT}. Immutable.
 */
public final class Regression {
    /**
     * 10 %: well above the histogram's resolution (a bucket is within 1 %); where a percentile varies more than that
     * between runs of unchanged code, raise the margin to that spread.
     */
    public static final double DEFAULT_MARGIN_PERCENT = 10;
    /** One false alarm in a hundred comparisons of unchanged code, if samples were independent. */
    public static final double DEFAULT_ALPHA = 0.01;

    private final double percentile;
    private final double marginPercent;
    private final double alpha;
    private final SampleRule samples;
    private final WindowLoss loss;

    private Regression(double percentile, double marginPercent, double alpha, SampleRule samples, WindowLoss loss) {
        this.percentile = percentile;
        this.marginPercent = marginPercent;
        this.alpha = alpha;
        this.samples = samples;
        this.loss = Objects.requireNonNull(loss, "loss");
    }

    /** A regression of the p-th percentile (0 &lt; p &lt; 100: the maximum of a run is one sample, no percentile). */
    public static Regression atPercentile(double percentile) {
        if (!(percentile > 0 && percentile < 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100), was " + percentile);
        }
        return new Regression(percentile, DEFAULT_MARGIN_PERCENT, DEFAULT_ALPHA, null, WindowLoss.NONE);
    }

    public static Regression p50() {
        return atPercentile(50);
    }

    public static Regression p90() {
        return atPercentile(90);
    }

    public static Regression p99() {
        return atPercentile(99);
    }

    /** Only a slowdown of more than {@code percent} (e.g. 20: the percentile grew by more than a fifth) counts. */
    public Regression byMoreThanPercent(double percent) {
        if (!(percent >= 0) || Double.isInfinite(percent)) {
            throw new IllegalArgumentException("margin must be a finite number of percent >= 0, was " + percent);
        }
        return new Regression(percentile, percent, alpha, samples, loss);
    }

    /** The chance of calling unchanged code slower that is accepted (0 &lt; alpha &le; 0.5). */
    public Regression atSignificance(double significance) {
        if (!(significance > 0 && significance <= 0.5)) {
            throw new IllegalArgumentException("significance must be in (0, 0.5], was " + significance);
        }
        return new Regression(percentile, marginPercent, significance, samples, loss);
    }

    /** The budgets' sample requirement on each side (the test's own minimum applies on top). */
    public Regression withSampleRule(SampleRule rule) {
        return new Regression(percentile, marginPercent, alpha, Objects.requireNonNull(rule, "rule"), loss);
    }

    /** The current run's window lost these events (default: none). */
    public Regression withLoss(WindowLoss windowLoss) {
        return new Regression(percentile, marginPercent, alpha, samples, windowLoss);
    }

    public double percentile() {
        return percentile;
    }

    public double marginPercent() {
        return marginPercent;
    }

    public double alpha() {
        return alpha;
    }

    /** The sample rule given with {@link #withSampleRule}, if any ({@link SampleRule#DEFAULT} applies otherwise). */
    public Optional<SampleRule> sampleRule() {
        return Optional.ofNullable(samples);
    }

    public WindowLoss loss() {
        return loss;
    }

    /** Samples each side needs: the sample rule's count, and at least {@link #testMinimumSamples()}. */
    public long requiredSamples() {
        long rule = (samples != null ? samples : SampleRule.DEFAULT).required(percentile);
        return Math.max(rule, testMinimumSamples());
    }

    /**
     * The samples per side (with equally large sides) from which on the {@link QuantileTest} can reach the
     * significance when no two samples share a bucket: the smallest n for which the pooled 2n samples have at least
     * {@code ceil(log2(1/alpha))} above their p-th percentile; see the class comment.
     */
    public long testMinimumSamples() {
        long needAbove = (long) Math.ceil(Math.log(1 / alpha) / Math.log(2) - 1e-9);
        // the count above never shrinks as n grows, so the first n with enough is the minimum; the start is below it
        long n = Math.max(1, (long) Math.floor(needAbove / (2 * (1 - percentile / 100.0))) - 2);
        while (n < Integer.MAX_VALUE && QuantileTest.aboveRank(2 * n, percentile) < needAbove) {
            n++;
        }
        return n;
    }

    /** Judges whether {@code current} regressed against {@code baseline} (the same metric). */
    public RegressionCheck check(LatencyDistribution baseline, LatencyDistribution current) {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(current, "current");
        if (baseline.metric() != current.metric()) {
            throw new IllegalArgumentException("cannot compare " + current.name() + " with a baseline of "
                    + baseline.name());
        }
        OptionalDouble base = valueOf(baseline);
        OptionalDouble now = valueOf(current);
        long required = requiredSamples();
        String p = Percentiles.name(percentile);
        if (!baseline.isAvailable()) {
            return verdict(Verdict.UNAVAILABLE, baseline, current, required, null, "the baseline's " + baseline.name()
                    + " latency was " + baseline.statusText() + ": "
                    + baseline.reason());
        }
        if (!current.isAvailable()) {
            return verdict(Verdict.UNAVAILABLE, baseline, current, required, null, Budget.notMeasured(current));
        }
        if (loss.blocks()) {
            return verdict(Verdict.LOST_SAMPLES, baseline, current, required, null, loss.describe());
        }
        if (baseline.count() < required || current.count() < required) {
            return verdict(Verdict.TOO_FEW_SAMPLES, baseline, current, required, null, String.format(Locale.ROOT,
                    "too few samples: %d in the baseline, %d now; comparing %s needs at least %d on each side",
                    baseline.count(), current.count(), p, required));
        }
        QuantileTest test = QuantileTest.of(baseline, current, percentile);
        boolean beyond = now.getAsDouble() > base.getAsDouble() * (1 + marginPercent / 100);
        boolean significant = test.significantAt(alpha);
        String shift = String.format(Locale.ROOT, "%s was %s against %s in the baseline (%s)", p,
                DurationFormat.formatNanos(now.getAsDouble()), DurationFormat.formatNanos(base.getAsDouble()),
                RegressionCheck.ratioText(now.getAsDouble(), base.getAsDouble()));
        String margin = (beyond ? "more than" : "within") + " the " + Percentiles.number(marginPercent) + "% margin";
        String noise = (significant ? "significant: p = " + QuantileTest.formatP(test.pValue()) + " < "
                : "not significant: p = " + QuantileTest.formatP(test.pValue()) + " >= ") + Percentiles.number(alpha);
        String accepted = loss.acceptedLoss() ? "; " + loss.describe() + ", accepted" : "";
        Verdict verdict = beyond && significant ? Verdict.FAILED : Verdict.PASSED;
        return verdict(verdict, baseline, current, required, test,
                shift + ", " + margin + (beyond ? ", " + noise : "") + accepted);
    }

    private RegressionCheck verdict(Verdict verdict, LatencyDistribution baseline, LatencyDistribution current,
                                    long required, QuantileTest test, String reason) {
        return new RegressionCheck(verdict, this, baseline, current, valueOf(baseline), valueOf(current), required,
                Optional.ofNullable(test), reason);
    }

    private OptionalDouble valueOf(LatencyDistribution d) {
        double v = d.percentileNanosOrNaN(percentile);
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** {@code p90 not slower than the baseline by more than 20% (alpha 0.01)}. */
    @Override
    public String toString() {
        return Percentiles.name(percentile) + " not slower than the baseline by more than "
                + Percentiles.number(marginPercent) + "% (alpha " + Percentiles.number(alpha) + ")";
    }
}
