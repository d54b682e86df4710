// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples;

import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.NetworkLabUnavailableException;

/**
 * Creates the {@link NetworkLab}s of the samples the way the netlat extension treats tracing: where labs cannot be
 * built (not root, no {@code tc}/{@code nft}) the tests are skipped with the reason, unless
 * {@code netlat.unavailable=fail} (what CI sets), where the reason fails them.
 */
final class Labs {
    private Labs() {
    }

    static NetworkLab create(NetworkLab.Builder builder) {
        try {
            return builder.create();
        } catch (NetworkLabUnavailableException e) {
            dev.netlat.capture.KernelRequired.unavailable("network lab unavailable: " + e.getMessage());
            throw e; // not reached: unavailable() skips or fails
        }
    }
}
