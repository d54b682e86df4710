// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import dev.netlat.Availability;
import dev.netlat.NetworkTracer;
import org.junit.jupiter.api.Assumptions;

/**
 * Tests that need the live kernel: skipped with the reason when tracing cannot run here, unless
 * {@code -Dnetlat.unavailable=fail} (what .ci/run sets), which turns the skip into a failure.
 */
public final class KernelRequired {
    private KernelRequired() {
    }

    public static void assumeTracingAvailable() {
        Availability a = NetworkTracer.availability();
        if (a.isAvailable()) {
            return;
        }
        if ("fail".equalsIgnoreCase(System.getProperty("netlat.unavailable", "skip"))) {
            throw new AssertionError(a.reason() + " (netlat.unavailable=fail)");
        }
        Assumptions.abort(a.reason());
    }
}
