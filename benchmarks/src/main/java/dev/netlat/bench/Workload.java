// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;

/**
 * Traffic the harness measures a tracer against: one JVM, loopback, connections kept open across passes so that a
 * pass measures the steady state, not connection set-up.
 */
interface Workload extends AutoCloseable {
    String name();

    String unit();

    /** Scale of the unit for printing (e.g. 1e9 for GB/s). */
    double unitScale();

    int port();

    /** Runs for about {@code nanos} and returns the rate per second. */
    double pass(long nanos) throws Exception;

    /** Write calls issued so far by the clients. */
    long writesIssued();

    @Override
    void close();

    /** {@code stream} or {@code echo} (with {@code echoConnections} connections). */
    static Workload open(String name, int echoConnections) throws IOException {
        return switch (name) {
            case "stream" -> new StreamWorkload();
            case "echo" -> new EchoWorkload(echoConnections);
            default -> throw new IllegalArgumentException("unknown workload '" + name + "'; valid: stream, echo");
        };
    }
}
