// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of one trace window. Defaults: reads wait up to 5 s for in-flight writes to pass the stages being read,
 * and the last 256 events are kept.
 */
public final class TraceOptions {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_EVENT_LIMIT = 256;

    private final Duration readTimeout;
    private final int eventLimit;
    private final boolean portViews;

    private TraceOptions(Duration readTimeout, int eventLimit, boolean portViews) {
        this.readTimeout = readTimeout;
        this.eventLimit = eventLimit;
        this.portViews = portViews;
    }

    public static TraceOptions defaults() {
        return new TraceOptions(DEFAULT_READ_TIMEOUT, DEFAULT_EVENT_LIMIT, true);
    }

    /** How long a read waits for writes that returned before it to pass the stage being read. Zero: do not wait. */
    public TraceOptions readTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("readTimeout must not be negative, was " + timeout);
        }
        return new TraceOptions(timeout, eventLimit, portViews);
    }

    /** How many of the most recent retransmit/drop/reset events {@link NetworkView#events()} keeps (1..4096). */
    public TraceOptions eventLimit(int limit) {
        if (limit < 1 || limit > 4096) {
            throw new IllegalArgumentException("eventLimit must be within 1..4096, was " + limit);
        }
        return new TraceOptions(readTimeout, limit, portViews);
    }

    /**
     * Whether {@link NetworkTrace#port(int)} views are kept (default true). Keeping them updates a per-port table for
     * every counter and sample, about a third of netlat's per-packet cost; a window that never narrows by port can
     * turn them off (the JMH profiler does when no {@code port=} is given). Other windows open at the same time that
     * keep them are unaffected.
     */
    public TraceOptions portViews(boolean keep) {
        return new TraceOptions(readTimeout, eventLimit, keep);
    }

    public boolean portViews() {
        return portViews;
    }

    public Duration readTimeout() {
        return readTimeout;
    }

    public int eventLimit() {
        return eventLimit;
    }

    @Override
    public String toString() {
        return "TraceOptions{readTimeout=" + readTimeout + ", eventLimit=" + eventLimit + ", portViews=" + portViews + "}";
    }
}
