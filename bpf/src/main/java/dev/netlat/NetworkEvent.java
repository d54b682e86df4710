// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.net.InetSocketAddress;
import java.time.Instant;

/**
 * One retransmit, drop, reset or listen overflow of a traced socket, kept for reports.
 *
 * @param time     when the kernel saw it (wall clock, converted from the kernel's monotonic clock)
 * @param kind     what happened
 * @param local    the traced socket's address
 * @param remote   its peer
 * @param sequence TCP sequence number of the segment, 0 when not applicable
 * @param detail   retransmit kind, drop reason name, or reset direction
 */
public record NetworkEvent(Instant time, Kind kind, InetSocketAddress local, InetSocketAddress remote,
                           long sequence, String detail) {

    public enum Kind { RETRANSMIT, DROP, RESET_SENT, RESET_RECEIVED, LISTEN_OVERFLOW }

    @Override
    public String toString() {
        return time + " " + kind + " " + local + " -> " + remote + " seq=" + sequence
                + (detail == null || detail.isEmpty() ? "" : " " + detail);
    }
}
