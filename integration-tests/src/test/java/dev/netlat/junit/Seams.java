// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

/**
 * The extension's testing seams, which are package-private in netlat-junit (users never see them), made reachable
 * for the tests of other packages: the reports' tests run the extension with a fake trace or simulated unavailability.
 */
public final class Seams {
    /** Tracing behaves as unavailable with the value as the reason. */
    public static final String SIMULATE_UNAVAILABLE = NetlatConfig.SIMULATE_UNAVAILABLE;
    /** Windows come from this {@code Function<TraceOptions, NetworkTrace>} class instead of the kernel. */
    public static final String TRACE_FACTORY = NetlatConfig.TRACE_FACTORY;

    private Seams() {
    }
}
