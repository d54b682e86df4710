// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;

/**
 * AssertJ entry points for netlat results:
 *
 * <pre>{@code
 * import static dev.netlat.assertj.NetAssertions.assertThat;
 *
 * assertThat(trace.latency(Stage.SOCKET)).p99Below(Duration.ofMillis(2));
 * assertThat(trace).hasNoRetransmits().hasNoDrops();
 * assertThat(trace.port(8080)).hasRetransmitsAtMost(1);
 * assertThat(trace.latency(Stage.QDISC)).isNotSlowerThan(baseline, Regression.p90().byMoreThanPercent(20));
 * }</pre>
 *
 * Soft assertions: {@link NetSoftAssertions}.
 */
public class NetAssertions {
    protected NetAssertions() {
    }

    public static LatencyDistributionAssert assertThat(LatencyDistribution actual) {
        return new LatencyDistributionAssert(actual);
    }

    public static NetworkTraceAssert assertThat(NetworkTrace actual) {
        return new NetworkTraceAssert(actual);
    }

    public static NetworkViewAssert assertThat(NetworkView actual) {
        return new NetworkViewAssert(actual);
    }
}
