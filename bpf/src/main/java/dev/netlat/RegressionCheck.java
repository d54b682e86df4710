// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The result of comparing a current distribution with a baseline under a {@link Regression} rule: the
 * {@link Verdict} ({@link Verdict#FAILED} means slower beyond the margin, and significantly so), both percentiles,
 * the test behind the verdict and the reason in one line. Assertion messages are written from it.
 *
 * @param verdict         why the comparison passed or failed
 * @param rule            the rule applied, with the current window's loss
 * @param baseline        the earlier run
 * @param current         this run
 * @param baselineNanos   the baseline's percentile, empty when not measured or without samples
 * @param currentNanos    the current percentile, likewise
 * @param requiredSamples samples each side needs
 * @param test            the quantile test, when both sides had enough samples to run it
 * @param reason          the verdict in one line: {@code p90 was 104ms against 25.3ms in the baseline (4.11x),
 *                        more than the 25% margin, significant: p = 2.2e-09 < 0.01}
 */
public record RegressionCheck(Verdict verdict, Regression rule, LatencyDistribution baseline,
                              LatencyDistribution current, OptionalDouble baselineNanos, OptionalDouble currentNanos,
                              long requiredSamples, Optional<QuantileTest> test, String reason) {

    public boolean passed() {
        return verdict.passed();
    }

    /** Current over baseline percentile (2.0: twice as slow); NaN when either is missing or the baseline is 0. */
    public double ratio() {
        if (baselineNanos.isEmpty() || currentNanos.isEmpty() || baselineNanos.getAsDouble() == 0) {
            return Double.NaN;
        }
        return currentNanos.getAsDouble() / baselineNanos.getAsDouble();
    }

    /** {@code 2.41x, +141%}, {@code 0.95x, -5%}. */
    static String ratioText(double now, double base) {
        if (base == 0) {
            return now == 0 ? "unchanged" : "from zero";
        }
        double r = now / base;
        return String.format(Locale.ROOT, "%.2fx, %+.0f%%", r, (r - 1) * 100);
    }

    /** {@code QDISC p90 not slower than the baseline by more than 25% (alpha 0.01): FAILED (…)}. */
    @Override
    public String toString() {
        return current.name() + " " + rule + ": " + verdict + " (" + reason + ")";
    }
}
