package dev.netlat.internal;

/** Indices of G.counters and G.lost, as in netlat.h. */
final class Counter {
    static final int WRITES = 0;
    static final int BYTES = 1;
    static final int PACKETS = 2;
    static final int NOQUEUE_PACKETS = 3;
    static final int RETRANS = 4;
    static final int RETRANS_BYTES = 5;
    static final int RETRANS_FAILED = 6;
    static final int DROPS = 7;
    static final int RST_SENT = 8;
    static final int RST_RECV = 9;
    static final int CONN_OPENED = 10;
    static final int CONN_CLOSED = 11;
    static final int LISTEN_OVERFLOW = 12;
    static final int RETRANS_KIND = 13;
    static final int INCOMPLETE = 19;
    static final int SOCKETS = 20;

    /** Names of G.lost causes, by index; null entries are unused. */
    static final String[] LOST_CAUSES = {
        "write ring full (more writes in flight on one socket than netlat.maps.writesInFlight)",
        "packet ring full (more packets in flight on one socket than netlat.maps.packetsInFlight)",
        "socket table full (netlat.maps.sockets)",
        "port table full (netlat.maps.portStats): port views incomplete",
        null, // unused: an skb evicted from the in-flight table shows up as "device-done of a packet not seen"
        "packet of a write not seen",
        "net_dev_start_xmit of a packet not seen",
        "device-done of a packet not seen",
    };

    static final int HIST_RTT = 5;
    /** Every histogram id: the stages in {@link dev.netlat.Stage} order, then RTT. */
    static final int[] ALL_HISTS = {0, 1, 2, 3, 4, HIST_RTT};

    /** A histogram id's name: the stage's, or RTT. */
    static String histName(int hist) {
        return hist < dev.netlat.Stage.values().length ? dev.netlat.Stage.values()[hist].name() : "RTT";
    }

    private Counter() {
    }
}
