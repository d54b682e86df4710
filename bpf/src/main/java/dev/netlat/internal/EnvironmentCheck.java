package dev.netlat.internal;

import dev.netlat.Availability;
import dev.netlat.Stage;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks, without loading any BPF program, whether tracing can run here, and says why not. */
public final class EnvironmentCheck {
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;
    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

    /** Every tracepoint the programs attach to, in the object. */
    static final List<String> ALL_TRACEPOINTS = List.of(Hooks.SENDMSG, Hooks.SEND_LENGTH, Hooks.DEV_QUEUE,
            Hooks.START_XMIT, Hooks.NETIF_RX, "consume_skb", Hooks.TCP_PROBE, "tcp_destroy_sock",
            Hooks.RETRANSMIT, "tcp_retransmit_synack", Hooks.KFREE_SKB, "tcp_send_reset", "tcp_receive_reset",
            Hooks.SET_STATE);

    private EnvironmentCheck() {
    }

    /** The full check: also reads the kernel's BTF to find missing tracepoints (tens of ms: it parses all of it). */
    public static Availability check() {
        return check(true);
    }

    /**
     * The check on the start path: capabilities, BTF present, libbpf usable, without parsing the BTF. The load then
     * tries every hook; only if it fails does the engine read the BTF to learn which tracepoints this kernel lacks.
     */
    static Availability quickCheck() {
        return check(false);
    }

    private static Availability check(boolean readBtf) {
        List<String> problems = new ArrayList<>();
        String caps = capabilityProblem();
        if (caps != null) {
            problems.add(caps);
        }
        if (!Files.isReadable(VMLINUX_BTF)) {
            problems.add("the kernel exposes no BTF at " + VMLINUX_BTF
                    + " (netlat's CO-RE programs need a kernel built with CONFIG_DEBUG_INFO_BTF=y)");
        }
        LibBpf bpf;
        try {
            bpf = LibBpf.load();
        } catch (UnsatisfiedLinkError e) {
            problems.add("libbpf.so.1 was not found (install it: apt-get install libbpf1; netlat needs libbpf >= 1.0): "
                    + e.getMessage());
            return new Availability(problems, Map.of());
        }
        int major;
        int minor;
        try {
            major = bpf.libbpf_major_version();
            minor = bpf.libbpf_minor_version();
        } catch (UnsatisfiedLinkError e) {
            major = 0;
            minor = 0;
        }
        if (major < 1) {
            problems.add("libbpf " + major + "." + minor + " is too old: netlat needs libbpf >= 1.0 (apt-get install libbpf1)");
        }
        Map<Stage, String> unavailable = Map.of();
        if (Files.isReadable(VMLINUX_BTF) && major >= 1) {
            Set<String> missing = readBtf ? kernelFacts(bpf).missingTracepoints() : Hooks.forcedMissing();
            unavailable = Hooks.unavailableStages(missing);
            if (missing.contains(Hooks.DEV_QUEUE)) {
                problems.add("this kernel has no net:net_dev_queue tracepoint, which every stage needs");
            }
        }
        return new Availability(problems, unavailable);
    }

    /** What the running kernel's BTF says: read once per JVM (each read parses the whole vmlinux BTF). */
    record KernelFacts(Set<String> missingTracepoints, Map<Integer, String> dropReasons) {
    }

    private static KernelFacts facts;

    static synchronized KernelFacts kernelFacts(LibBpf bpf) {
        if (facts == null) {
            Set<String> missing = new LinkedHashSet<>(Hooks.forcedMissing());
            try (KernelBtf btf = new KernelBtf(bpf)) {
                for (String tp : ALL_TRACEPOINTS) {
                    if (!btf.hasTracepoint(Hooks.attachedAs(tp))) {
                        missing.add(tp);
                    }
                }
                facts = new KernelFacts(Collections.unmodifiableSet(missing),
                        Collections.unmodifiableMap(btf.enumValues("skb_drop_reason", "SKB_DROP_REASON_")));
            }
        }
        return facts;
    }

    /** Null when the process may load and attach tracing programs; else which capability is missing. */
    static String capabilityProblem() {
        BigInteger eff = effectiveCapabilities();
        if (eff == null) {
            return null; // not Linux /proc: let loading report
        }
        if (eff.testBit(CAP_SYS_ADMIN) || (eff.testBit(CAP_BPF) && eff.testBit(CAP_PERFMON))) {
            return null;
        }
        List<String> lacking = new ArrayList<>();
        if (!eff.testBit(CAP_BPF)) {
            lacking.add("CAP_BPF");
        }
        if (!eff.testBit(CAP_PERFMON)) {
            lacking.add("CAP_PERFMON");
        }
        return "the JVM lacks " + String.join(" and ", lacking)
                + " (loading and attaching tracing programs needs CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN): "
                + "run as root, or grant them, e.g. setpriv --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon java ...";
    }

    static BigInteger effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new BigInteger(line.substring(7).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return null;
        }
        return null;
    }
}
