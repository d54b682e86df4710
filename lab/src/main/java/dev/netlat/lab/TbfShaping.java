// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Objects;

/**
 * The {@code tbf} qdisc that rate-limits a lab's host side, which all host-to-namespace traffic leaves through, and
 * reading the counters of whatever root qdisc that interface has.
 */
final class TbfShaping {
    private final String rate;
    private final String burst;
    private final String limit;
    private final long rateBits;
    private final long burstBytes;
    private final long limitBytes;

    /** {@code burst} and {@code limit} may be null for the defaults of {@link NetworkLab}. */
    TbfShaping(String rate, String burst, String limit) {
        this.rate = rate;
        this.burst = Objects.requireNonNullElse(burst, NetworkLab.DEFAULT_BURST);
        this.limit = Objects.requireNonNullElse(limit, NetworkLab.DEFAULT_LIMIT);
        this.rateBits = TcSyntax.rateBitsPerSecond("rate", this.rate);
        this.burstBytes = TcSyntax.sizeBytes("burst", this.burst);
        this.limitBytes = TcSyntax.sizeBytes("limit", this.limit);
    }

    long rateBits() {
        return rateBits;
    }

    long burstBytes() {
        return burstBytes;
    }

    long limitBytes() {
        return limitBytes;
    }

    /** Puts the tbf qdisc at the root of {@code dev}, replacing the default one. */
    void apply(LabCommands commands, String dev) {
        commands.check(List.of(commands.tools().tc(), "qdisc", "replace", "dev", dev, "root", "tbf",
                "rate", rate, "burst", burst, "limit", limit));
    }

    /** Counters of the root qdisc on {@code dev}, from {@code tc -s -j qdisc show}. */
    static QdiscStats rootQdiscStats(LabCommands commands, String dev) {
        String out = commands.check(List.of(commands.tools().tc(), "-s", "-j", "qdisc", "show", "dev", dev));
        JsonNode arr = JsonOutput.parse(out, "tc -s -j qdisc show dev " + dev);
        JsonNode root = null;
        for (JsonNode q : arr) {
            if (q.path("root").asBoolean(false)) {
                root = q;
                break;
            }
        }
        if (root == null) {
            if (arr.size() == 0) {
                throw new NetworkLabException("tc shows no qdisc on " + dev + ": " + out);
            }
            root = arr.get(0);
        }
        return new QdiscStats(root.path("kind").asText(), root.path("bytes").asLong(), root.path("packets").asLong(),
                root.path("drops").asLong(), root.path("overlimits").asLong(), root.path("requeues").asLong(),
                root.path("backlog").asLong(), root.path("qlen").asLong());
    }

    @Override
    public String toString() {
        return "tbf rate " + rate + " burst " + burst + " limit " + limit;
    }
}
