// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.internal.Engine;
import java.util.List;
import java.util.Map;

/**
 * What the benchmarks read about netlat's loaded kernel programs that the public API ({@code dev.netlat.NetworkTracer},
 * {@code NetworkTrace}) does not expose: the time of the last load, the program ids and bpf_stats per program. The one
 * place the benchmarks reach into {@code dev.netlat.internal}, so that a change there breaks one small file. Each
 * method needs the programs loaded (a window started since the last unload).
 */
final class LoadedPrograms {
    private LoadedPrograms() {
    }

    /** Nanoseconds the last load spent loading, verifying and attaching the programs. */
    static long loadNanos() {
        return Engine.loaded().loadNanos();
    }

    /** The kernel ids of the loaded programs, to find the maps they use. */
    static List<Integer> programIds() {
        return Engine.loaded().programIds();
    }

    /** Per program name: [run_cnt, run_time_ns, recursion_misses] (the kernel counts runs and
     * run time only while kernel.bpf_stats_enabled is 1). */
    static Map<String, long[]> programStats() {
        return Engine.loaded().programStats();
    }
}
