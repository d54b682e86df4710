package dev.netlat.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;
import dev.netlat.Availability;
import dev.netlat.NetlatUnavailableException;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the kernel object once per JVM, attaches every program whose tracepoint this kernel has, and hands out
 * trace windows. Nothing is pinned: programs, links and maps live exactly as long as this JVM's file descriptors.
 *
 * <p>Java reads and writes the object's .bss (struct nl_global) through an mmap of the map, so starting a window,
 * reading counters and histograms costs no syscall; only the per-port table is read with map syscalls.
 */
public final class Engine {
    private static Engine instance;
    private static NetlatUnavailableException failure;

    private final LibBpf bpf;
    private final Layout layout = Layout.INSTANCE;
    private final Pointer object;
    private final List<Pointer> links = new ArrayList<>();
    private final Map<String, Integer> programFds = new LinkedHashMap<>();
    private final int portStatsFd;
    private Pointer global;
    private final long globalSize;
    private final Map<Stage, String> unavailableStages;
    private final HookPlan plan;
    private final long loadNanos;
    private final StringBuilder libbpfLog = new StringBuilder();
    private static final int LIBBPF_DEBUG = 2; // enum libbpf_print_level: WARN 0, INFO 1, DEBUG 2
    private final LibBpf.PrintFn printFn = this::onLibbpfLog; // strongly held: libbpf keeps the pointer
    private int activeWindows;
    private int portViewWindows;
    private long epoch;

    /** The engine of this JVM, loading it on first use. Throws {@link NetlatUnavailableException} with the reason. */
    public static synchronized Engine get() {
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            throw failure;
        }
        Availability basics = EnvironmentCheck.check();
        if (!basics.isAvailable()) {
            throw new NetlatUnavailableException(basics); // not cached: a later check may pass
        }
        try {
            HookPlan plan = new HookPlan(HookVariant.table(Layout.INSTANCE),
                    EnvironmentCheck.kernelFacts(LibBpf.load()).hookArgs(),
                    HookPlan.listProperty("netlat.hooks.disable"), HookPlan.listProperty("netlat.hooks.force"));
            // a program the kernel refuses takes only its hook down: load again without it, at most once per program
            for (int attempt = 0; ; attempt++) {
                if (plan.isEmpty()) {
                    throw new NetlatUnavailableException("netlat could not load any of its kernel programs: "
                            + String.join(" | ", plan.describe().values()), null);
                }
                try {
                    instance = new Engine(plan);
                    return instance;
                } catch (ProgramRefused r) {
                    if (attempt > HookVariant.table(Layout.INSTANCE).size()) {
                        throw new NetlatUnavailableException(r.getMessage(), null);
                    }
                    plan.refused(r.program, r.getMessage());
                }
            }
        } catch (NetlatUnavailableException e) {
            failure = e;
            throw e;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            failure = new NetlatUnavailableException("netlat could not load its kernel programs: " + e.getMessage(), e);
            throw failure;
        }
    }

    /** The kernel refused one program (verifier, unknown attach target, attach): the others may still load. */
    static final class ProgramRefused extends RuntimeException {
        final String program;

        ProgramRefused(String program, String why) {
            super(why, null, false, false);
            this.program = program;
        }
    }

    /**
     * Detaches and unloads everything now instead of at JVM exit. Open windows keep what they measured; the next
     * start() loads again.
     */
    public static synchronized void unload() {
        if (instance != null) {
            instance.close();
            instance = null;
        }
    }

    /** The engine if it was loaded, else null (loads nothing). */
    public static synchronized Engine loaded() {
        return instance;
    }

    private Engine(HookPlan plan) {
        long t0 = System.nanoTime();
        bpf = LibBpf.load();
        bpf.libbpf_set_print(printFn);
        this.plan = plan;
        unavailableStages = plan.unavailableStages();

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
            Pointer m = Libc.INSTANCE.mmap(null, globalSize, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED,
                    bpf.bpf_map__fd(bss), 0);
            if (m == null || Pointer.nativeValue(m) == -1L) {
                throw fail("mmap of the programs' global data failed", -Native.getLastError());
            }
            global = m;
            portStatsFd = bpf.bpf_map__fd(bpf.bpf_object__find_map_by_name(object, "port_stats"));
            loaded = true;
        } finally {
            if (!loaded) {
                close();
            }
        }
        loadNanos = System.nanoTime() - t0;
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "netlat-unload"));
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
        ro.setInt(layout.get("knob.packets_in_flight"),
                intProperty("netlat.maps.packetsInFlight", layout.get("const.NL_P_SLOTS")));
        setMaxEntries("socks", "netlat.maps.sockets");
        setMaxEntries("port_stats", "netlat.maps.portStats");
        setMaxEntries("tx_skbs", "netlat.maps.inflightSkbs");
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

    private void setMaxEntries(String map, String property) {
        if (System.getProperty(property) != null) {
            bpf.bpf_map__set_max_entries(bpf.bpf_object__find_map_by_name(object, map), intProperty(property, 16_777_216));
        }
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
            if (!bpf.bpf_program__autoload(p)) {
                continue;
            }
            Pointer link = bpf.bpf_program__attach(p);
            if (link == null) {
                int errno = Native.getLastError();
                throw new ProgramRefused(bpf.bpf_program__name(p), "attaching " + bpf.bpf_program__section_name(p)
                        + " failed: " + Libc.INSTANCE.strerror(errno) + " (errno " + errno + ")" + privilegeHint(errno));
            }
            links.add(link);
            programFds.put(bpf.bpf_program__name(p), bpf.bpf_program__fd(p));
        }
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
        return new ProgramRefused(program, program + " " + what + (verifier.isEmpty() ? "" : "; verifier log ends: " + verifier));
    }

    /** The last lines of the last verifier log libbpf printed, without the statistics line. */
    static String verifierLogTail(String log, int lines) {
        int end = log.lastIndexOf("-- END PROG LOAD LOG --");
        int begin = end < 0 ? -1 : log.lastIndexOf("-- BEGIN PROG LOAD LOG --", end);
        if (begin < 0) {
            return "";
        }
        List<String> kept = new ArrayList<>();
        for (String line : log.substring(begin + "-- BEGIN PROG LOAD LOG --".length(), end).split("\n")) {
            String t = line.trim();
            if (!t.isEmpty() && !t.startsWith("processed ") && !t.startsWith("libbpf:")) {
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
        byte[] line = new byte[1024];
        int n = Libc.INSTANCE.vsnprintf(line, line.length, format, vaList);
        synchronized (libbpfLog) {
            if (libbpfLog.length() < 200_000) {
                libbpfLog.append(new String(line, 0, Math.max(0, Math.min(n, line.length - 1)), StandardCharsets.UTF_8));
            }
        }
        return 0;
    }

    private boolean closed;

    private synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (global != null) {
            global.setLong(layout.offset("active"), 0);
            global.setLong(layout.offset("port_views"), 0);
        }
        for (Pointer l : links) {
            bpf.bpf_link__destroy(l);
        }
        links.clear();
        // the mapping of the global data is deliberately kept: other threads may still be reading results from it
        // (a shutdown hook runs while the application's threads do), and it goes with the process
        if (object != null) {
            bpf.bpf_object__close(object);
        }
    }

    // ---- windows ----

    public NetworkTrace startWindow(TraceOptions options) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("netlat was unloaded");
            }
            if (activeWindows == 0) {
                // a new tracing period: stale per-socket state from the last one is reset by the programs, and its
                // row of begun/completed samples starts at zero before the programs see the new epoch
                epoch++;
                for (int h = 0; h < STAGE_ROW; h++) {
                    global.setLong(layout.offset("entered") + 8L * (periodRow(epoch) + h), 0);
                    global.setLong(layout.offset("completed") + 8L * (periodRow(epoch) + h), 0);
                }
                global.setLong(layout.offset("epoch"), epoch);
                clearPortStats();
            }
            activeWindows++;
            global.setLong(layout.offset("active"), activeWindows);
            if (options.portViews()) {
                portViewWindows++;
                global.setLong(layout.offset("port_views"), portViewWindows);
            }
        }
        return new TraceWindow(this, options, snapshot(options.portViews()), epoch);
    }

    synchronized void endWindow(boolean portViews) {
        if (closed) {
            return;
        }
        activeWindows--;
        global.setLong(layout.offset("active"), Math.max(activeWindows, 0));
        if (portViews) {
            portViewWindows--;
            global.setLong(layout.offset("port_views"), Math.max(portViewWindows, 0));
        }
    }

    /** Time the first start() spent loading, verifying and attaching. */
    public long loadNanos() {
        return loadNanos;
    }

    public Map<Stage, String> unavailableStages() {
        return unavailableStages;
    }

    boolean rttAvailable() {
        return plan.rttAvailable();
    }

    String whyRttUnavailable() {
        return plan.whyRttMissing();
    }

    /** Per hook, the program attached and what was passed over or refused (see {@link HookPlan#describe()}). */
    public Map<String, String> hookPlan() {
        return plan.describe();
    }

    /** Per stage, the attach points it is measured with on this kernel. */
    public Map<Stage, String> stageHooks() {
        return plan.stageHooks();
    }

    /** The kernel's own drop reason names (from BTF), by value. */
    public Map<Integer, String> dropReasons() {
        // read on first use, not at start: parsing the kernel's BTF costs tens of ms and only names drops
        return EnvironmentCheck.kernelFacts(bpf).dropReasons();
    }

    /** A drop reason's name from this kernel's BTF, e.g. NETFILTER_DROP; values past the table are folded. */
    String dropReasonName(int value) {
        if (value >= Layout.INSTANCE.get("const.NL_DROP_REASONS") - 1) {
            return "OTHER(>=" + value + ")";
        }
        String name = dropReasons().get(value);
        return name != null ? name : "REASON_" + value;
    }

    /** The ids of the loaded programs, for leak checks. */
    public List<Integer> programIds() {
        List<Integer> ids = new ArrayList<>();
        for (int fd : programFds.values()) {
            Memory info = progInfo(fd);
            if (info != null) {
                ids.add(info.getInt(layout.get("prog_info.id")));
            }
        }
        return ids;
    }

    /** Per-program run count, run time and recursion misses: {name: [run_cnt, run_time_ns, recursion_misses]}. */
    public Map<String, long[]> programStats() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Integer> e : programFds.entrySet()) {
            Memory info = progInfo(e.getValue());
            if (info != null) {
                out.put(e.getKey(), new long[] {info.getLong(layout.get("prog_info.run_cnt")),
                    info.getLong(layout.get("prog_info.run_time_ns")), info.getLong(layout.get("prog_info.recursion_misses"))});
            }
        }
        return out;
    }

    private Memory progInfo(int fd) {
        int size = layout.get("prog_info.size");
        Memory info = new Memory(size);
        info.clear();
        IntByReference len = new IntByReference(size);
        return bpf.bpf_obj_get_info_by_fd(fd, info, len) == 0 ? info : null;
    }

    long readGlobal(String field, int index) {
        return global.getLong(layout.offset(field) + 8L * index);
    }

    /**
     * Samples of the current tracing period begun but not yet completed, by stage name (RTT last): a diagnostic for
     * a read that gave up waiting.
     */
    public synchronized Map<String, Long> pendingSamples() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int h : Counter.ALL_HISTS) {
            long pending = readGlobal("entered", periodRow(epoch) + h) - readGlobal("completed", periodRow(epoch) + h);
            out.put(Counter.histName(h), pending);
        }
        return out;
    }

    /** Entries per hist id in the kernel's per-period entered/completed rows (netlat.h). */
    private static final int STAGE_ROW = 8;

    /** Index of a tracing period's first entry in the entered/completed rows. */
    static int periodRow(long epoch) {
        return (int) (epoch & 1) * STAGE_ROW;
    }

    Pointer global() {
        return global;
    }

    Layout layout() {
        return layout;
    }

    Snapshot snapshot(boolean withPorts) {
        long mono = System.nanoTime();
        int hists = layout.get("const.NL_HISTS");
        int slots = layout.get("const.NL_SLOTS");
        long[][] hist = new long[hists][];
        long histOff = layout.offset("hist");
        for (int h = 0; h < hists; h++) {
            hist[h] = global.getLongArray(histOff + 8L * slots * h, slots);
        }
        long misses = 0;
        for (long[] s : programStats().values()) {
            misses += s[2];
        }
        return new Snapshot(mono,
                global.getLongArray(layout.offset("counters"), layout.get("const.NL_COUNTERS")),
                global.getLongArray(layout.offset("lost"), layout.get("const.NL_LOST_CAUSES")),
                global.getLongArray(layout.offset("sum_ns"), 8),
                global.getLongArray(layout.offset("drops_by_reason"), layout.get("const.NL_DROP_REASONS")),
                hist, global.getLong(layout.offset("ev_head")), misses,
                withPorts ? readPortStats() : null);
    }

    private Map<Long, Long> readPortStats() {
        Map<Long, Long> out = new HashMap<>();
        Memory key = new Memory(8);
        Memory next = new Memory(8);
        Memory value = new Memory(8);
        Pointer prev = null;
        // bounded: the map cannot hold more than its max_entries
        for (int i = 0; i < 16_777_216; i++) {
            if (bpf.bpf_map_get_next_key(portStatsFd, prev, next) != 0) {
                break;
            }
            if (bpf.bpf_map_lookup_elem(portStatsFd, next, value) == 0) {
                out.put(next.getLong(0), value.getLong(0));
            }
            key.setLong(0, next.getLong(0));
            prev = key;
        }
        return out;
    }

    /** Entries currently in each map that grows with traffic: what the kernel side holds now. */
    public synchronized Map<String, Integer> mapEntryCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String name : List.of("socks", "traced_socks", "tx_skbs", "port_stats")) {
            Pointer map = bpf.bpf_object__find_map_by_name(object, name);
            int fd = bpf.bpf_map__fd(map);
            Memory key = new Memory(8);
            Memory next = new Memory(8);
            Pointer prev = null;
            int n = 0;
            while (n < 16_777_216 && bpf.bpf_map_get_next_key(fd, prev, next) == 0) {
                n++;
                key.setLong(0, next.getLong(0));
                prev = key;
            }
            out.put(name, n);
        }
        return out;
    }

    private void clearPortStats() {
        Memory next = new Memory(8);
        for (int i = 0; i < 16_777_216; i++) {
            if (bpf.bpf_map_get_next_key(portStatsFd, null, next) != 0) {
                break;
            }
            bpf.bpf_map_delete_elem(portStatsFd, next);
        }
    }
}
