// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The events a trace window lost, by cause in words, and whether a check accepts judging over what was kept. A
 * percentile over a partial sample can hide the tail (the lost samples may be exactly the slow ones), so by default
 * a loss {@linkplain #blocks() blocks} a verdict on the value; accepting it lets the check judge what was measured.
 *
 * @param byCause  the non-zero lost events, keyed by a description of their cause
 * @param accepted whether a check may judge over the partial sample
 */
public record WindowLoss(Map<String, Long> byCause, boolean accepted) {
    /** No loss known. */
    public static final WindowLoss NONE = new WindowLoss(Map.of(), false);

    public WindowLoss {
        Map<String, Long> kept = new LinkedHashMap<>();
        if (byCause != null) {
            byCause.forEach((cause, n) -> {
                if (n != null && n > 0) {
                    kept.put(cause, n);
                }
            });
        }
        byCause = Collections.unmodifiableMap(kept);
    }

    /** A loss that is not accepted (zero counts are dropped). */
    public static WindowLoss of(Map<String, Long> byCause) {
        return new WindowLoss(byCause, false);
    }

    /** The same loss, accepted or not. */
    public WindowLoss accepting(boolean accept) {
        return new WindowLoss(byCause, accept);
    }

    public boolean isEmpty() {
        return byCause.isEmpty();
    }

    /** Lost events over all causes. */
    public long total() {
        return byCause.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Whether events were lost and the check must not judge the value. */
    public boolean blocks() {
        return !isEmpty() && !accepted;
    }

    /** Whether events were lost and the check judged the value anyway. */
    public boolean acceptedLoss() {
        return !isEmpty() && accepted;
    }

    /** {@code 600 events lost in this trace window, by cause {socket table full (netlat.maps.sockets)=600}}. */
    public String describe() {
        long n = total();
        return n + " event" + (n == 1 ? "" : "s") + " lost in this trace window, by cause " + byCause;
    }
}
