// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.NetworkView;

/** Assertions on a {@link NetworkView}, e.g. {@code assertThat(trace.port(8080)).hasNoRetransmits()}. */
public class NetworkViewAssert extends AbstractNetworkViewAssert<NetworkViewAssert, NetworkView> {
    public NetworkViewAssert(NetworkView actual) {
        super(actual, NetworkViewAssert.class);
    }
}
