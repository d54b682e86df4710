// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

/** Where a {@link NetworkLab}'s nftables drop rule sits, for traffic from the host to the namespace. */
public enum DropPoint {
    /**
     * In the namespace's {@code prerouting} hook: the packet left the host and is lost on the way to the peer. This
     * is real loss: the sending TCP socket notices it and retransmits (counted in {@code TCP_INFO} and nstat).
     */
    PEER_INGRESS,
    /**
     * In the host's {@code output} hook: the packet never leaves the sender. The kernel reports a local error and
     * TCP simply sends the data again later, without counting a retransmit.
     */
    HOST_EGRESS
}
