// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/** Why TCP retransmitted a segment, as far as the kernel state at {@code tcp:tcp_retransmit_skb} tells. */
public enum RetransmitKind {
    /** The retransmission timer fired (socket in CA_Loss). */
    TIMEOUT,
    /** Fast retransmit / recovery after duplicate ACKs or SACK (CA_Recovery or CA_Disorder). */
    FAST,
    /** Tail loss probe (a probe timer was pending). */
    TAIL_LOSS_PROBE,
    /** A SYN of an outgoing connect. */
    SYN,
    /** A SYN-ACK of a listening socket ({@code tcp:tcp_retransmit_synack}). */
    SYN_ACK,
    /** Anything else (e.g. MTU probing, CA_Open without a probe pending). */
    OTHER
}
