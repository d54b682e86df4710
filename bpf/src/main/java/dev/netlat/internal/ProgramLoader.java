// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.LongByReference;
import dev.netlat.KernelCaveat;
import dev.netlat.NetlatUnavailableException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Opens the committed object, sets its knobs and map sizes, loads the programs of a {@link HookPlan}, attaches them
 * and maps the programs' global data. A program the kernel refuses comes back as {@link ProgramRefused}, so the
 * engine can load again without it. Nothing is pinned: all of it lives as long as this JVM's file descriptors.
 */
final class ProgramLoader {
    final LibBpf bpf;
    private final Layout layout = Layout.INSTANCE;
    private final Pointer object;
    /** Attached programs' links by program name. */
    private final Map<String, Pointer> links = new LinkedHashMap<>();
    /** Loaded programs by name, attached or not. */
    private final Map<String, Pointer> programs = new LinkedHashMap<>();
    /**
     * Hooks whose programs stay attached while no window is open: socket state must not outlive its socket (its
     * address gets reused), and retransmits are counted as the growth of the socket's own total_retrans, so every
     * retransmit must be seen to keep the baseline. Neither fires per packet.
     */
    static final java.util.Set<String> ALWAYS_ATTACHED_HOOKS = java.util.Set.of("destroy_sock", "retransmit", "retransmit_nested");

    /** Loaded programs by name: their fds, for per-program statistics. */
    final Map<String, Integer> programFds = new LinkedHashMap<>();
    final int portStatsFd;
    /** The object's .bss (struct nl_global), mmap-ed: windows read and write it without a syscall. */
    Pointer global;
    /** The per-socket port counters (port_hot, struct nl_port_hot[portSlots]), mmap-ed the same way. */
    Pointer portHot;
    /** Slots in port_hot ({@code netlat.maps.portSlots}). */
    int portSlots;
    private final long globalSize;
    private final HookPlan plan;
    final long loadNanos;
    private final StringBuilder libbpfLog = new StringBuilder();
    private static final int LIBBPF_LOG_KEPT = 200_000;
    private static final int LIBBPF_DEBUG = 2; // enum libbpf_print_level: WARN 0, INFO 1, DEBUG 2
    private final LibBpf.PrintFn printFn = this::onLibbpfLog; // strongly held: libbpf keeps the pointer
    private boolean closed;

    /** Programs of {@link #ALWAYS_ATTACHED_HOOKS}, by name. */
    private static final java.util.Set<String> ALWAYS_ATTACHED = HookVariant.table(Layout.INSTANCE).stream()
            .filter(v -> ALWAYS_ATTACHED_HOOKS.contains(v.hook())).map(HookVariant::program)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    private static boolean alwaysAttached(String program) {
        return ALWAYS_ATTACHED.contains(program);
    }

    /** Nested programs must come after their primary on the attach point: the tracepoint calls them in that order. */
    private static boolean isNested(String program) {
        return program.endsWith("_nested");
    }

    /** The kernel refused one program (verifier, unknown attach target, attach): the others may still load. */
    static final class ProgramRefused extends RuntimeException {
        final String program;

        ProgramRefused(String program, String why) {
            super(why, null, false, false);
            this.program = program;
        }
    }

    ProgramLoader(HookPlan plan) {
        long t0 = System.nanoTime();
        bpf = LibBpf.load();
        bpf.libbpf_set_print(printFn);
        this.plan = plan;

        byte[] image = Layout.resource("netlat.bpf.o");
        Memory buf = new Memory(image.length);
        buf.write(0, image, 0, image.length);
        object = bpf.bpf_object__open_mem(buf, image.length, null);
        if (object == null) {
            throw fail("opening the BPF object failed", -Native.getLastError());
        }
        boolean loaded = false;
        try {
            configure();
            int err = bpf.bpf_object__load(object);
            if (err < 0) {
                throw refusal(err);
            }
            attach();
            Pointer bss = bpf.bpf_object__find_map_by_name(object, ".bss");
            globalSize = bpf.bpf_map__value_size(bss);
            if (globalSize < layout.get("size.global")) {
                throw new IllegalStateException(".bss is " + globalSize + " bytes, netlat.layout expects "
                        + layout.get("size.global") + ": object and layout are out of step, run build.sh");
            }
            global = mmapMap(".bss", globalSize);
            portSlots = bpf.bpf_map__max_entries(bpf.bpf_object__find_map_by_name(object, "port_hot"));
            portHot = mmapMap("port_hot", (long) layout.get("size.port_hot") * portSlots);
            portStatsFd = bpf.bpf_map__fd(bpf.bpf_object__find_map_by_name(object, "port_stats"));
            loaded = true;
        } finally {
            if (!loaded) {
                close();
            }
        }
        loadNanos = System.nanoTime() - t0;
    }

    /** A map the programs share with Java without syscalls (.bss, port_hot), mapped read-write. */
    private Pointer mmapMap(String name, long size) {
        Pointer m = Libc.INSTANCE.mmap(null, size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, mapFd(name), 0);
        if (m == null || Pointer.nativeValue(m) == -1L) {
            throw fail("mmap of the programs' map " + name + " failed", -Native.getLastError());
        }
        return m;
    }

    private void configure() {
        Pointer rodata = bpf.bpf_object__find_map_by_name(object, ".rodata");
        LongByReference size = new LongByReference();
        Pointer ro = bpf.bpf_map__initial_value(rodata, size);
        if (ro == null || size.getValue() < layout.get("size.knobs")) {
            throw new IllegalStateException("the object's .rodata (struct nl_knobs) is missing: object and layout are out of step");
        }
        ro.setInt(layout.get("knob.target_tgid"), (int) ProcessHandle.current().pid()); // only this JVM's sockets
        ro.setInt(layout.get("knob.writes_in_flight"),
                intProperty("netlat.maps.writesInFlight", layout.get("const.NL_W_SLOTS")));
        ro.setInt(layout.get("knob.settle_at_queue"), plan.has("tcp_probe") ? 0 : 1);
        ro.setInt(layout.get("knob.listen_overflow_reason"), listenOverflowReason());
        // a kernel that can skip the retransmit hook unseen: ACKs pick up what its events did not bring
        ro.setInt(layout.get("knob.retrans_catch_up"),
                EnvironmentCheck.kernelFacts(bpf).caveats().contains(KernelCaveat.HIDES_EVENTS_WHILE_PID1_RUNS) ? 1 : 0);
        // testing only: the queue (ACK) hook acts as if every Nth new-data packet's (segment's) run had been skipped
        ro.setInt(layout.get("knob.hide_queue_every"), testKnob("netlat.test.hideQueueEvery"));
        ro.setInt(layout.get("knob.hide_ack_every"), testKnob("netlat.test.hideAckEvery"));
        ro.setInt(layout.get("knob.packets_in_flight"),
                intProperty("netlat.maps.packetsInFlight", layout.get("const.NL_P_SLOTS")));
        setMaxEntries("socks", "netlat.maps.sockets", 16_777_216);
        setMaxEntries("port_stats", "netlat.maps.portStats", 16_777_216);
        // the programs take slots below NL_PORT_SLOTS only
        setMaxEntries("port_hot", "netlat.maps.portSlots", layout.get("const.NL_PORT_SLOTS"));
        setMaxEntries("tx_skbs", "netlat.maps.inflightSkbs", 16_777_216);
        Map<String, String> retargeted = retargeted();
        for (Pointer p = bpf.bpf_object__next_program(object, null); p != null; p = bpf.bpf_object__next_program(object, p)) {
            String name = bpf.bpf_program__name(p);
            bpf.bpf_program__set_autoload(p, plan.loads(name));
            String target = retargeted.get(name);
            if (plan.loads(name) && target != null) {
                // libbpf looks the target up at once: a tracepoint the kernel lacks fails here, as it would at load
                int err = bpf.bpf_program__set_attach_target(p, 0, target);
                if (err < 0) {
                    throw new ProgramRefused(name, "the kernel has no attach target " + target + " (netlat.hooks.retarget): "
                            + Libc.INSTANCE.strerror(-err));
                }
            }
        }
    }

    /** This kernel's value of SKB_DROP_REASON_TCP_LISTEN_OVERFLOW (numbering differs per kernel), 0 if it lacks it. */
    private int listenOverflowReason() {
        return EnvironmentCheck.kernelFacts(bpf).dropReasons().entrySet().stream()
                .filter(e -> "TCP_LISTEN_OVERFLOW".equals(e.getValue())).mapToInt(Map.Entry::getKey).findFirst().orElse(0);
    }

    /**
     * Programs sent to another target than their own: {@code -Dnetlat.hooks.retarget=nl_start_xmit:no_such_tp} (a
     * testing aid). Unlike {@code netlat.hooks.disable} the kernel itself is asked for a target it lacks, which
     * exercises the path of a kernel that refuses one program: only that program's hook is lost.
     */
    static Map<String, String> retargeted() {
        String v = System.getProperty("netlat.hooks.retarget", "").trim();
        Map<String, String> out = new HashMap<>();
        for (String pair : v.isEmpty() ? new String[0] : v.split("\\s*,\\s*")) {
            int colon = pair.indexOf(':');
            if (colon <= 0 || colon == pair.length() - 1) {
                throw new IllegalArgumentException("netlat.hooks.retarget takes program:target pairs, comma-separated, "
                        + "e.g. nl_start_xmit:no_such_tracepoint; was '" + v + "'");
            }
            out.put(pair.substring(0, colon), pair.substring(colon + 1));
        }
        return out;
    }

    private void setMaxEntries(String map, String property, int max) {
        if (System.getProperty(property) != null) {
            bpf.bpf_map__set_max_entries(bpf.bpf_object__find_map_by_name(object, map), intProperty(property, max));
        }
    }

    /** A testing knob (netlat.h): a whole number in 1..65535 when set, 0 (off) when unset. */
    private static int testKnob(String property) {
        return System.getProperty(property) == null ? 0 : intProperty(property, 65_535);
    }

    /** A size property, validated: a whole number in 1..max; max when unset. */
    private static int intProperty(String property, int max) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            return max;
        }
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + " must be a whole number of entries, was '" + v + "'");
        }
        if (n < 1 || n > max) {
            throw new IllegalArgumentException(property + " must be within 1.." + max + ", was " + n);
        }
        return n;
    }

    private void attach() {
        for (Pointer p = bpf.bpf_object__next_program(object, null); p != null; p = bpf.bpf_object__next_program(object, p)) {
            if (bpf.bpf_program__autoload(p)) {
                programs.put(bpf.bpf_program__name(p), p);
                programFds.put(bpf.bpf_program__name(p), bpf.bpf_program__fd(p));
            }
        }
        attachAll();
    }

    /** Attaches every loaded program not attached yet: a window opens. Returns how many were attached. */
    synchronized int attachAll() {
        int n = 0;
        List<Map.Entry<String, Pointer>> order = new ArrayList<>(programs.entrySet());
        order.sort(java.util.Comparator.comparing(e -> isNested(e.getKey()))); // stable: primaries first
        for (Map.Entry<String, Pointer> e : order) {
            if (links.containsKey(e.getKey())) {
                continue;
            }
            Pointer link = bpf.bpf_program__attach(e.getValue());
            if (link == null) {
                int errno = Native.getLastError();
                throw new ProgramRefused(e.getKey(), "attaching " + bpf.bpf_program__section_name(e.getValue())
                        + " failed: " + Libc.INSTANCE.strerror(errno) + " (errno " + errno + ")" + privilegeHint(errno));
            }
            links.put(e.getKey(), link);
            n++;
        }
        return n;
    }

    /**
     * Detaches the per-packet programs: no window is open, so nothing of this JVM's traffic (or anyone else's) runs
     * them. The programs and maps stay loaded: the next window re-attaches in a few syscalls.
     */
    synchronized void detachIdle() {
        if (closed) {
            return;
        }
        links.entrySet().removeIf(e -> {
            if (alwaysAttached(e.getKey())) {
                return false;
            }
            bpf.bpf_link__destroy(e.getValue());
            return true;
        });
    }

    /** Names of the programs attached now. */
    synchronized java.util.Set<String> attached() {
        return java.util.Set.copyOf(links.keySet());
    }

    private NetlatUnavailableException fail(String what, int err) {
        String reason = what + ": " + Libc.INSTANCE.strerror(Math.abs(err)) + " (errno " + Math.abs(err) + ")"
                + privilegeHint(Math.abs(err));
        String log = libbpfLog.toString().trim();
        if (!log.isEmpty()) {
            reason += "\nlibbpf said:\n" + tail(log, 4000);
        }
        return new NetlatUnavailableException(reason, null);
    }

    /** EPERM/EACCES mean missing privileges only when the effective capabilities lack them (read, not guessed). */
    private static String privilegeHint(int errno) {
        if (errno != 1 && errno != 13) {
            return "";
        }
        String caps = EnvironmentCheck.capabilityProblem();
        return caps != null ? "; " + caps : "";
    }

    /**
     * A failed load, blamed on the program libbpf names: its verifier log's last lines say why. What still works is
     * decided by the caller, which loads again without it.
     */
    private RuntimeException refusal(int err) {
        String log = libbpfLog.toString();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("prog '(\\w+)': failed to load").matcher(log);
        String program = null;
        while (m.find()) {
            program = m.group(1);
        }
        if (program == null) {
            return fail("loading the BPF programs failed", err);
        }
        int errno = Math.abs(err);
        String verifier = verifierLogTail(log, 6);
        String what = errno == 13 && !verifier.isEmpty() ? "rejected by this kernel's verifier"
                : errno == 1 && EnvironmentCheck.capabilityProblem() == null
                        ? "not allowed by this kernel although the JVM has CAP_BPF and CAP_PERFMON (EPERM: e.g. no BPF"
                                + " trampoline for fentry/fexit here, or lockdown)"
                        : "refused by the kernel: " + Libc.INSTANCE.strerror(errno) + " (errno " + errno + ")"
                                + privilegeHint(errno);
        // no verifier log: the kernel refused it before verifying (BTF, attach target); libbpf's last lines say how
        String said = verifier.isEmpty() ? libbpfLines(log, 3) : "";
        return new ProgramRefused(program, program + " " + what + (verifier.isEmpty()
                ? (said.isEmpty() ? "" : "; libbpf said: " + said) : "; verifier log ends: " + verifier));
    }

    /** The last lines of the last verifier log libbpf printed, without the statistics line. */
    static String verifierLogTail(String log, int lines) {
        int end = log.lastIndexOf("-- END PROG LOAD LOG --");
        int begin = end < 0 ? -1 : log.lastIndexOf("-- BEGIN PROG LOAD LOG --", end);
        if (begin < 0) {
            return "";
        }
        return lastLines(log.substring(begin + "-- BEGIN PROG LOAD LOG --".length(), end), lines,
                t -> !t.startsWith("processed ") && !t.startsWith("libbpf:"));
    }

    /** The last non-empty lines of libbpf's log, joined. */
    static String libbpfLines(String log, int lines) {
        return lastLines(log, lines, t -> true);
    }

    /** The last {@code lines} non-empty, trimmed lines of {@code text} that {@code keep} accepts, joined by " / ". */
    private static String lastLines(String text, int lines, java.util.function.Predicate<String> keep) {
        List<String> kept = new ArrayList<>();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (!t.isEmpty() && keep.test(t)) {
                kept.add(t);
            }
        }
        return String.join(" / ", kept.subList(Math.max(0, kept.size() - lines), kept.size()));
    }

    private static String tail(String s, int max) {
        return s.length() <= max ? s : "..." + s.substring(s.length() - max);
    }

    private int onLibbpfLog(int level, String format, Pointer vaList) {
        if (level >= LIBBPF_DEBUG) {
            return 0; // thousands per load (every CO-RE relocation), each a JNA upcall: ~30 ms of the first start
        }
        // whole: a verifier log comes as one message, and its end says why the program was refused
        com.sun.jna.ptr.PointerByReference out = new com.sun.jna.ptr.PointerByReference();
        if (Libc.INSTANCE.vasprintf(out, format, vaList) < 0 || out.getValue() == null) {
            return 0;
        }
        String line = out.getValue().getString(0, StandardCharsets.UTF_8.name());
        Libc.INSTANCE.free(out.getValue());
        synchronized (libbpfLog) {
            libbpfLog.append(line);
            if (libbpfLog.length() > LIBBPF_LOG_KEPT) {
                libbpfLog.delete(0, libbpfLog.length() - LIBBPF_LOG_KEPT); // the ends of the logs are what is read
            }
        }
        return 0;
    }

    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (global != null) {
            global.setLong(layout.offset("active"), 0);
            global.setLong(layout.offset("port_views"), 0);
            global.setLong(layout.offset("time_all"), 0);
        }
        for (Pointer l : links.values()) {
            bpf.bpf_link__destroy(l);
        }
        links.clear();
        // the mapping of the global data is deliberately kept: other threads may still be reading results from it
        // (a shutdown hook runs while the application's threads do), and it goes with the process
        if (object != null) {
            bpf.bpf_object__close(object);
        }
    }

    synchronized boolean isClosed() {
        return closed;
    }

    int mapFd(String name) {
        return bpf.bpf_map__fd(bpf.bpf_object__find_map_by_name(object, name));
    }
}
