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
            return new Availability(java.util.List.of(), e.unavailableStages(), e.stageHooks(), e.hookPlan());
        } catch (NetlatUnavailableException e) {
            return e.availability() != null ? e.availability()
                    : new Availability(java.util.List.of(e.getMessage()), java.util.Map.of());
        }
    }
}
