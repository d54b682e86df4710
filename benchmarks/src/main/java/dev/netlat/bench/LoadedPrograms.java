// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.KernelProgram;
import dev.netlat.NetworkTracer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the benchmarks read about netlat's loaded kernel programs, in the shapes the harness's steps use. Each method
 * needs the programs loaded (a window started since the last unload).
 */
final class LoadedPrograms {
    private LoadedPrograms() {
    }

    /** Nanoseconds the last load spent loading, verifying and attaching the programs. */
    static long loadNanos() {
        return NetworkTracer.lastLoadDuration().orElseThrow(() -> new IllegalStateException("netlat is not loaded"))
                .toNanos();
    }

    /** The kernel ids of the loaded programs, to find the maps they use. */
    static List<Integer> programIds() {
        return NetworkTracer.programs().stream().map(KernelProgram::id).toList();
    }

    /** Per program name: [run_cnt, run_time_ns, recursion_misses] (the kernel counts runs and
     * run time only while kernel.bpf_stats_enabled is 1). */
    static Map<String, long[]> programStats() {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (KernelProgram p : NetworkTracer.programs()) {
            out.put(p.name(), new long[] {p.runCount(), p.runTimeNanos(), p.recursionMisses()});
        }
        return out;
    }
}
