// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

/**
 * The counter of a lab's nftables drop rule(s): packets and bytes dropped so far. With IPv6 enabled the lab has one
 * rule per address family; this is their sum.
 */
public record NftCounter(long packets, long bytes) {
}
