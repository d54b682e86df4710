// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/**
 * One of netlat's kernel programs as the kernel reports it ({@code bpf_prog_info}): what {@code bpftool prog show}
 * prints, for netlat's own programs only. For measuring what tracing costs: {@code runTimeNanos / runCount} is the
 * time one run of the program takes.
 *
 * @param name            the program's name ({@code nl_...})
 * @param id              the kernel's program id (for {@code bpftool prog show id N})
 * @param runCount        runs counted while {@code kernel.bpf_stats_enabled} was 1 (0 otherwise: the kernel counts
 *                        only then, because counting costs time on every run)
 * @param runTimeNanos    time spent in those runs
 * @param recursionMisses runs the kernel skipped because another tracing program was running on that CPU
 */
public record KernelProgram(String name, int id, long runCount, long runTimeNanos, long recursionMisses) {
}
