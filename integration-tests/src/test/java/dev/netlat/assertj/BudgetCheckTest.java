// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import static dev.netlat.junit.FakeTrace.spread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.netlat.Budget;
import dev.netlat.BudgetCheck;
import dev.netlat.DurationFormat;
import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.SampleRule;
import dev.netlat.Stage;
import dev.netlat.Verdict;
import dev.netlat.WindowLoss;
import dev.netlat.junit.FakeTrace;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The core's budget verdict ({@link Budget#check}): its order (availability, loss, sample count, value), what it
 * carries, and that the assertion fails with exactly the message written from it.
 */
class BudgetCheckTest {
    static final Duration MS = Duration.ofMillis(1);
    static final WindowLoss LOSS = WindowLoss.of(Map.of("socket table full (netlat.maps.sockets)", 600L));

    static LatencyDistribution fast(int n) {
        return LatencyDistribution.ofSamples(Metric.SOCKET, spread(n, 2_000, 6_000));
    }

    @Test
    void passesBelowTheLimitAndFailsAtOrAboveIt() {
        BudgetCheck ok = Budget.percentileBelow(99, MS).check(fast(300));
        assertThat(ok.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(ok.passed()).isTrue();
        assertThat(ok.requiredSamples()).isEqualTo(100);
        assertThat(ok.samples()).isEqualTo(300);
        assertThat(ok.measuredNanos()).hasValueCloseTo(6_000.0, org.assertj.core.data.Offset.offset(60.0));
        assertThat(ok.reason()).startsWith("p99 was 5.9").endsWith(", below 1.00ms");

        BudgetCheck over = Budget.percentileBelow(50, Duration.ofNanos(3_000)).check(fast(300));
        assertThat(over.verdict()).isEqualTo(Verdict.FAILED);
        assertThat(over.reason()).startsWith("p50 was 3.98").endsWith("at or above 3.00" + DurationFormat.MICROS);
    }

    @Test
    void judgesInTheOrderAvailabilityLossSamplesValue() {
        LatencyDistribution notHere = LatencyDistribution.notApplicable(Metric.QDISC, "lo has no qdisc (noqueue)");
        assertThat(Budget.percentileBelow(99, MS).withLoss(LOSS).check(notHere).verdict())
                .isEqualTo(Verdict.UNAVAILABLE);
        assertThat(Budget.percentileBelow(99, MS).check(notHere).reason())
                .isEqualTo("QDISC latency is not applicable here: lo has no qdisc (noqueue)");
        // too few and lost: the loss is named first, since more samples would not make the sample complete
        BudgetCheck lost = Budget.percentileBelow(99.99, Duration.ofNanos(1)).withLoss(LOSS).check(fast(30));
        assertThat(lost.verdict()).isEqualTo(Verdict.LOST_SAMPLES);
        assertThat(lost.reason()).isEqualTo("600 events lost in this trace window, by cause"
                + " {socket table full (netlat.maps.sockets)=600}");
        // too few and over the limit: the value of too few samples is not judged
        BudgetCheck few = Budget.percentileBelow(99, Duration.ofNanos(1)).check(fast(30));
        assertThat(few.verdict()).isEqualTo(Verdict.TOO_FEW_SAMPLES);
        assertThat(few.reason()).isEqualTo("too few samples: 30 measured, p99 needs at least 100");
        assertThat(few.measuredNanos()).isPresent();
    }

    @Test
    void anAcceptedLossIsJudgedAndSaidSo() {
        BudgetCheck c = Budget.percentileBelow(99, MS).withLoss(LOSS.accepting(true)).check(fast(300));
        assertThat(c.verdict()).isEqualTo(Verdict.PASSED);
        assertThat(c.lossAccepted()).isTrue();
        assertThat(c.reason()).endsWith("; 600 events lost in this trace window, by cause"
                + " {socket table full (netlat.maps.sockets)=600}, accepted");
        assertThat(Budget.percentileBelow(99, MS).withLoss(WindowLoss.NONE.accepting(true)).check(fast(300))
                .lossAccepted()).isFalse();
    }

    @Test
    void theSampleRuleDecidesWhatIsEnough() {
        assertThat(Budget.percentileBelow(99, MS).withSampleRule(SampleRule.factor(0.5)).check(fast(60)).verdict())
                .isEqualTo(Verdict.PASSED);
        assertThat(Budget.percentileBelow(99, MS).withSampleRule(SampleRule.exactly(61)).check(fast(60)).verdict())
                .isEqualTo(Verdict.TOO_FEW_SAMPLES);
        assertThat(SampleRule.required(99.9, 1)).isEqualTo(1000);
        assertThat(SampleRule.required(100, 5)).isEqualTo(1);
        assertThatThrownBy(() -> SampleRule.factor(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Budget.percentileBelow(0, MS)).hasMessage("percentile must be in (0, 100], was 0.0");
        assertThatThrownBy(() -> Budget.percentileBelow(99, Duration.ZERO)).hasMessage("limit must be positive, was PT0S");
    }

    @Test
    void theAssertionFailsWithTheMessageWrittenFromTheVerdict() {
        FakeTrace lossy = new FakeTrace().with(Stage.SOCKET, fast(300));
        lossy.lostEventsByCause.put(LostCause.SOCKET_TABLE_FULL, 600L);
        LatencyDistribution[] cases = {fast(300), fast(30), LatencyDistribution.unavailable(Metric.SOCKET, "gone")};
        for (LatencyDistribution d : cases) {
            BudgetCheck c = Budget.percentileBelow(50, Duration.ofNanos(3_000)).check(d);
            Throwable t = catchThrowable(() -> NetAssertions.assertThat(d).p50Below(Duration.ofNanos(3_000)));
            assertThat(t).isInstanceOf(AssertionError.class).hasMessage(VerdictMessages.failure(c));
        }
        BudgetCheck lost = Budget.percentileBelow(50, MS).withLoss(WindowLoss.of(LostEvents.inWords(lossy)))
                .check(fast(300));
        assertThat(catchThrowable(() -> NetAssertions.assertThat(fast(300)).withLostEventsOf(lossy).p50Below(MS)))
                .hasMessage(VerdictMessages.failure(lost));
        assertThat(VerdictMessages.failure(Budget.percentileBelow(99, MS).check(fast(300)))).isEmpty();
    }
}
