// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.NetworkTrace;
import java.util.Locale;

/**
 * Assertions on a whole {@link NetworkTrace} (or the narrowed trace the JUnit extension injects):
 * {@code assertThat(trace).hasNoRetransmits().hasNoDrops().latency(Stage.TOTAL).p99Below(ofMillis(1))}.
 */
public class NetworkTraceAssert extends AbstractNetworkViewAssert<NetworkTraceAssert, NetworkTrace> {
    public NetworkTraceAssert(NetworkTrace actual) {
        super(actual, NetworkTraceAssert.class);
    }

    /** The kernel side recorded everything: no program run was skipped and no map or ring overflowed. */
    public NetworkTraceAssert hasNoLostEvents() {
        isNotNull();
        long lost = actual.lostEvents();
        if (lost > 0) {
            failWithMessage("%s", String.format(Locale.ROOT,
                    "Expected no lost events, but the kernel side could not record %d event%s, by cause %s.%n"
                            + "Why it matters: the latencies and counters of this trace are incomplete and may miss"
                            + " exactly the slow samples; reduce the traffic in the window or the number of traced"
                            + " sockets.%n%s",
                    lost, lost == 1 ? "" : "s", LostEvents.inWords(actual), latencyTable()));
        }
        return myself;
    }
}
