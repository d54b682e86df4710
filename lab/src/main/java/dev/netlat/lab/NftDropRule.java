// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * The nftables rule that drops a lab's host-to-namespace packets on purpose, every n-th or a random fraction, in a
 * table of its own either inside the namespace ({@link DropPoint#PEER_INGRESS}) or on the host
 * ({@link DropPoint#HOST_EGRESS}); and reading how much it dropped.
 */
final class NftDropRule {
    /** {@code numgen random} draws from 0 to this, so fractions have a resolution of its inverse. */
    static final int RANDOM_SCALE = 1_000_000;

    private final Integer everyNth;
    private final Double fraction;
    private final DropPoint point;
    /** Set before the host table is created, so that one whose command timed out is removed too. */
    private volatile boolean hostTableAttempted;

    /** Exactly one of {@code everyNth} and {@code fraction} is non-null. */
    NftDropRule(Integer everyNth, Double fraction, DropPoint point) {
        this.everyNth = everyNth;
        this.fraction = fraction;
        this.point = point;
    }

    DropPoint point() {
        return point;
    }

    /** Creates the table with the rule, one for each address family the lab has. */
    void install(LabCommands commands, LabNames names, LabAddresses addresses) {
        String match = point == DropPoint.PEER_INGRESS
                ? "iifname \"" + names.peerInterface() + "\"" : "oifname \"" + names.hostInterface() + "\"";
        String numgen = everyNth != null
                ? "numgen inc mod " + everyNth + " == 0"
                : "numgen random mod " + RANDOM_SCALE + " < " + Math.max(1, Math.round(fraction * RANDOM_SCALE));
        String hook = point == DropPoint.PEER_INGRESS ? "prerouting priority -300" : "output priority 0";
        StringBuilder script = new StringBuilder()
                .append("table inet ").append(names.nftTable()).append(" {\n")
                .append("  chain lab_drop {\n")
                .append("    type filter hook ").append(hook).append("; policy accept;\n")
                .append("    ").append(match).append(" ip saddr ").append(addresses.host().getHostAddress())
                .append(" ip daddr ").append(addresses.peer().getHostAddress()).append(' ').append(numgen)
                .append(" counter drop\n");
        if (addresses.ipv6()) {
            script.append("    ").append(match).append(" ip6 saddr ").append(addresses.host6().getHostAddress())
                    .append(" ip6 daddr ").append(addresses.peer6().getHostAddress()).append(' ').append(numgen)
                    .append(" counter drop\n");
        }
        script.append("  }\n}\n");
        List<String> nft = List.of(commands.tools().nft(), "-f", "-");
        if (point == DropPoint.PEER_INGRESS) {
            commands.check(script.toString(), commands.inNamespace(nft));
        } else {
            hostTableAttempted = true;
            commands.check(script.toString(), nft);
        }
    }

    /** Packets and bytes the rule(s) dropped so far, from the rule counters in {@code nft -j list table}. */
    NftCounter counter(LabCommands commands, String table) {
        List<String> list = List.of(commands.tools().nft(), "-j", "list", "table", "inet", table);
        String out = commands.check(point == DropPoint.PEER_INGRESS ? commands.inNamespace(list) : list);
        long packets = 0;
        long bytes = 0;
        for (JsonNode item : JsonOutput.parse(out, "nft -j list table inet " + table).path("nftables")) {
            for (JsonNode expr : item.path("rule").path("expr")) {
                JsonNode counter = expr.get("counter");
                if (counter != null) {
                    packets += counter.path("packets").asLong();
                    bytes += counter.path("bytes").asLong();
                }
            }
        }
        return new NftCounter(packets, bytes);
    }

    /**
     * Removes the table if it was put on the host; one inside the namespace goes with the namespace. Failures go to
     * {@code errors}.
     */
    void removeFromHost(LabCommands commands, String table, List<String> errors) {
        if (hostTableAttempted) {
            commands.remove(errors, List.of(commands.tools().nft(), "delete", "table", "inet", table));
        }
    }

    @Override
    public String toString() {
        return everyNth != null
                ? "drop every " + everyNth + "th packet at " + point
                : "drop " + fraction + " of packets at " + point;
    }
}
