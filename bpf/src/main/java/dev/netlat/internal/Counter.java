// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

/**
 * Indices of G.counters and the histograms: read from netlat.layout, which build.sh generates from netlat.h, so no
 * value here is a hand copy of the C side's (G.lost's indices are in the generated {@link dev.netlat.LostCause}).
 */
final class Counter {
    private static final Layout L = Layout.INSTANCE;

    static final int WRITES = L.get("const.NL_C_WRITES");
    static final int BYTES = L.get("const.NL_C_BYTES");
    static final int PACKETS = L.get("const.NL_C_PACKETS");
    static final int NOQUEUE_PACKETS = L.get("const.NL_C_NOQUEUE_PACKETS");
    static final int RETRANS = L.get("const.NL_C_RETRANS");
    static final int RETRANS_BYTES = L.get("const.NL_C_RETRANS_BYTES");
    static final int RETRANS_FAILED = L.get("const.NL_C_RETRANS_FAILED");
    static final int DROPS = L.get("const.NL_C_DROPS");
    static final int RST_SENT = L.get("const.NL_C_RST_SENT");
    static final int RST_RECV = L.get("const.NL_C_RST_RECV");
    static final int CONN_OPENED = L.get("const.NL_C_CONN_OPENED");
    static final int CONN_CLOSED = L.get("const.NL_C_CONN_CLOSED");
    static final int LISTEN_OVERFLOW = L.get("const.NL_C_LISTEN_OVERFLOW");
    /** First of the per-kind retransmit counters, in {@link dev.netlat.RetransmitKind} order. */
    static final int RETRANS_KIND = L.get("const.NL_C_RETRANS_KIND");
    static final int INCOMPLETE = L.get("const.NL_C_INCOMPLETE");
    static final int SOCKETS = L.get("const.NL_C_SOCKETS");
    /** Runs of nested-hook programs, each making up for one recursion miss of its primary. */
    static final int NESTED = L.get("const.NL_C_NESTED");
    /** Writes and packets followed through their stages (all, or each socket's timing budget). */
    static final int TIMED_WRITES = L.get("const.NL_C_TIMED_WRITES");
    static final int TIMED_PACKETS = L.get("const.NL_C_TIMED_PACKETS");

    static final int HIST_RTT = L.get("const.NL_HIST_RTT");
    /** Every histogram id: the stages in {@link dev.netlat.Stage} order, then RTT. */
    static final int[] ALL_HISTS = {L.get("const.NL_HIST_SOCKET"), L.get("const.NL_HIST_QDISC"),
        L.get("const.NL_HIST_DEVICE"), L.get("const.NL_HIST_TOTAL"), L.get("const.NL_HIST_ACK"), HIST_RTT};

    /** What a histogram id measures: the ids are in {@link dev.netlat.Metric} order (BpfObjectGuardTest checks). */
    static dev.netlat.Metric metric(int hist) {
        return dev.netlat.Metric.values()[hist];
    }

    private Counter() {
    }
}
