// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.time.Duration;
import java.util.Map;

/**
 * One trace window: everything the test's own TCP sockets did between {@link NetworkTracer#start()} and
 * {@link #close()}. Results stay readable after close (they are frozen then).
 */
public interface NetworkTrace extends NetworkView, AutoCloseable {

    /** A view of the sockets whose local or remote port is {@code port}. */
    NetworkView port(int port);

    /** Events the kernel side could not record (programs skipped by the kernel, full maps or rings). 0 means complete. */
    long lostEvents();

    /**
     * {@link #lostEvents()} by cause, only causes with a non-zero count ({@link LostCause#description()} says why).
     * A sample the kernel side gives up is counted when it is settled, so on an open window this waits for the
     * samples in flight, as a stage's read does ({@link TraceOptions#readTimeout()}).
     */
    Map<LostCause, Long> lostEventsByCause();

    /**
     * {@link LostCause#UNRESOLVED_AT_READ} by metric, only non-zero: samples begun before a read that had not completed
     * when the read gave up waiting ({@link TraceOptions#readTimeout()}); the most any read of the window found.
     */
    Map<Metric, Long> unresolvedAtRead();

    /** Events that happened but did not fit the bounded {@link #events()} list. */
    long eventsNotKept();

    /** How long the window was (or has been) open. */
    Duration elapsed();

    boolean isClosed();

    /** Stops the window. Programs stay loaded for the next window; they are released when the JVM exits. */
    @Override
    void close();
}
