// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/**
 * The outcome of judging latency: a {@link Budget} ({@link BudgetCheck}) or a comparison with a baseline
 * ({@link RegressionCheck}). The preconditions come first and in this order, because each makes the next one
 * meaningless: whether the stage was measured at all, whether the window kept every sample, whether there are enough
 * samples for the percentile, and only then the value.
 */
public enum Verdict {
    /** Judged over a sufficient sample and within the limit (or not slower than the baseline). */
    PASSED,
    /** Judged over a sufficient sample and over the limit (or slower than the baseline). */
    FAILED,
    /** Too few samples for the percentile to mean anything, so the value was not judged. */
    TOO_FEW_SAMPLES,
    /** The trace window lost events and the check did not accept judging over a partial sample. */
    LOST_SAMPLES,
    /** The stage is not applicable or unavailable here (or could not be read). */
    UNAVAILABLE;

    /** Whether the check passed; every other outcome fails it. */
    public boolean passed() {
        return this == PASSED;
    }
}
