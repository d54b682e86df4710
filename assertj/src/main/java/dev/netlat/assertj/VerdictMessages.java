// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.Budget;
import dev.netlat.BudgetCheck;
import dev.netlat.DurationFormat;
import dev.netlat.LatencyDistribution;
import dev.netlat.Percentiles;
import dev.netlat.QuantileTest;
import dev.netlat.Regression;
import dev.netlat.RegressionCheck;
import dev.netlat.TraceOptions;
import java.util.Locale;

/**
 * The failure messages of the core verdicts ({@link BudgetCheck}, {@link RegressionCheck}) in full: what was expected,
 * what was found, why it matters, and the histogram(s). {@link LatencyDistributionAssert} fails with them, and the
 * JUnit extension reports a violated {@code @LatencyBudget} with the same text, so a budget reads the same whichever
 * way it was written.
 */
public final class VerdictMessages {
    private VerdictMessages() {
    }

    /** {@code Expected SOCKET p99 below 2.00ms}. */
    public static String expected(Budget budget, LatencyDistribution d) {
        return "Expected " + d.name() + " " + Budget.percentileName(budget.percentile()) + " below "
                + Explain.fmt(budget.limit());
    }

    /** {@code Expected QDISC p90 not to be slower than the baseline by more than 20%}. */
    public static String expected(Regression rule, LatencyDistribution d) {
        return "Expected " + d.name() + " " + Percentiles.name(rule.percentile())
                + " not to be slower than the baseline by more than " + Percentiles.number(rule.marginPercent()) + "%";
    }

    /** The message a failed budget check fails with; empty for a check that passed. */
    public static String failure(BudgetCheck c) {
        LatencyDistribution d = c.distribution();
        String expected = expected(c.budget(), d);
        double p = c.budget().percentile();
        return switch (c.verdict()) {
            case PASSED -> "";
            case UNAVAILABLE -> notMeasured(expected, d);
            case LOST_SAMPLES -> String.format(Locale.ROOT, "%s, but the sample is incomplete: %s; %d %s measured.%n"
                            + "Why it matters: a percentile over a partial sample can hide the tail (the lost samples"
                            + " may be exactly the slow ones), so this assertion fails instead of passing on what was"
                            + " kept: %s.%n%s", expected, c.budget().loss().describe(), d.count(), Explain.unitPlural(d),
                    LostEvents.HOW_TO_ACCEPT, d.toHistogramText());
            case TOO_FEW_SAMPLES -> String.format(Locale.ROOT,
                    "%s, but there are too few samples to tell: %d %s measured, %s needs at least %d%s.%n%s"
                            + "A percentile over fewer samples is noise, so this assertion fails instead of passing on"
                            + " it: make the test produce more traffic in the trace window, assert a lower percentile,"
                            + " or lower the requirement with withMinSamplesFactor(..)/withMinSamples(..) or the"
                            + " configuration parameter %s.%n%s",
                    expected, d.count(), Explain.unitPlural(d), Budget.percentileName(p), c.requiredSamples(),
                    c.budget().sampleRule().isExact() ? " (withMinSamples)" : p >= 100 ? ""
                            : " (1 / (1 - " + Explain.stripZeros(p) + "/100) x factor "
                            + Explain.stripZeros(c.budget().sampleRule().factor()) + ")",
                    timingHint(d), MinSamples.CONFIG_KEY, d.toHistogramText());
            case FAILED -> {
                String measured = Explain.fmt(c.measured().orElseThrow());
                yield String.format(Locale.ROOT, "%s, but it was %s (measured over %d %s).%n"
                                + "%s took %s or longer, at or above the %s budget.%nWhy it matters: %s%n%s",
                        expected, measured, d.count(), Explain.unitPlural(d), capitalize(Explain.tail(p, d)), measured,
                        Explain.fmt(c.budget().limit()), Explain.whyItMatters(d), d.toHistogramText());
            }
        };
    }

    /** Why fewer samples than writes, when netlat timed only each socket's budget of them; "" otherwise. */
    static String timingHint(LatencyDistribution d) {
        if (!d.isTimedSubset()) {
            return "";
        }
        return String.format(Locale.ROOT, "netlat %s: each socket's timing budget (%d writes, refilled at %d a"
                + " second; busy sockets together at most %d a second), while counting all of them;"
                + " @TraceNetwork(timeEveryWrite = true) or TraceOptions.timeEveryWrite(true) times every write.%n",
                d.timingNote(), TraceOptions.TIMED_BURST, TraceOptions.TIMED_PER_SECOND,
                TraceOptions.TIMED_ALL_PER_SECOND);
    }

    /** The message a failed comparison with a baseline fails with; empty for one that passed. */
    public static String failure(RegressionCheck c) {
        LatencyDistribution now = c.current();
        LatencyDistribution base = c.baseline();
        String expected = expected(c.rule(), now);
        String p = Percentiles.name(c.rule().percentile());
        String both = "Baseline: " + base.toHistogramText() + "This run: " + now.toHistogramText();
        return switch (c.verdict()) {
            case PASSED -> "";
            case UNAVAILABLE -> String.format(Locale.ROOT, "%s, but %s.%n"
                    + "netlat did not measure this stage on both sides, so there is nothing to compare; compare another"
                    + " stage (e.g. TOTAL), or record the baseline and run where the stage exists.%n%s",
                    expected, c.reason(), both);
            case LOST_SAMPLES -> String.format(Locale.ROOT, "%s, but this run's sample is incomplete: %s; %d %s"
                            + " measured.%nWhy it matters: the lost samples may be exactly the slow ones, so a"
                            + " regression could hide in them; this assertion fails instead of passing on what was"
                            + " kept: %s.%n%s", expected, c.rule().loss().describe(), now.count(),
                    Explain.unitPlural(now), LostEvents.HOW_TO_ACCEPT, both);
            case TOO_FEW_SAMPLES -> String.format(Locale.ROOT, "%s, but there are too few samples to tell: %d %s in"
                            + " the baseline and %d now, comparing %s needs at least %d on each side.%n%s"
                            + "With fewer, a percentile is noise and no test can tell a slowdown from luck, so this"
                            + " assertion fails instead of passing: make both runs produce more traffic, compare a"
                            + " lower percentile, or lower the sample rule (withMinSamplesFactor(..),"
                            + " withMinSamples(..), %s; at significance %s the comparison needs %d per side"
                            + " whatever the rule).%n%s", expected, base.count(), Explain.unitPlural(now),
                    now.count(), p, c.requiredSamples(), timingHint(now), MinSamples.CONFIG_KEY,
                    Percentiles.number(c.rule().alpha()), c.rule().testMinimumSamples(), both);
            case FAILED -> {
                QuantileTest t = c.test().orElseThrow();
                yield String.format(Locale.ROOT, "%s, but it was %s against %s in the baseline (%.2fx), and that is"
                                + " not noise: %s, below the significance %s (one-sided exact quantile test,"
                                + " histogram buckets as ties).%nWhy it matters: %s%n%s",
                        expected, fmtNanos(c.currentNanos().getAsDouble()),
                        fmtNanos(c.baselineNanos().getAsDouble()), c.ratio(), t.describe(),
                        Percentiles.number(c.rule().alpha()), Explain.whyItMatters(now), both);
            }
        };
    }

    /** The stage was not measured: the same words for every assertion that needs it. */
    static String notMeasured(String expected, LatencyDistribution d) {
        return String.format(Locale.ROOT, "%s, but %s latency is %s here: %s.%n"
                        + "netlat cannot measure this stage in this environment, so the assertion cannot pass;"
                        + " assert another stage (e.g. TOTAL) or run where the stage exists.%n%s",
                expected, d.name(), d.statusText(), d.reason(), d.toHistogramText());
    }

    private static String fmtNanos(double nanos) {
        return DurationFormat.formatNanos(nanos);
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
