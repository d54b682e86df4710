// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.Availability;
import dev.netlat.NetworkTracer;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;

/**
 * Guard for outer tests that need the real kernel engine: skipped with the reason when it cannot run, or failed
 * with {@code -Dnetlat.unavailable=fail} (what CI sets), like the extension itself does.
 */
final class RealEngine {
    private RealEngine() {
    }

    static void require() {
        Availability a;
        try {
            a = NetworkTracer.availability();
        } catch (RuntimeException | LinkageError e) {
            a = new Availability(java.util.List.of("availability check failed: " + e), java.util.Map.of());
        }
        if (a.isAvailable()) {
            return;
        }
        String policy = System.getProperty(NetlatConfig.UNAVAILABLE, "skip").trim().toLowerCase(Locale.ROOT);
        String message = a.reason() + " — this test needs the real netlat engine";
        if (policy.equals("fail")) {
            throw new AssertionError(message + " (netlat.unavailable=fail)");
        }
        Assumptions.abort(message);
    }
}
