// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

/**
 * The outcome of one {@link dev.netlat.junit.LatencyBudget}, as the {@code verdict} of a {@link TraceReport.Budget}. Every failing
 * outcome is reported with the JSON {@code status} {@code "FAILED"} (see {@link #status()}), as before this type.
 */
public enum BudgetStatus {
    /** The percentile was measured below the limit over a complete sample. */
    PASSED,
    /** The percentile was at or above the limit. */
    FAILED,
    /** Too few samples for the percentile to mean anything ({@code netlat.minSamples.factor}). */
    TOO_FEW_SAMPLES,
    /** The window lost events, so the percentile would be over a partial sample ({@code netlat.lostEvents}). */
    LOST_SAMPLES,
    /** The stage is not applicable or unavailable here, or could not be read. */
    UNAVAILABLE,
    /** Not checked: the test itself did not pass. */
    NOT_CHECKED;

    /** Whether the budget failed the test. */
    public boolean failed() {
        return this != PASSED && this != NOT_CHECKED;
    }

    /** The JSON {@code status} of schema version 1: {@code PASSED}, {@code FAILED} or {@code NOT_CHECKED}. */
    public String status() {
        return this == PASSED || this == NOT_CHECKED ? name() : "FAILED";
    }

    /** The verdict of a report written before verdicts existed, from its {@code status}. */
    static BudgetStatus fromStatus(String status) {
        if ("PASSED".equals(status)) {
            return PASSED;
        }
        if ("NOT_CHECKED".equals(status)) {
            return NOT_CHECKED;
        }
        return FAILED;
    }
}
