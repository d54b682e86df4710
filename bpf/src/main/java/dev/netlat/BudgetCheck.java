// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The result of judging a {@link LatencyDistribution} against a {@link Budget}: the {@link Verdict}, what was measured
 * and what the judgement needed, and the reason in one line. Reports store it; assertion messages are written from
 * it.
 *
 * @param verdict         why the budget passed or failed
 * @param budget          the budget that was checked, with its sample rule and the window's loss
 * @param distribution    what was judged
 * @param measuredNanos   the percentile, empty when the stage was not measured or has no samples
 * @param requiredSamples samples the percentile needs under the budget's sample rule
 * @param reason          the verdict in one line: {@code p99 was 4.95ms, at or above 2.00ms},
 *                        {@code too few samples: 42 measured, p99 needs at least 100}, ...
 */
public record BudgetCheck(Verdict verdict, Budget budget, LatencyDistribution distribution,
                          OptionalDouble measuredNanos, long requiredSamples, String reason) {

    public boolean passed() {
        return verdict.passed();
    }

    /** Samples the distribution holds. */
    public long samples() {
        return distribution.count();
    }

    /** The percentile as a duration (rounded to the nanosecond, as {@link LatencyDistribution#percentile}). */
    public Optional<Duration> measured() {
        return measuredNanos.isPresent() ? Optional.of(Duration.ofNanos(Math.round(measuredNanos.getAsDouble())))
                : Optional.empty();
    }

    /** Whether the window lost events and the budget was judged over what was kept. */
    public boolean lossAccepted() {
        return budget.loss().acceptedLoss();
    }

    /** {@code QDISC p99 < 2.00ms: FAILED (p99 was 4.95ms, at or above 2.00ms)}. */
    @Override
    public String toString() {
        return distribution.name() + " " + budget + ": " + verdict + " (" + reason + ")";
    }
}
