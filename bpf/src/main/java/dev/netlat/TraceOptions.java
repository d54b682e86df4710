// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of one trace window. Defaults: reads wait up to 5 s for in-flight writes to pass the stages being read,
 * the last 256 events are kept, per-port views are kept, and each socket's writes are timed within its budget
 * ({@link #timeEveryWrite(boolean)}).
 */
public final class TraceOptions {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_EVENT_LIMIT = 256;

    private final Duration readTimeout;
    private final int eventLimit;
    private final boolean portViews;
    private final boolean timeEveryWrite;

    private TraceOptions(Duration readTimeout, int eventLimit, boolean portViews, boolean timeEveryWrite) {
        this.readTimeout = readTimeout;
        this.eventLimit = eventLimit;
        this.portViews = portViews;
        this.timeEveryWrite = timeEveryWrite;
    }

    public static TraceOptions defaults() {
        return new TraceOptions(DEFAULT_READ_TIMEOUT, DEFAULT_EVENT_LIMIT, true, false);
    }

    /** How long a read waits for writes that returned before it to pass the stage being read. Zero: do not wait. */
    public TraceOptions readTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("readTimeout must not be negative, was " + timeout);
        }
        return new TraceOptions(timeout, eventLimit, portViews, timeEveryWrite);
    }

    /** How many of the most recent retransmit/drop/reset events {@link NetworkView#events()} keeps (1..4096). */
    public TraceOptions eventLimit(int limit) {
        if (limit < 1 || limit > 4096) {
            throw new IllegalArgumentException("eventLimit must be within 1..4096, was " + limit);
        }
        return new TraceOptions(readTimeout, limit, portViews, timeEveryWrite);
    }

    /**
     * Whether {@link NetworkTrace#port(int)} views are kept (default true). Keeping them updates a per-port table for
     * every counter and sample (a loopback stream ran at 0.79x of untraced with them, 0.86x without, in one run); a window that
     * never narrows by port can turn them off (the JMH profiler does when no {@code port=} is given). Other windows
     * open at the same time that keep them are unaffected.
     */
    public TraceOptions portViews(boolean keep) {
        return new TraceOptions(readTimeout, eventLimit, keep, timeEveryWrite);
    }

    public boolean portViews() {
        return portViews;
    }

    /**
     * Whether every write's stages are timed (default false). Counts (writes, bytes, packets, retransmits, drops,
     * resets) are exact either way; what this decides is which writes get latency samples.
     *
     * <p>By default each socket times writes from a budget, a token bucket of {@value #TIMED_BURST} writes refilled
     * at {@value #TIMED_PER_SECOND} a second, and follows only the packets that carry those writes' bytes. The bucket
     * is spent evenly: with t writes left in it, every (256 / t)-th write is timed. A socket writing slower than the
     * refill, or a test that writes a few hundred times, gets every write timed; a fast run of a few thousand writes
     * is timed across its length, densest at its start; a benchmark writing 100 000 times a second gets about 1 000 a
     * second per socket, and pays for those alone: following a write through its stages costs about 4 us on loopback
     * here, counting one about a tenth of that. {@link NetworkView#timedWrites()} and
     * {@link NetworkView#timedPackets()} say how many were timed, and the percentile checks count samples, so their
     * minimum-sample rule still holds.
     *
     * <p>True times every write while this window is open, for all windows open at the same time.
     */
    public TraceOptions timeEveryWrite(boolean every) {
        return new TraceOptions(readTimeout, eventLimit, portViews, every);
    }

    public boolean timeEveryWrite() {
        return timeEveryWrite;
    }

    /** Writes a socket's timing budget holds when full (the kernel programs' NL_TIMED_BURST). */
    public static final int TIMED_BURST = 256;
    /** Writes a second the budget refills with (the kernel programs' NL_TIMED_PER_SEC). */
    public static final int TIMED_PER_SECOND = 1000;
    /**
     * Writes a second all busy sockets of the process are timed at together (NL_TIMED_ALL_PER_SEC): a socket with half
     * its budget or less left also takes from this shared refill, so that many busy sockets cost no more to time than
     * a few.
     */
    public static final int TIMED_ALL_PER_SECOND = 2000;
    /** Writes the shared bucket holds when full (NL_TIMED_ALL_BURST). */
    public static final int TIMED_ALL_BURST = 256;

    public Duration readTimeout() {
        return readTimeout;
    }

    public int eventLimit() {
        return eventLimit;
    }

    @Override
    public String toString() {
        return "TraceOptions{readTimeout=" + readTimeout + ", eventLimit=" + eventLimit + ", portViews=" + portViews
                + ", timeEveryWrite=" + timeEveryWrite + "}";
    }
}
