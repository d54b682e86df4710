package dev.netlat.internal;

import dev.netlat.Stage;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Which tracepoints each stage needs. Programs are tp_btf programs named for their tracepoint. */
final class Hooks {
    static final String SENDMSG = "tcp_sendmsg_locked";
    static final String SEND_LENGTH = "sock_send_length";
    static final String DEV_QUEUE = "net_dev_queue";
    static final String START_XMIT = "net_dev_start_xmit";
    static final String NETIF_RX = "netif_rx";
    static final String TCP_PROBE = "tcp_probe";
    static final String RETRANSMIT = "tcp_retransmit_skb";
    static final String KFREE_SKB = "kfree_skb";
    static final String SET_STATE = "inet_sock_set_state";

    private static final Map<Stage, Set<String>> NEEDS = new EnumMap<>(Stage.class);

    static {
        Set<String> write = Set.of(SENDMSG, SEND_LENGTH, DEV_QUEUE);
        NEEDS.put(Stage.SOCKET, write);
        NEEDS.put(Stage.QDISC, Set.of(DEV_QUEUE, START_XMIT));
        NEEDS.put(Stage.DEVICE, Set.of(DEV_QUEUE, START_XMIT, NETIF_RX));
        NEEDS.put(Stage.TOTAL, union(write, Set.of(START_XMIT, NETIF_RX)));
        NEEDS.put(Stage.ACK, union(write, Set.of(TCP_PROBE)));
    }

    private Hooks() {
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> s = new LinkedHashSet<>(a);
        s.addAll(b);
        return Set.copyOf(s);
    }

    static Set<String> needs(Stage stage) {
        return NEEDS.get(stage);
    }


    /** Tracepoints treated as missing although the kernel has them: {@code -Dnetlat.hooks.disable=a,b} (a testing aid). */
    static Set<String> forcedMissing() {
        String v = System.getProperty("netlat.hooks.disable", "").trim();
        if (v.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(Arrays.asList(v.split("\\s*,\\s*")));
    }

    /**
     * Programs sent to another tracepoint than their own: {@code -Dnetlat.hooks.retarget=net_dev_start_xmit:no_such_tp}
     * (a testing aid). Unlike {@link #forcedMissing()} the kernel itself is asked for a tracepoint it lacks, which
     * exercises the whole path of an older kernel: the load fails, the BTF is read, the load is retried without it.
     */
    static Map<String, String> retargeted() {
        String v = System.getProperty("netlat.hooks.retarget", "").trim();
        Map<String, String> out = new java.util.HashMap<>();
        if (v.isEmpty()) {
            return out;
        }
        for (String pair : v.split("\\s*,\\s*")) {
            int colon = pair.indexOf(':');
            if (colon <= 0 || colon == pair.length() - 1) {
                throw new IllegalArgumentException("netlat.hooks.retarget takes tracepoint:other_tracepoint pairs, "
                        + "comma-separated, e.g. net_dev_start_xmit:no_such_tracepoint; was '" + v + "'");
            }
            out.put(pair.substring(0, colon), pair.substring(colon + 1));
        }
        return out;
    }

    /** The tracepoint a hook's program actually attaches to (itself unless {@link #retargeted()}). */
    static String attachedAs(String tracepoint) {
        return retargeted().getOrDefault(tracepoint, tracepoint);
    }

    /** Stages made unavailable by the missing tracepoints, with the reason. */
    static Map<Stage, String> unavailableStages(Set<String> missing) {
        Map<Stage, String> out = new EnumMap<>(Stage.class);
        for (Map.Entry<Stage, Set<String>> e : NEEDS.entrySet()) {
            List<String> lacking = e.getValue().stream().filter(missing::contains).sorted().toList();
            if (!lacking.isEmpty()) {
                out.put(e.getKey(), "this kernel has no tracepoint " + String.join(", ", lacking)
                        + " (needed for " + e.getKey() + ": " + e.getKey().kernelPlaces() + ")");
            }
        }
        return out;
    }
}
