// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import dev.netlat.LostCause;
import dev.netlat.Stage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which program serves each hook on this kernel: per hook the first variant of hooks.h that the kernel's BTF offers
 * (a tracepoint with enough arguments, else fentry/fexit on a function), minus the variants the kernel refused at
 * load. A hook left without a variant makes the stages that need it unavailable, with the reason.
 */
final class HookPlan {
    /** Hooks (hooks.h names) each stage is measured with. */
    private static final Map<Stage, List<String>> STAGE_NEEDS = new EnumMap<>(Stage.class);
    static final List<String> RTT_NEEDS = List.of("dev_queue", "tcp_probe");

    static {
        List<String> write = List.of("write_start", "write_end", "dev_queue");
        STAGE_NEEDS.put(Stage.SOCKET, write);
        STAGE_NEEDS.put(Stage.QDISC, List.of("dev_queue", "start_xmit"));
        STAGE_NEEDS.put(Stage.DEVICE, List.of("dev_queue", "start_xmit", "netif_rx"));
        STAGE_NEEDS.put(Stage.TOTAL, concat(write, List.of("start_xmit", "netif_rx")));
        STAGE_NEEDS.put(Stage.ACK, concat(write, List.of("tcp_probe")));
    }

    private final List<HookVariant> table;
    /** Per hook, the variants this kernel's BTF offers, best first; the head is the one loaded. */
    private final Map<String, List<HookVariant>> candidates = new LinkedHashMap<>();
    /** Why variants of a hook were passed over or refused, in order. */
    private final Map<String, List<String>> notes = new LinkedHashMap<>();

    /**
     * @param args   per attach point ({@link HookVariant#attachPoint()}), the arguments this kernel's BTF gives it;
     *               absent or -1 when the kernel lacks it
     * @param missing tracepoints and functions treated as absent (testing aid {@code netlat.hooks.disable})
     * @param forced programs taken first for their hook whatever the BTF says (testing aid {@code netlat.hooks.force}:
     *               the kernel itself then answers, e.g. the verifier rejects a signature the kernel lacks)
     */
    HookPlan(List<HookVariant> table, Map<String, Integer> args, Set<String> missing, Set<String> forced) {
        this.table = table;
        for (HookVariant v : table) {
            List<HookVariant> c = candidates.computeIfAbsent(v.hook(), h -> new ArrayList<>());
            notes.putIfAbsent(v.hook(), new ArrayList<>());
            String why = unfit(v, missing.contains(v.target()) ? -1 : args.getOrDefault(v.attachPoint(), -1));
            if (forced.contains(v.program())) {
                c.add(0, v);
            } else if (why == null) {
                c.add(v);
            } else {
                notes.get(v.hook()).add(v.attachPoint() + " (" + v.program() + "): " + why);
            }
        }
    }

    private static String unfit(HookVariant v, int have) {
        if (have < 0) {
            return (v.isTracepoint() ? "this kernel has no tracepoint " : "this kernel's BTF has no function ")
                    + v.target() + " (kernels seen with it: " + v.seen() + ")";
        }
        if (have < v.args()) {
            return v.target() + " has " + have + " arguments on this kernel, this variant reads " + v.args()
                    + " (kernels seen with that signature: " + v.seen() + ")";
        }
        return null;
    }

    /** The kernel refused {@code program} (verifier, attach): its hook moves on to its next variant, if any. */
    void refused(String program, String why) {
        HookVariant v = table.stream().filter(t -> t.program().equals(program)).findFirst()
                .orElseThrow(() -> new IllegalStateException("no hook variant " + program + " in hooks.h"));
        List<HookVariant> c = candidates.get(v.hook());
        if (c.isEmpty() || !c.get(0).equals(v)) {
            throw new IllegalStateException(program + " was refused but was not the variant loaded for " + v.hook());
        }
        c.remove(0);
        notes.get(v.hook()).add(v.attachPoint() + " (" + program + ") refused: " + why);
    }

    private HookVariant chosen(String hook) {
        List<HookVariant> c = candidates.get(hook);
        return c == null || c.isEmpty() ? null : c.get(0);
    }

    /** Whether {@code program} is the variant chosen for its hook (the others are not loaded). */
    boolean loads(String program) {
        return candidates.values().stream().anyMatch(c -> !c.isEmpty() && c.get(0).program().equals(program));
    }

    boolean has(String hook) {
        return chosen(hook) != null;
    }

    boolean isEmpty() {
        return candidates.values().stream().allMatch(List::isEmpty);
    }

    /** Why a hook has no program here. */
    String whyMissing(String hook) {
        return hook + ": " + String.join("; ", notes.getOrDefault(hook, List.of("not in hooks.h")));
    }

    Map<Stage, String> unavailableStages() {
        Map<Stage, String> out = new EnumMap<>(Stage.class);
        for (Map.Entry<Stage, List<String>> e : STAGE_NEEDS.entrySet()) {
            List<String> lacking = e.getValue().stream().filter(h -> !has(h)).toList();
            if (!lacking.isEmpty()) {
                out.put(e.getKey(), "unavailable on this kernel (needed for " + e.getKey() + ": "
                        + e.getKey().kernelPlaces() + "): " + String.join(" | ", lacking.stream().map(this::whyMissing).toList()));
            }
        }
        return out;
    }

    /**
     * Lost-sample causes that on this kernel only say a hook is missing (its stages already report unavailable
     * with the reason), not that anything was lost: e.g. "net_dev_start_xmit of a packet not seen" without that hook.
     */
    java.util.Set<LostCause> causesOfMissingHooks() {
        java.util.Set<LostCause> out = java.util.EnumSet.noneOf(LostCause.class);
        if (!has("dev_queue")) {
            out.add(LostCause.PACKET_NOT_SEEN);
        }
        if (!has("start_xmit")) {
            out.add(LostCause.START_XMIT_NOT_SEEN);
        }
        if (!has("start_xmit") || !has("netif_rx")) {
            out.add(LostCause.DEVICE_DONE_NOT_SEEN);
        }
        return out;
    }

    boolean rttAvailable() {
        return RTT_NEEDS.stream().allMatch(this::has);
    }

    String whyRttMissing() {
        return "unavailable on this kernel: " + String.join(" | ",
                RTT_NEEDS.stream().filter(h -> !has(h)).map(this::whyMissing).toList());
    }

    /**
     * The plan per hook, in hooks.h order: {@code tp_btf/tcp_retransmit_skb (nl_retransmit_noerr)}, then what was
     * passed over and why; or {@code unavailable: ...}.
     */
    Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String hook : notes.keySet()) {
            HookVariant v = chosen(hook);
            List<String> n = notes.get(hook);
            String head = v == null ? "unavailable" : v.attachPoint() + " (" + v.program() + ")";
            out.put(hook, n.isEmpty() ? head : head + "; " + String.join("; ", n));
        }
        return out;
    }

    /** The attach points a stage is measured with on this kernel, e.g. {@code fentry/tcp_sendmsg_locked -> ...}. */
    Map<Stage, String> stageHooks() {
        Map<Stage, String> out = new EnumMap<>(Stage.class);
        for (Map.Entry<Stage, List<String>> e : STAGE_NEEDS.entrySet()) {
            List<String> points = new ArrayList<>();
            for (String h : e.getValue()) {
                HookVariant v = chosen(h);
                points.add(v == null ? h + " (unavailable)" : v.attachPoint());
            }
            out.put(e.getKey(), String.join(", ", points));
        }
        return out;
    }

    /** Names listed in a comma-separated system property (testing aids). */
    static Set<String> listProperty(String name) {
        String v = System.getProperty(name, "").trim();
        return v.isEmpty() ? Set.of() : Set.copyOf(new LinkedHashSet<>(Arrays.asList(v.split("\\s*,\\s*"))));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(new LinkedHashSet<>(a));
        b.stream().filter(x -> !out.contains(x)).forEach(out::add);
        return List.copyOf(out);
    }
}
