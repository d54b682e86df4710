// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import com.sun.jna.Pointer;
import dev.netlat.Availability;
import dev.netlat.NetlatUnavailableException;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the kernel object once per JVM, attaches every program whose tracepoint this kernel has, and hands out
 * trace windows. Nothing is pinned: programs, links and maps live exactly as long as this JVM's file descriptors.
 *
 * <p>Java reads and writes the object's .bss (struct nl_global) through an mmap of the map, so starting a window and
 * reading histograms costs no syscall; the per-CPU counters are one map lookup, the per-port table a walk of its map.
 */
public final class Engine {
    private static Engine instance;
    private static NetlatUnavailableException failure;

    private final Layout layout = Layout.INSTANCE;
    private final ProgramLoader loader;
    private final KernelMaps maps;
    private final Pointer global;
    private final Map<Stage, String> unavailableStages;
    private final HookPlan plan;
    private final java.util.Set<dev.netlat.LostCause> missingHookCauses;
    /** Per histogram id (stages in Stage order, then RTT): whether its samples can complete on this kernel. */
    private final boolean[] histAvailable;
    private int activeWindows;
    private int portViewWindows;
    private int timeEveryWriteWindows;
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
                } catch (ProgramLoader.ProgramRefused r) {
                    if (attempt > HookVariant.table(Layout.INSTANCE).size()) {
                        throw new NetlatUnavailableException(r.getMessage(), null);
                    }
                    plan.refused(r.program, r.getMessage());
                }
            }
        } catch (NetlatUnavailableException e) {
            failure = e;
            throw e;
        } catch (IllegalArgumentException e) {
            throw e; // a bad netlat.* value is a configuration error to fix, never "tracing unavailable"; not cached
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            failure = new NetlatUnavailableException("netlat could not load its kernel programs: " + e.getMessage(), e);
            throw failure;
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
        this.plan = plan;
        idleDetachAfterMillis(); // a bad value is said at load, not when a window closes
        loader = new ProgramLoader(plan);
        maps = new KernelMaps(loader);
        global = loader.global;
        unavailableStages = plan.unavailableStages();
        missingHookCauses = plan.causesOfMissingHooks();
        histAvailable = new boolean[Counter.HIST_RTT + 1];
        for (int h = 0; h < histAvailable.length; h++) {
            histAvailable[h] = h == Counter.HIST_RTT ? plan.rttAvailable() : !unavailableStages.containsKey(Stage.values()[h]);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(loader::close, "netlat-unload"));
    }

    private void close() {
        loader.close();
    }

    // ---- windows ----

    public NetworkTrace startWindow(TraceOptions options) {
        synchronized (this) {
            if (loader.isClosed()) {
                throw new IllegalStateException("netlat was unloaded");
            }
            if (activeWindows == 0) {
                idleGeneration++; // a detach scheduled by the last window's end no longer applies
                loader.attachAll(); // a no-op unless the programs were detached while idle
                // a new tracing period: stale per-socket state from the last one is reset by the programs, and its
                // row of begun/completed samples starts at zero before the programs see the new epoch
                epoch++;
                for (int h = 0; h < STAGE_ROW; h++) {
                    global.setLong(layout.offset("entered") + 8L * (periodRow(epoch) + h), 0);
                    global.setLong(layout.offset("completed") + 8L * (periodRow(epoch) + h), 0);
                }
                global.setLong(layout.offset("epoch"), epoch);
                maps.clearPortStats();
                maps.recyclePortSlots();
            }
            activeWindows++;
            global.setLong(layout.offset("active"), activeWindows);
            if (options.portViews()) {
                portViewWindows++;
                global.setLong(layout.offset("port_views"), portViewWindows);
            }
            if (options.timeEveryWrite()) {
                timeEveryWriteWindows++;
                global.setLong(layout.offset("time_all"), timeEveryWriteWindows);
            }
        }
        return new TraceWindow(this, options, snapshot(options.portViews()), epoch);
    }

    synchronized void endWindow(TraceOptions options) {
        if (loader.isClosed()) {
            return;
        }
        activeWindows--;
        global.setLong(layout.offset("active"), Math.max(activeWindows, 0));
        if (activeWindows <= 0) {
            scheduleIdleDetach();
        }
        if (options.portViews()) {
            portViewWindows--;
            global.setLong(layout.offset("port_views"), Math.max(portViewWindows, 0));
        }
        if (options.timeEveryWrite()) {
            timeEveryWriteWindows--;
            global.setLong(layout.offset("time_all"), Math.max(timeEveryWriteWindows, 0));
        }
    }

    /**
     * How long the per-packet programs stay attached after the last window closed ({@code netlat.idleDetachAfter},
     * a duration in ms, default 1000; 0 detaches at once). Re-attaching costs 130-330 us per link here (raw
     * tracepoint open, ~14 links: 8-14 ms), so back-to-back windows keep them; a JVM that stops tracing pays nothing
     * after the grace period.
     */
    static long idleDetachAfterMillis() {
        String v = System.getProperty("netlat.idleDetachAfter", "1000").trim();
        try {
            long ms = Long.parseLong(v);
            if (ms >= 0) {
                return ms;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("netlat.idleDetachAfter must be a whole number of milliseconds >= 0, was '" + v + "'");
    }

    private long idleGeneration;

    /** Validated at load; read again at each window's end so a test may change it. */
    private static long idleDetachAfterOrDefault() {
        try {
            return idleDetachAfterMillis();
        } catch (IllegalArgumentException e) {
            return 1000;
        }
    }

    private void scheduleIdleDetach() {
        long generation = ++idleGeneration;
        long after = idleDetachAfterOrDefault();
        if (after == 0) {
            loader.detachIdle();
            return;
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(after);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (Engine.this) {
                if (generation == idleGeneration && activeWindows <= 0) {
                    loader.detachIdle();
                }
            }
        }, "netlat-idle-detach");
        t.setDaemon(true);
        t.start();
    }

    /** Detaches the per-packet programs if no window is open (after a load that opened none, e.g. availability()). */
    public synchronized void idleIfUnused() {
        if (activeWindows == 0) {
            scheduleIdleDetach();
        }
    }

    /** Programs attached now: all of them while a window is open, only those of {@link ProgramLoader#ALWAYS_ATTACHED_HOOKS} else. */
    public synchronized java.util.Set<String> attachedPrograms() {
        return loader.attached();
    }

    /** Time the first start() spent loading, verifying and attaching. */
    public long loadNanos() {
        return loader.loadNanos;
    }

    public Map<Stage, String> unavailableStages() {
        return unavailableStages;
    }

    boolean histAvailable(int hist) {
        return hist >= histAvailable.length || histAvailable[hist]; // decided once, at load: read per window read
    }

    java.util.Set<dev.netlat.LostCause> causesOfMissingHooks() {
        return missingHookCauses;
    }

    boolean rttAvailable() {
        return histAvailable[Counter.HIST_RTT];
    }

    String whyRttUnavailable() {
        return plan.whyRttMissing();
    }

    /** Per hook, the program attached and what was passed over or refused (see {@link HookPlan#describe()}). */
    /** What this kernel does that can make counts short unseen ({@link dev.netlat.Availability#caveats()}). */
    public java.util.Set<dev.netlat.KernelCaveat> caveats() {
        return EnvironmentCheck.kernelFacts(loader.bpf).caveats();
    }

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
        return EnvironmentCheck.kernelFacts(loader.bpf).dropReasons();
    }

    /** A drop reason's name from this kernel's BTF, e.g. NETFILTER_DROP; values past the table are folded. */
    String dropReasonName(int value) {
        if (value >= Layout.INSTANCE.get("const.NL_DROP_REASONS") - 1) {
            return "OTHER(>=" + value + ")";
        }
        String name = dropReasons().get(value);
        return name != null ? name : "REASON_" + value;
    }

    long readGlobal(String field, int index) {
        return global.getLong(layout.offset(field) + 8L * index);
    }

    /**
     * Samples of the current tracing period begun but not yet completed, by metric: a diagnostic for a read that
     * gave up waiting.
     */
    public synchronized Map<dev.netlat.Metric, Long> pendingSamples() {
        Map<dev.netlat.Metric, Long> out = new java.util.EnumMap<>(dev.netlat.Metric.class);
        for (int h : Counter.ALL_HISTS) {
            long pending = readGlobal("entered", periodRow(epoch) + h) - readGlobal("completed", periodRow(epoch) + h);
            out.put(Counter.metric(h), pending);
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
        for (dev.netlat.KernelProgram p : maps.programs()) {
            misses += p.recursionMisses();
        }
        // read before the stage rows a reader then waits on: a write counted here has entered its stages already
        long[] counters = maps.readCounters();
        // runs of the nested programs made up for that many misses of their primaries (netlat.bpf.c)
        misses -= counters[Counter.NESTED];
        return new Snapshot(mono, counters,
                global.getLongArray(layout.offset("lost"), layout.get("const.NL_LOST_CAUSES")),
                global.getLongArray(layout.offset("sum_ns"), 8),
                global.getLongArray(layout.offset("drops_by_reason"), layout.get("const.NL_DROP_REASONS")),
                hist, global.getLong(layout.offset("ev_head")), misses,
                withPorts ? maps.readPortStats() : null);
    }

    /** What the kernel reports of each loaded program. */
    public List<dev.netlat.KernelProgram> programs() {
        return maps.programs();
    }

    /** Entries currently in each map that grows with traffic: what the kernel side holds now. */
    public synchronized Map<String, Integer> mapEntryCounts() {
        return maps.mapEntryCounts();
    }
}
