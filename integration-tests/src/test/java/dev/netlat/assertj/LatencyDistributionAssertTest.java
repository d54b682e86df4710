// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import static dev.netlat.junit.FakeTrace.spread;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.junit.FakeTrace;
import java.time.Duration;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LatencyDistributionAssertTest {

    /** 1000 SOCKET samples from 10µs to 5ms. */
    static LatencyDistribution socket1000() {
        return LatencyDistribution.ofSamples(Metric.SOCKET, spread(1000, 10_000, 5_000_000));
    }

    @AfterEach
    void clear() {
        MinSamples.setThreadFactor(null);
    }

    @Test
    void passesWhenPercentileIsBelowTheLimit() {
        assertThatCode(() -> NetAssertions.assertThat(socket1000())
                .p50Below(Duration.ofMillis(3))
                .p90Below(Duration.ofMillis(5))
                .p99Below(Duration.ofMillis(6))
                .p999Below(Duration.ofMillis(6))
                .maxBelow(Duration.ofMillis(6))
                .percentileBelow(75, Duration.ofMillis(4))
                .hasSamplesAtLeast(1000)).doesNotThrowAnyException();
    }

    @Test
    void failureSaysExpectedMeasuredSamplesWhyAndShowsTheHistogram() {
        Throwable t = catchThrowable(() -> NetAssertions.assertThat(socket1000()).p99Below(Duration.ofMillis(2)));
        System.out.println("--- example failure message ---\n" + t.getMessage());
        assertThat(t).isInstanceOf(AssertionError.class);
        assertThat(t.getMessage())
                .contains("Expected SOCKET p99 below 2.00ms, but it was 4.9")
                .contains("measured over 1000 writes")
                .contains("1 in 100 writes took")
                .contains("Why it matters: SOCKET is the time from the write call")
                .contains("tcp_sendmsg_locked -> net_dev_queue")
                .contains("SOCKET latency, 1000 samples")
                .contains("|@")
                .containsPattern("p50=\\S+ p90=\\S+ p99=\\S+ p99.9=\\S+ max=\\S+ mean=\\S+");
    }

    @Test
    void rttIsExplainedByWhatItMeasuresNotByItsName() {
        LatencyDistribution rtt = LatencyDistribution.ofSamples(Metric.RTT, spread(1000, 10_000, 5_000_000));
        assertThat(rtt.metric().stage()).isEmpty();
        assertThatThrownBy(() -> NetAssertions.assertThat(rtt).p99Below(Duration.ofMillis(2)))
                .hasMessageContaining("Expected RTT p99 below 2.00ms")
                .hasMessageContaining("measured over 1000 samples")
                .hasMessageContaining("Why it matters: RTT is the time from a packet's first transmission");
    }

    @Test
    void tooFewSamplesFailsInsteadOfPassingOnNoise() {
        LatencyDistribution d = LatencyDistribution.ofSamples(Metric.QDISC, spread(42, 1_000, 2_000));
        assertThatThrownBy(() -> NetAssertions.assertThat(d).p99Below(Duration.ofSeconds(1)))
                .hasMessageContaining("too few samples")
                .hasMessageContaining("42 packets measured, p99 needs at least 100")
                .hasMessageContaining("netlat.minSamples.factor")
                .hasMessageContaining("QDISC latency, 42 samples");
        assertThatThrownBy(() -> NetAssertions.assertThat(LatencyDistribution.ofSamples(Metric.SOCKET, spread(150, 1, 9))).withMinSamplesFactor(2)
                .p99Below(Duration.ofSeconds(1))).hasMessageContaining("150 writes measured, p99 needs at least 200");
        assertThatCode(() -> NetAssertions.assertThat(socket1000()).p999Below(Duration.ofSeconds(1)))
                .doesNotThrowAnyException(); // 1000 samples are enough for p99.9
    }

    @Test
    void tooFewSamplesOfATimedSubsetSaysHowManyWereTimedAndHowToTimeAll() {
        LatencyDistribution d = LatencyDistribution.ofSamples(Metric.SOCKET, spread(60, 1_000, 2_000)).timed(60, 5000);
        assertThat(d.summary()).endsWith("(timed 60 of 5000 writes)");
        assertThatThrownBy(() -> NetAssertions.assertThat(d).p99Below(Duration.ofSeconds(1)))
                .hasMessageContaining("60 writes measured, p99 needs at least 100")
                .hasMessageContaining("netlat timed 60 of 5000 writes: each socket's timing budget (256 writes, refilled at 1000 a second; busy sockets together at most 2000 a second)")
                .hasMessageContaining("@TraceNetwork(timeEveryWrite = true)")
                .hasMessageContaining("SOCKET latency, 60 samples (timed 60 of 5000 writes)");
        // all timed: no note, no hint
        LatencyDistribution all = LatencyDistribution.ofSamples(Metric.SOCKET, spread(60, 1_000, 2_000)).timed(60, 60);
        assertThat(all.isTimedSubset()).isFalse();
        assertThatThrownBy(() -> NetAssertions.assertThat(all).p99Below(Duration.ofSeconds(1)))
                .hasMessageNotContaining("timeEveryWrite");
    }

    @Test
    void mergedDistributionsAddWhatWasTimed() {
        LatencyDistribution sampled = LatencyDistribution.ofSamples(Metric.RTT, spread(10, 1, 9)).timed(10, 100);
        LatencyDistribution every = LatencyDistribution.ofSamples(Metric.RTT, spread(5, 1, 9));
        assertThat(sampled.plus(every).timingNote()).isEqualTo("timed 15 of 105 packets");
        assertThat(every.plus(every).isTimedSubset()).isFalse();
    }

    @Test
    void requiredSamplesFollowTheRule() {
        assertThat(MinSamples.required(99, 1)).isEqualTo(100);
        assertThat(MinSamples.required(99.9, 1)).isEqualTo(1000);
        assertThat(MinSamples.required(50, 1)).isEqualTo(2);
        assertThat(MinSamples.required(90, 1)).isEqualTo(10);
        assertThat(MinSamples.required(100, 1)).isEqualTo(1);
        assertThat(MinSamples.required(99, 0.5)).isEqualTo(50);
        assertThat(MinSamples.required(99, 0)).isEqualTo(1);
    }

    @Test
    void factorCanBeLoweredPerAssertionPerThreadOrDisabled() {
        LatencyDistribution d = LatencyDistribution.ofSamples(Metric.TOTAL, spread(60, 1_000, 2_000));
        assertThatCode(() -> NetAssertions.assertThat(d).withMinSamplesFactor(0.5).p99Below(Duration.ofMillis(1)))
                .doesNotThrowAnyException();
        assertThatCode(() -> NetAssertions.assertThat(d).withMinSamples(60).p99Below(Duration.ofMillis(1)))
                .doesNotThrowAnyException();
        MinSamples.setThreadFactor(0.0);
        assertThatCode(() -> NetAssertions.assertThat(d).p99Below(Duration.ofMillis(1))).doesNotThrowAnyException();
    }

    @Test
    void notApplicableStageFailsWithTheReason() {
        LatencyDistribution d = LatencyDistribution.notApplicable(Metric.QDISC, "lo has no qdisc (noqueue)");
        assertThatThrownBy(() -> NetAssertions.assertThat(d).p99Below(Duration.ofMillis(1)))
                .hasMessageContaining("Expected QDISC p99 below 1.00ms, but QDISC latency is not applicable here: lo has no qdisc (noqueue)");
        LatencyDistribution u = LatencyDistribution.unavailable(Metric.ACK, "tcp:tcp_probe missing");
        assertThatThrownBy(() -> NetAssertions.assertThat(u).hasSamplesAtLeast(1))
                .hasMessageContaining("unavailable here: tcp:tcp_probe missing");
    }

    @Test
    void emptyDistributionFailsAsTooFewSamples() {
        assertThatThrownBy(() -> NetAssertions.assertThat(LatencyDistribution.ofSamples(Metric.DEVICE)).maxBelow(Duration.ofMillis(1)))
                .hasMessageContaining("0 packets measured, max needs at least 1");
    }

    @Test
    void hasSamplesAtLeast() {
        assertThatThrownBy(() -> NetAssertions.assertThat(socket1000()).hasSamplesAtLeast(2000))
                .hasMessageContaining("Expected at least 2000 SOCKET samples, but measured 1000 writes");
    }

    @Test
    void invalidArgumentsAreRejected() {
        assertThatThrownBy(() -> NetAssertions.assertThat(socket1000()).percentileBelow(0, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NetAssertions.assertThat(socket1000()).percentileBelow(101, Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NetAssertions.assertThat(socket1000()).p99Below(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void softAssertionsCollectEveryFailureIncludingNavigation() {
        NetworkTrace trace = new FakeTrace().with(Stage.SOCKET, socket1000()).retransmits(dev.netlat.RetransmitKind.FAST, 2);
        NetSoftAssertions softly = new NetSoftAssertions();
        softly.assertThat(trace.latency(Stage.SOCKET)).p50Below(Duration.ofNanos(1)).p99Below(Duration.ofNanos(1));
        softly.assertThat(trace).hasNoRetransmits().latency(Stage.SOCKET).p90Below(Duration.ofNanos(1))
                .maxBelow(Duration.ofNanos(1));
        softly.assertThat(trace.port(8080)).hasNoDrops();
        softly.assertThat(1).isEqualTo(2); // AssertJ's own entry points still work
        assertThat(softly.errorsCollected()).hasSize(6);
        assertThat(softly.errorsCollected().get(3).getMessage()).contains("latency(SOCKET)").contains("p90");
        assertThatThrownBy(softly::assertAll).hasMessageContaining("Multiple Failures (6 failures)");
    }

    @Test
    void assertSoftlyWithTheProviderClass() {
        assertThatThrownBy(() -> org.assertj.core.api.SoftAssertionsProvider.assertSoftly(NetSoftAssertions.class, s -> {
            s.assertThat(socket1000()).p99Below(Duration.ofNanos(1));
            s.assertThat(socket1000()).p50Below(Duration.ofNanos(1));
        })).hasMessageContaining("2 failures");
    }
}
