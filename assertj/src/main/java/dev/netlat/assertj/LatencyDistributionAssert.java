// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.Budget;
import dev.netlat.BudgetCheck;
import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.NetworkTrace;
import dev.netlat.Regression;
import dev.netlat.RegressionCheck;
import dev.netlat.SampleRule;
import dev.netlat.Verdict;
import dev.netlat.WindowLoss;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.assertj.core.api.AbstractAssert;

/**
 * Assertions on one stage's {@link LatencyDistribution}. Entry point: {@link NetAssertions#assertThat(LatencyDistribution)}.
 *
 * <p>Every failure message says what was expected, what was measured and over how many samples, why the stage
 * matters, and shows the stage's histogram with its p50/p90/p99/p99.9/max table.
 *
 * <p>Percentile assertions refuse to judge noise: a p-th percentile needs at least
 * {@code factor / (1 - p/100)} samples (p99: 100, p99.9: 1000); with fewer the assertion <em>fails</em> and says
 * so. See {@link MinSamples} for the factor; {@link #withMinSamplesFactor(double)} and {@link #withMinSamples(long)}
 * change it for one assertion. A stage that is not applicable or unavailable fails every assertion with its reason.
 *
 * <p>Percentile assertions also refuse a partial sample: when the trace window the distribution was read from lost
 * events ({@link NetworkTrace#lostEventsByCause()}), the assertion fails naming the loss by cause, since the lost
 * samples may be exactly the slow ones. The window is known when the distribution was reached through
 * {@code assertThat(trace).latency(stage)}, read from the trace the JUnit extension injects, or given with
 * {@link #withLostEventsOf(NetworkTrace)}; {@link #allowingLostEvents()} or {@code netlat.lostEvents=warn} accept the
 * loss (see {@link LostEvents}).
 *
 * <p>The verdict itself is the core's ({@link Budget#check}, {@link Regression#check}), so an assertion and a
 * {@code @LatencyBudget} judge alike; this class supplies the settings and renders the verdict
 * ({@link VerdictMessages}). {@link #isNotSlowerThan(LatencyDistribution, Regression)} compares with a baseline, an
 * earlier run of the same traffic.
 */
public class LatencyDistributionAssert extends AbstractAssert<LatencyDistributionAssert, LatencyDistribution> {

    private Double minSamplesFactor;
    private Long minSamples;
    private NetworkTrace lossSource;
    private boolean allowLost;

    public LatencyDistributionAssert(LatencyDistribution actual) {
        super(actual, LatencyDistributionAssert.class);
        this.lossSource = LostEvents.sourceOf(actual);
    }

    /** Judges the distribution as part of this trace window: percentile assertions check the window's lost events. */
    public LatencyDistributionAssert withLostEventsOf(NetworkTrace trace) {
        this.lossSource = trace;
        return myself;
    }

    /** Accepts lost events in the window: percentiles are judged over what was measured (see {@link LostEvents}). */
    public LatencyDistributionAssert allowingLostEvents() {
        this.allowLost = true;
        return myself;
    }

    /** Requires {@code factor / (1 - p/100)} samples for a p-th percentile; 0 disables the check. */
    public LatencyDistributionAssert withMinSamplesFactor(double factor) {
        this.minSamplesFactor = MinSamples.checkFactor(factor, "withMinSamplesFactor");
        return myself;
    }

    /** Requires exactly this many samples for every percentile assertion, instead of the factor rule. */
    public LatencyDistributionAssert withMinSamples(long samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("withMinSamples must be >= 1, was " + samples);
        }
        this.minSamples = samples;
        return myself;
    }

    /** Samples a p-th percentile assertion requires with the current settings. */
    public long requiredSamples(double percentile) {
        return sampleRule().required(percentile);
    }

    /** The sample requirement of this assertion: {@link #withMinSamples}, else the factor in effect. */
    private SampleRule sampleRule() {
        if (minSamples != null) {
            return SampleRule.exactly(minSamples);
        }
        return SampleRule.factor(minSamplesFactor != null ? minSamplesFactor : MinSamples.factor());
    }

    public LatencyDistributionAssert p50Below(Duration limit) {
        return percentileBelow(50, limit);
    }

    public LatencyDistributionAssert p90Below(Duration limit) {
        return percentileBelow(90, limit);
    }

    public LatencyDistributionAssert p99Below(Duration limit) {
        return percentileBelow(99, limit);
    }

    public LatencyDistributionAssert p999Below(Duration limit) {
        return percentileBelow(99.9, limit);
    }

    /** The largest sample is below {@code limit} (needs one sample). */
    public LatencyDistributionAssert maxBelow(Duration limit) {
        return percentileBelow(100, limit);
    }

    /** The p-th percentile (0 &lt; p &le; 100) is strictly below {@code limit}. */
    public LatencyDistributionAssert percentileBelow(double percentile, Duration limit) {
        Budget budget = Budget.percentileBelow(percentile, limit); // rejects bad arguments before looking at actual
        isNotNull();
        WindowLoss loss = windowLoss();
        BudgetCheck check = budget.withSampleRule(sampleRule()).withLoss(loss).check(actual);
        warnIfAcceptedByPolicy(check.verdict(), loss, VerdictMessages.expected(budget, actual));
        if (!check.passed()) {
            fail(VerdictMessages.failure(check));
        }
        return myself;
    }

    /**
     * The percentile of {@code rule} is not slower than the {@code baseline}'s (an earlier run of the same traffic, e.g.
     * read back from a stored report) by more than the rule's margin, or the difference is noise: see
     * {@link Regression} for the rule and why. Like percentile assertions it fails on too few samples (on either
     * side) and on lost events in this window. The sample rule is the rule's own when it sets one, else this
     * assertion's ({@link #withMinSamplesFactor}, {@link #withMinSamples}, {@value MinSamples#CONFIG_KEY}).
     *
     * <pre>{@code
     * assertThat(trace.latency(Stage.QDISC)).isNotSlowerThan(baseline, Regression.atPercentile(90).byMoreThanPercent(20));
     * }</pre>
     */
    public LatencyDistributionAssert isNotSlowerThan(LatencyDistribution baseline, Regression rule) {
        Objects.requireNonNull(baseline, "baseline");
        Objects.requireNonNull(rule, "rule");
        isNotNull();
        Regression applied = rule.sampleRule().isPresent() ? rule : rule.withSampleRule(sampleRule());
        WindowLoss loss = windowLoss();
        RegressionCheck check = applied.withLoss(loss).check(baseline, actual);
        warnIfAcceptedByPolicy(check.verdict(), loss, VerdictMessages.expected(rule, actual));
        if (!check.passed()) {
            fail(VerdictMessages.failure(check));
        }
        return myself;
    }

    /** At least {@code samples} samples were measured. */
    public LatencyDistributionAssert hasSamplesAtLeast(long samples) {
        isNotNull();
        String expected = "Expected at least " + samples + " " + actual.name() + " samples";
        requireAvailable(expected);
        if (actual.count() < samples) {
            fail(String.format(Locale.ROOT, "%s, but measured %d %s.%n"
                            + "Why it matters: too few samples mean the traced code did not produce the traffic the test"
                            + " meant to measure (or it used sockets of another process), so percentiles say little.%n%s",
                    expected, actual.count(), Explain.unitPlural(actual), actual.toHistogramText()));
        }
        return myself;
    }

    /** The stage was measured (not {@code NOT_APPLICABLE} or {@code UNAVAILABLE}). */
    public LatencyDistributionAssert isAvailable() {
        isNotNull();
        requireAvailable("Expected " + actual.name() + " latency to be measured");
        return myself;
    }

    /** The lost events of the window this distribution was read from, when any (empty when none or unknown). */
    public Map<LostCause, Long> lostEvents() {
        return LostEvents.byCause(lossSource);
    }

    /** The window's loss, accepted by {@link #allowingLostEvents()} or the {@code warn} policy. */
    private WindowLoss windowLoss() {
        Map<String, Long> lost = LostEvents.inWords(lossSource);
        // the policy is read only when something was lost: a bad setting must not fail assertions it does not affect
        boolean accepted = !lost.isEmpty() && (allowLost || LostEvents.policy() == LostEvents.Policy.WARN);
        return WindowLoss.of(lost).accepting(accepted);
    }

    /** The warning of {@code netlat.lostEvents=warn}, once the stage was found measured and the loss judged. */
    private void warnIfAcceptedByPolicy(Verdict verdict, WindowLoss loss, String expected) {
        if (loss.acceptedLoss() && !allowLost && verdict != Verdict.UNAVAILABLE) {
            System.err.println("[netlat] warning: " + expected + " is judged over a partial sample: "
                    + loss.describe() + " (accepted: " + LostEvents.CONFIG_KEY + "=warn)");
        }
    }

    private void requireAvailable(String expected) {
        if (!actual.isAvailable()) {
            fail(VerdictMessages.notMeasured(expected, actual));
        }
    }

    private void fail(String message) {
        failWithMessage("%s", message);
    }
}
