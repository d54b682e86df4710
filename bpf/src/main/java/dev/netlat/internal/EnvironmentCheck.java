// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import dev.netlat.Availability;
import dev.netlat.Capability;
import dev.netlat.KernelCaveat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Checks, without loading any BPF program, whether tracing can run here, and says why not. */
public final class EnvironmentCheck {
    static final Path VMLINUX_BTF = Path.of("/sys/kernel/btf/vmlinux");

    private EnvironmentCheck() {
    }

    /** What must hold before anything is loaded: capabilities, the kernel's BTF, a usable libbpf. */
    public static Availability check() {
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
        return new Availability(problems, Map.of());
    }

    /**
     * What the running kernel's BTF says: read once per JVM (each read parses the whole vmlinux BTF).
     *
     * @param caveats conditions of this kernel under which events are not seen and not counted as skipped
     */
    record KernelFacts(Map<String, Integer> hookArgs, Map<Integer, String> dropReasons, Set<KernelCaveat> caveats) {
    }

    private static KernelFacts facts;

    /**
     * For every attach point of hooks.h, the arguments the kernel gives it (-1: it lacks it), and the drop-reason
     * names. One parse of the whole vmlinux BTF (tens of ms), once per JVM.
     */
    static synchronized KernelFacts kernelFacts(LibBpf bpf) {
        if (facts == null) {
            Map<String, Integer> args = new java.util.HashMap<>();
            try (KernelBtf btf = new KernelBtf(bpf)) {
                for (HookVariant v : HookVariant.table(Layout.INSTANCE)) {
                    args.put(v.attachPoint(), v.isTracepoint() ? btf.tracepointArgs(v.target()) : btf.functionArgs(v.target()));
                }
                facts = new KernelFacts(Map.copyOf(args),
                        Collections.unmodifiableMap(btf.enumValues("skb_drop_reason", "SKB_DROP_REASON_")),
                        btf.structHasMember("bpf_prog_aux", "init_owned")
                                ? Set.of(KernelCaveat.HIDES_EVENTS_WHILE_PID1_RUNS) : Set.of());
            }
        }
        return facts;
    }

    /** Null when the process may load and attach tracing programs; else which capability is missing. */
    static String capabilityProblem() {
        java.util.Set<Capability> eff = Capability.effective().orElse(null);
        if (eff == null) {
            return null; // not Linux /proc: let loading report
        }
        if (eff.contains(Capability.SYS_ADMIN) || eff.containsAll(List.of(Capability.BPF, Capability.PERFMON))) {
            return null;
        }
        List<String> lacking = new ArrayList<>();
        for (Capability c : List.of(Capability.BPF, Capability.PERFMON)) {
            if (!eff.contains(c)) {
                lacking.add(c.kernelName());
            }
        }
        return "the JVM lacks " + String.join(" and ", lacking)
                + " (loading and attaching tracing programs needs CAP_BPF + CAP_PERFMON, or CAP_SYS_ADMIN): "
                + "run the build as root (sudo -E mvn ...), give a container --cap-add BPF --cap-add PERFMON "
                + "(Kubernetes: securityContext.capabilities.add [BPF, PERFMON]), or give a test-only JDK copy file "
                + "capabilities (sudo setcap cap_bpf,cap_perfmon+ep <jdk>/bin/java); README, \"In CI\"";
    }
}
