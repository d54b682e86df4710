// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import org.assertj.core.api.SoftAssertions;

/**
 * Soft assertions with the netlat entry points in addition to AssertJ's own. Navigation through
 * {@code latency(Stage)} stays soft.
 *
 * <pre>{@code
 * org.assertj.core.api.SoftAssertionsProvider.assertSoftly(NetSoftAssertions.class, softly -> {
 *     softly.assertThat(trace.latency(Stage.SOCKET)).p99Below(ofMillis(2));
 *     softly.assertThat(trace).hasNoRetransmits().latency(Stage.TOTAL).p50Below(ofMillis(1));
 * });
 * }</pre>
 *
 * Also works with AssertJ's {@code SoftAssertionsExtension} ({@code @InjectSoftAssertions NetSoftAssertions softly}).
 */
public class NetSoftAssertions extends SoftAssertions {

    public LatencyDistributionAssert assertThat(LatencyDistribution actual) {
        return proxy(LatencyDistributionAssert.class, LatencyDistribution.class, actual);
    }

    public NetworkTraceAssert assertThat(NetworkTrace actual) {
        NetworkTraceAssert a = proxy(NetworkTraceAssert.class, NetworkTrace.class, actual);
        a.useLatencyAssertFactory(this::softLatency);
        return a;
    }

    public NetworkViewAssert assertThat(NetworkView actual) {
        NetworkViewAssert a = proxy(NetworkViewAssert.class, NetworkView.class, actual);
        a.useLatencyAssertFactory(this::softLatency);
        return a;
    }

    private LatencyDistributionAssert softLatency(LatencyDistribution d) {
        return proxy(LatencyDistributionAssert.class, LatencyDistribution.class, d);
    }
}
