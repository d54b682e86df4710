// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.DurationFormat;
import dev.netlat.LatencyDistribution;
import dev.netlat.Stage;
import java.time.Duration;
import java.util.Locale;

/** Wording shared by the assertion messages. */
final class Explain {
    private Explain() {
    }

    /** The stage a distribution measures, or null for RTT. */
    static Stage stageOf(LatencyDistribution d) {
        return d.metric().stage().orElse(null);
    }

    /** "writes", "packets" or "samples". */
    static String unitPlural(LatencyDistribution d) {
        Stage s = stageOf(d);
        if (s == null) {
            return "samples";
        }
        return s.unit() == Stage.Unit.WRITE ? "writes" : "packets";
    }

    static String unitSingular(LatencyDistribution d) {
        String p = unitPlural(d);
        return p.substring(0, p.length() - 1);
    }

    static String stripZeros(double v) {
        String s = String.format(Locale.ROOT, "%.6f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** "1 in 100 writes", "half of the writes", "the slowest write". */
    static String tail(double p, LatencyDistribution d) {
        if (p >= 100) {
            return "the slowest " + unitSingular(d);
        }
        if (p == 50) {
            return "half of the " + unitPlural(d);
        }
        double n = 1 / (1 - p / 100.0);
        if (Math.abs(n - Math.rint(n)) < 1e-6) {
            return "1 in " + (long) Math.rint(n) + " " + unitPlural(d);
        }
        return stripZeros(Math.round((100 - p) * 1000) / 1000.0) + "% of the " + unitPlural(d);
    }

    static String fmt(Duration d) {
        return DurationFormat.format(d);
    }

    /** Why a slow tail in this stage matters, in one sentence. */
    static String whyItMatters(LatencyDistribution d) {
        Stage s = stageOf(d);
        String places = s == null ? "" : " (" + s.kernelPlaces() + ")";
        // exhaustive: a metric added without its sentence does not compile
        return switch (d.metric()) {
            case RTT ->
                "RTT is the time from a packet's first transmission until the ACK covering it; a long tail means"
                        + " the path or the peer's receive side is slow, and every request/response pays it.";
            case SOCKET ->
                "SOCKET is the time from the write call until the packet carrying its last byte enters the qdisc"
                        + " layer" + places + "; a slow tail here means the sending socket itself held the data back"
                        + " (full send buffer, closed congestion or receive window, Nagle, TCP small-queue throttling),"
                        + " before the network was involved at all.";
            case QDISC ->
                "QDISC is the time packets wait in the device's traffic-control queue" + places + "; a slow"
                        + " tail here means egress queueing or shaping (a busy NIC, fq/tbf/netem pacing) delays"
                        + " every packet behind it.";
            case DEVICE ->
                "DEVICE is the time the driver/device holds a packet until it is done with it" + places
                        + "; a slow tail here points at the NIC, its TX ring or interrupt coalescing.";
            case TOTAL ->
                "TOTAL is the time from the write call until the device is done with the packet carrying its"
                        + " last byte" + places + ": the whole local transmit path one write pays before its data"
                        + " is on the wire.";
            case ACK ->
                "ACK is the time from the write call until the peer acknowledged its last byte" + places
                        + "; it adds the network round trip and the peer's receive path to the local transmit path,"
                        + " and is what a request/response waits for at least.";
        };
    }
}
