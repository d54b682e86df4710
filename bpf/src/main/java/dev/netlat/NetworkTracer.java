// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import dev.netlat.internal.Engine;

/**
 * The entry point. {@code try (NetworkTrace trace = NetworkTracer.start()) { ... }} traces the TCP sockets of this
 * JVM for the duration of the block. The kernel programs are loaded and attached once per JVM, on the first start,
 * and reused by every later window; they go away with the JVM (nothing is pinned).
 */
public final class NetworkTracer {
    private NetworkTracer() {
    }

    /** Starts a window with default options. Throws {@link NetlatUnavailableException} when tracing cannot run here. */
    public static NetworkTrace start() {
        return start(TraceOptions.defaults());
    }

    public static NetworkTrace start(TraceOptions options) {
        return Engine.get().startWindow(options);
    }

    /**
     * Loads, verifies and attaches the kernel programs now, so the first {@link #start()} does not wait for them (a
     * few hundred ms in a fresh JVM: JNA, the kernel's BTF, the verifier). The per-packet programs are detached again
     * after the idle grace period if no window opens. Throws {@link NetlatUnavailableException} when tracing cannot
     * run here; the JUnit extension calls it in the background as a test session opens.
     */
    public static void preload() {
        Engine.get().idleIfUnused();
    }

    /**
     * Whether the kernel programs are loaded in this JVM (by {@link #preload()}, {@link #start()} or
     * {@link #availability()}), without loading them.
     */
    public static boolean isLoaded() {
        return Engine.loaded() != null;
    }

    /**
     * netlat's kernel programs loaded in this JVM, as the kernel reports them (ids, and run counts and times while
     * {@code kernel.bpf_stats_enabled} is 1); empty when none are loaded. Reads them without loading anything.
     */
    public static java.util.List<KernelProgram> programs() {
        Engine e = Engine.loaded();
        return e == null ? java.util.List.of() : e.programs();
    }

    /**
     * How long the last load took to open, verify and attach the programs (JNA's own start-up and reading the
     * kernel's BTF not included); empty when none are loaded.
     */
    public static java.util.Optional<java.time.Duration> lastLoadDuration() {
        Engine e = Engine.loaded();
        return e == null ? java.util.Optional.empty() : java.util.Optional.of(java.time.Duration.ofNanos(e.loadNanos()));
    }

    /**
     * Detaches and unloads the kernel programs now rather than at JVM exit (they are otherwise kept for the next
     * window). Windows already closed keep their results; the next {@link #start()} loads again.
     */
    public static void unload() {
        Engine.unload();
    }

    /**
     * Whether tracing can run here, and if not, why; when it can, which hook each stage uses on this kernel and which
     * stages are unavailable. Tells what a load does by doing it: the programs are loaded (and stay loaded for the
     * first window, idle until then) unless the capabilities, the kernel's BTF or libbpf are missing.
     */
    public static Availability availability() {
        try {
            Engine e = Engine.get(); // checks capabilities, BTF and libbpf first, loading nothing when they are missing
            e.idleIfUnused();
            return new Availability(java.util.List.of(), e.unavailableStages(), e.stageHooks(), e.hookPlan(),
                    e.caveats());
        } catch (NetlatUnavailableException e) {
            return e.availability() != null ? e.availability()
                    : new Availability(java.util.List.of(e.getMessage()), java.util.Map.of());
        }
    }
}
