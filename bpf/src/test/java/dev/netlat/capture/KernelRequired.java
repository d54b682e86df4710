// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import dev.netlat.Availability;
import dev.netlat.NetlatUnavailableException;
import dev.netlat.NetworkTracer;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need the live kernel (or the network lab): skipped with the reason when it cannot run here, unless
 * {@code -Dnetlat.unavailable=fail} (what .ci/run sets), which turns the skip into a failure. The one place the
 * tests of every module read that policy (this module's test-jar).
 */
public final class KernelRequired {
    private KernelRequired() {
    }

    public static void assumeTracingAvailable() {
        Availability a = NetworkTracer.availability();
        if (!a.isAvailable()) {
            unavailable(a.reason());
        }
    }

    /** Runs {@code check}; a {@link NetlatUnavailableException} from it (the lab's among them) skips or fails. */
    public static void assumeAvailable(Runnable check) {
        try {
            check.run();
        } catch (NetlatUnavailableException e) {
            unavailable(e.getMessage());
        }
    }

    /** Skips the test with the reason, or fails it under {@code netlat.unavailable=fail}. Never returns. */
    public static void unavailable(String reason) {
        if ("fail".equals(System.getProperty("netlat.unavailable", "skip").trim().toLowerCase(Locale.ROOT))) {
            throw new AssertionError(reason + " (netlat.unavailable=fail)");
        }
        Assumptions.abort(reason);
    }
}
