// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Step {@code hooks}: what each of netlat's programs costs per run and per write call, from the kernel's own counters
 * (run_cnt, run_time_ns: what {@code bpftool prog show} prints). The counters run only while
 * {@code kernel.bpf_stats_enabled} is 1, and counting costs time itself, so it is 1 only for this step and restored
 * to its old value after, also on failure.
 */
final class HookCosts {
    private static final Path BPF_STATS = Paths.get("/proc/sys/kernel/bpf_stats_enabled");

    private final OverheadOptions opts;

    HookCosts(OverheadOptions opts) {
        this.opts = opts;
    }

    List<String> run() throws Exception {
        String old = Files.readString(BPF_STATS).trim();
        List<String> lines = new ArrayList<>();
        try {
            Files.writeString(BPF_STATS, "1");
            for (String wname : opts.workloads()) {
                try (Workload w = Workload.open(wname, opts.echoConns())) {
                    for (int i = 0; i < 10; i++) {
                        w.pass(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    measure(w, lines);
                    NetworkTracer.unload();
                }
            }
        } finally {
            Files.writeString(BPF_STATS, old);
        }
        lines.add("kernel.bpf_stats_enabled restored to " + Files.readString(BPF_STATS).trim());
        return lines;
    }

    /** One traced pass of {@code --hook-seconds}; the table lists only programs that ran (or missed) in it. */
    private void measure(Workload w, List<String> lines) throws Exception {
        long seconds = opts.hookSeconds();
        try (NetworkTrace t = NetworkTracer.start()) {
            Map<String, long[]> before = LoadedPrograms.programStats();
            long w0 = w.writesIssued();
            double rate = w.pass(TimeUnit.SECONDS.toNanos(seconds));
            long issued = w.writesIssued() - w0;
            Map<String, long[]> after = LoadedPrograms.programStats();
            t.close();
            lines.add(String.format(Locale.ROOT, "%s, %d s traced with bpf_stats on: %.3f %s, %d write calls, %d packets",
                    w.name(), seconds, rate / w.unitScale(), w.unit(), issued, t.packets()));
            lines.add(String.format(Locale.ROOT, "| %-28s | %12s | %8s | %10s | %12s | %9s |", "program", "runs",
                    "ns/run", "runs/write", "ns per write", "rec.miss"));
            lines.add("|------------------------------|--------------|----------|------------|--------------|-----------|");
            long totalNs = 0;
            for (Map.Entry<String, long[]> e : after.entrySet()) {
                long[] a = e.getValue();
                long[] b = before.getOrDefault(e.getKey(), new long[3]);
                long runs = a[0] - b[0];
                long ns = a[1] - b[1];
                long miss = a[2] - b[2];
                totalNs += ns;
                if (runs == 0 && miss == 0) {
                    continue;
                }
                lines.add(String.format(Locale.ROOT, "| %-28s | %12d | %8.0f | %10.2f | %12.0f | %9d |", e.getKey(), runs,
                        runs == 0 ? 0.0 : (double) ns / runs, (double) runs / Math.max(1, issued),
                        (double) ns / Math.max(1, issued), miss));
            }
            lines.add(String.format(Locale.ROOT, "all programs: %.0f ns of BPF per write call, %.1f %% of one CPU over the run",
                    (double) totalNs / Math.max(1, issued), 100.0 * totalNs / TimeUnit.SECONDS.toNanos(seconds)));
        }
    }
}
