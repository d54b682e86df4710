// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.NetworkTrace;
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
        this.minSamplesFactor = MinSamples.parseFactor(Double.toString(factor), "withMinSamplesFactor");
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
        if (minSamples != null) {
            return minSamples;
        }
        return MinSamples.required(percentile, minSamplesFactor != null ? minSamplesFactor : MinSamples.factor());
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
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], was " + percentile);
        }
        Objects.requireNonNull(limit, "limit");
        if (limit.isNegative() || limit.isZero()) {
            throw new IllegalArgumentException("limit must be positive, was " + limit);
        }
        isNotNull();
        String pn = Explain.percentileName(percentile);
        String expected = "Expected " + actual.name() + " " + pn + " below " + Explain.fmt(limit);
        requireAvailable(expected);
        requireNoLostEvents(expected);
        long needed = requiredSamples(percentile);
        if (actual.count() < needed) {
            fail(String.format(Locale.ROOT,
                    "%s, but there are too few samples to tell: %d %s measured, %s needs at least %d%s.%n"
                            + "A percentile over fewer samples is noise, so this assertion fails instead of passing on"
                            + " it: make the test produce more traffic in the trace window, assert a lower percentile,"
                            + " or lower the requirement with withMinSamplesFactor(..)/withMinSamples(..) or the"
                            + " configuration parameter %s.%n%s",
                    expected, actual.count(), Explain.unitPlural(actual), pn, needed,
                    minSamples != null ? " (withMinSamples)"
                            : percentile >= 100 ? ""
                            : " (1 / (1 - " + Explain.stripZeros(percentile) + "/100) x factor "
                            + Explain.stripZeros(minSamplesFactor != null ? minSamplesFactor : MinSamples.factor()) + ")",
                    MinSamples.CONFIG_KEY, actual.toHistogramText()));
        }
        Duration measured = actual.percentile(percentile);
        if (measured.compareTo(limit) >= 0) {
            fail(String.format(Locale.ROOT,
                    "%s, but it was %s (measured over %d %s).%n"
                            + "%s took %s or longer, at or above the %s budget.%n"
                            + "Why it matters: %s%n%s",
                    expected, Explain.fmt(measured), actual.count(), Explain.unitPlural(actual),
                    capitalize(Explain.tail(percentile, actual)), Explain.fmt(measured), Explain.fmt(limit),
                    Explain.whyItMatters(actual), actual.toHistogramText()));
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

    private void requireNoLostEvents(String expected) {
        Map<String, Long> lost = LostEvents.inWords(lossSource);
        if (lost.isEmpty() || allowLost) {
            return;
        }
        if (LostEvents.policy() == LostEvents.Policy.WARN) {
            System.err.println("[netlat] warning: " + expected + " is judged over a partial sample: "
                    + LostEvents.describe(lost) + " (accepted: " + LostEvents.CONFIG_KEY + "=warn)");
            return;
        }
        fail(String.format(Locale.ROOT,
                "%s, but the sample is incomplete: %s; %d %s measured.%n"
                        + "Why it matters: a percentile over a partial sample can hide the tail (the lost samples may be"
                        + " exactly the slow ones), so this assertion fails instead of passing on what was kept: %s.%n%s",
                expected, LostEvents.describe(lost), actual.count(), Explain.unitPlural(actual),
                LostEvents.HOW_TO_ACCEPT, actual.toHistogramText()));
    }

    private void requireAvailable(String expected) {
        if (!actual.isAvailable()) {
            fail(String.format(Locale.ROOT, "%s, but %s latency is %s here: %s.%n"
                            + "netlat cannot measure this stage in this environment, so the assertion cannot pass;"
                            + " assert another stage (e.g. TOTAL) or run where the stage exists.%n%s",
                    expected, actual.name(), Explain.statusWord(actual), actual.reason(), actual.toHistogramText()));
        }
    }

    private void fail(String message) {
        failWithMessage("%s", message);
    }

    private static String capitalize(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
