// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.time.Duration;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * A latency budget: the p-th percentile of a distribution must be strictly below a limit. {@link #check} judges a
 * {@link LatencyDistribution} against it in one place, so the AssertJ assertion
 * ({@code assertThat(d).p99Below(limit)}) and the JUnit extension ({@code @LatencyBudget}) reach the same
 * {@link Verdict} for the same reasons.
 *
 * <pre>{@code
 * BudgetCheck c = Budget.percentileBelow(99, Duration.ofMillis(2)).check(trace.latency(Stage.QDISC));
 * if (!c.passed()) System.out.println(c.verdict() + ": " + c.reason());
 * }</pre>
 *
 * <p>The order of the judgement is that of {@link Verdict}: a stage that was not measured is
 * {@link Verdict#UNAVAILABLE}; a window that lost events is {@link Verdict#LOST_SAMPLES} unless its
 * {@link WindowLoss} is accepted; fewer samples than the {@link SampleRule} asks for is
 * {@link Verdict#TOO_FEW_SAMPLES}; only then is the value compared with the limit.
 *
 * @param percentile 0 &lt; p &le; 100; 100 is the maximum
 * @param limit      positive; the percentile must be strictly below it
 * @param sampleRule samples the percentile needs
 * @param loss       the events the judged window lost, and whether the budget accepts judging without them
 */
public record Budget(double percentile, Duration limit, SampleRule sampleRule, WindowLoss loss) {

    public Budget {
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + percentile);
        }
        Objects.requireNonNull(limit, "limit");
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        Objects.requireNonNull(sampleRule, "sampleRule");
        Objects.requireNonNull(loss, "loss");
    }

    /** The p-th percentile strictly below {@code limit}, with the default sample rule and no loss. */
    public static Budget percentileBelow(double percentile, Duration limit) {
        return new Budget(percentile, limit, SampleRule.DEFAULT, WindowLoss.NONE);
    }

    /** The same budget with another sample requirement (default: {@link SampleRule#DEFAULT}). */
    public Budget withSampleRule(SampleRule rule) {
        return new Budget(percentile, limit, rule, loss);
    }

    /** The same budget judged as part of a window that lost these events (default: none). */
    public Budget withLoss(WindowLoss windowLoss) {
        return new Budget(percentile, limit, sampleRule, windowLoss);
    }

    /** Samples the percentile needs under the sample rule. */
    public long requiredSamples() {
        return sampleRule.required(percentile);
    }

    /** Judges {@code distribution} against this budget. */
    public BudgetCheck check(LatencyDistribution distribution) {
        Objects.requireNonNull(distribution, "distribution");
        double value = distribution.percentileNanosOrNaN(percentile);
        OptionalDouble measured = Double.isNaN(value) ? OptionalDouble.empty() : OptionalDouble.of(value);
        long required = requiredSamples();
        String p = percentileName(percentile);
        Verdict verdict;
        String reason;
        if (!distribution.isAvailable()) {
            verdict = Verdict.UNAVAILABLE;
            reason = notMeasured(distribution);
        } else if (loss.blocks()) {
            verdict = Verdict.LOST_SAMPLES;
            reason = loss.describe();
        } else if (distribution.count() < required) {
            verdict = Verdict.TOO_FEW_SAMPLES;
            reason = "too few samples: " + distribution.count() + " measured, " + p + " needs at least " + required;
        } else {
            // compared as the Duration the percentile reports, so a check and its message never disagree
            boolean over = Math.round(value) >= limit.toNanos();
            verdict = over ? Verdict.FAILED : Verdict.PASSED;
            reason = p + " was " + DurationFormat.formatNanos(value) + (over ? ", at or above " : ", below ")
                    + DurationFormat.format(limit) + (loss.acceptedLoss() ? "; " + loss.describe() + ", accepted" : "");
        }
        return new BudgetCheck(verdict, this, distribution, measured, required, reason);
    }

    /** {@code QDISC latency is not applicable here: lo has no qdisc (noqueue)}. */
    static String notMeasured(LatencyDistribution d) {
        return d.name() + " latency is " + d.statusText() + " here: " + d.reason();
    }

    /** {@code p99}, {@code p99.9}, {@code max}: a budget's percentile as its messages name it (100 is the maximum). */
    public static String percentileName(double percentile) {
        return percentile >= 100 ? "max" : Percentiles.name(percentile);
    }

    /** {@code SOCKET p99 < 2.00ms}. */
    @Override
    public String toString() {
        return percentileName(percentile) + " < " + DurationFormat.format(limit);
    }
}
