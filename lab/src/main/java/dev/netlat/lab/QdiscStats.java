// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

/**
 * Counters of the root qdisc of a lab's host-side interface, as {@code tc -s -j qdisc show dev X} reports them.
 *
 * @param kind           qdisc kind, e.g. {@code tbf}, or {@code noqueue} when the lab has no rate limit
 * @param sentBytes      bytes the qdisc handed to the device (link-layer frames, so headers included)
 * @param sentPackets    packets the qdisc handed to the device (GSO packets split by tbf count per segment)
 * @param drops          packets the qdisc dropped, e.g. because its {@code limit} was full
 * @param overlimits     times the qdisc had to hold packets back because the rate was exceeded
 * @param requeues       packets the device handed back to the qdisc
 * @param backlogBytes   bytes queued in the qdisc right now
 * @param backlogPackets packets queued in the qdisc right now
 */
public record QdiscStats(String kind, long sentBytes, long sentPackets, long drops, long overlimits, long requeues,
                         long backlogBytes, long backlogPackets) {
}
