// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

/**
 * The B slot of an ABBA pair: switched on before a block of traced passes and off before a block of untraced ones,
 * always between passes, so that loading and tearing down stay outside the timing.
 */
interface Tracer {
    String name();

    /** Starts tracing; {@code port} is the workload's server port, for tracers that filter by it. */
    void on(int port) throws Exception;

    void off() throws Exception;
}
