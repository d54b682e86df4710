// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.List;
import java.util.Map;

/**
 * What netlat measured for a set of sockets: the whole trace, or one port of it ({@link NetworkTrace#port(int)}).
 *
 * <p>Reading a latency distribution waits (bounded, {@link TraceOptions#readTimeout()}) until every write that had
 * returned before the read has passed the stage being read, so an assertion right after the last write sees it.
 */
public interface NetworkView {

    /** The latency distribution of one stage. */
    LatencyDistribution latency(Stage stage);

    /** RTT samples: first transmission of a packet at {@code net_dev_queue} until the ACK that covers it. */
    LatencyDistribution rtt();

    /** Writes (write/send/sendmsg/writev/sendfile calls that moved at least one byte). */
    long writes();

    /** Bytes accepted by those writes. */
    long bytes();

    /** Packets (skbs, before any software segmentation) carrying first-transmitted data. */
    long packets();

    /**
     * Writes whose stages were timed: each has a SOCKET, TOTAL and ACK sample, or is counted lost by cause. All of
     * {@link #writes()} when the window timed every write ({@link TraceOptions#timeEveryWrite(boolean)}), else those
     * within each socket's timing budget.
     */
    long timedWrites();

    /** Packets followed through their stages (those carrying timed writes' bytes): each has a QDISC, DEVICE and RTT sample, or is counted lost by cause. */
    long timedPackets();

    /** Successful retransmitted segments (GSO segments summed; failed attempts not counted). */
    long retransmits();

    /** Retransmitted segments by cause. Every kind is present, zero where none happened. */
    Map<RetransmitKind, Long> retransmitsByKind();

    /** Payload bytes retransmitted. */
    long retransmittedBytes();

    /** Packets of traced sockets the kernel dropped, transmit and receive side. */
    long drops();

    /** Drops by the kernel's {@code enum skb_drop_reason} name (read from the running kernel's BTF), e.g. {@code NETFILTER_DROP}. */
    Map<String, Long> dropsByReason();

    /** RSTs sent by traced sockets. */
    long resetsSent();

    /** RSTs received by traced sockets. */
    long resetsReceived();

    /** Connections that reached ESTABLISHED during the window. */
    long connectionsOpened();

    /** Connections that reached CLOSE during the window. */
    long connectionsClosed();

    /** SYNs dropped because a traced listener's accept queue was full. */
    long listenOverflows();

    /** The most recent retransmit / drop / reset / overflow events, oldest first (bounded, see {@link TraceOptions#eventLimit()}). */
    List<NetworkEvent> events();
}
