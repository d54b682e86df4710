// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * A copy of the kernel-side counters at one moment. Windows keep one from their start and diff later ones against
 * it, so several windows can be open at once without resetting anything in the kernel.
 */
final class Snapshot {
    final long monoNanos;
    final long[] counters;
    final long[] lost;
    final long[] sums;
    final long[] drops;
    final long[][] hist;
    final long eventHead;
    final long recursionMisses;
    /** Per-port statistics by packed key (see {@link PortKey}); null when not read. */
    final Map<Long, Long> ports;

    Snapshot(long monoNanos, long[] counters, long[] lost, long[] sums, long[] drops,
             long[][] hist, long eventHead, long recursionMisses, Map<Long, Long> ports) {
        this.monoNanos = monoNanos;
        this.counters = counters;
        this.lost = lost;
        this.sums = sums;
        this.drops = drops;
        this.hist = hist;
        this.eventHead = eventHead;
        this.recursionMisses = recursionMisses;
        this.ports = ports;
    }

    /** this minus base, element-wise; ports only when both have them. */
    Snapshot minus(Snapshot base) {
        long[][] h = new long[hist.length][];
        for (int i = 0; i < hist.length; i++) {
            h[i] = sub(hist[i], base.hist[i]);
        }
        Map<Long, Long> p = null;
        if (ports != null) {
            p = new HashMap<>();
            Map<Long, Long> b = base.ports == null ? Map.of() : base.ports;
            for (Map.Entry<Long, Long> e : ports.entrySet()) {
                long d = e.getValue() - b.getOrDefault(e.getKey(), 0L);
                if (d != 0) {
                    p.put(e.getKey(), d);
                }
            }
        }
        return new Snapshot(monoNanos, sub(counters, base.counters), sub(lost, base.lost),
                sub(sums, base.sums), sub(drops, base.drops), h,
                eventHead - base.eventHead, recursionMisses - base.recursionMisses, p);
    }

    private static long[] sub(long[] a, long[] b) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] - b[i];
        }
        return r;
    }
}
