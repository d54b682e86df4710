// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.TraceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Step {@code overhead}: every workload against every tracer with {@link AbbaRunner}, one JVM and one warm connection
 * per workload, and the table of median B/A ratios with the A-vs-A row beside the tracer rows as the run's noise
 * floor. Tracers in other processes get {@code --bt-pairs} pairs, fewer than {@code --pairs}, as each B block waits
 * for their start.
 */
final class OverheadTable {
    private final OverheadOptions opts;
    private final List<String> notes = new ArrayList<>();

    OverheadTable(OverheadOptions opts) {
        this.opts = opts;
    }

    /** Runs the step, printing a line per row as it finishes; returns the table and its notes. */
    List<String> run() throws Exception {
        long passNanos = TimeUnit.MILLISECONDS.toNanos(opts.passMs());
        List<AbbaRunner.Result> results = new ArrayList<>();
        for (String wname : opts.workloads()) {
            try (Workload w = Workload.open(wname, opts.echoConns())) {
                for (int i = 0; i < 15; i++) { // warm up JIT and connection
                    w.pass(passNanos);
                }
                for (String t : opts.tracers()) {
                    Tracer tracer = tracer(t);
                    if (tracer == null) {
                        continue;
                    }
                    int n = tracer instanceof ExternalTracer ? opts.btPairs() : opts.pairs();
                    long t0 = System.nanoTime();
                    long writes0 = w.writesIssued();
                    AbbaRunner.Result r = AbbaRunner.run(w, tracer, n, passNanos);
                    results.add(r);
                    System.out.printf(Locale.ROOT, "  %-18s %-22s pairs=%d median(B/A)=%.3f  (%.0f s)%n", r.workload(),
                            r.tracer(), r.pairs(), r.median(), (System.nanoTime() - t0) / 1e9);
                    note(w, tracer, writes0);
                }
            }
        }
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "pass = %d ms, ABBA order, ratio = traced (B) / untraced (A) per pair", opts.passMs()));
        table.add(String.format(Locale.ROOT, "| %-16s | %-22s | %5s | %-22s | %-22s | %-11s | %-15s |", "workload", "tracer (B)",
                "pairs", "A median", "B median", "median B/A", "B/A p25..p75"));
        table.add("|------------------|------------------------|-------|------------------------|------------------------|-------------|-----------------|");
        for (AbbaRunner.Result r : results) {
            table.add(String.format(Locale.ROOT, "| %-16s | %-22s | %5d | %-22s | %-22s | %11.3f | %6.3f..%-6.3f |", r.workload(),
                    r.tracer(), r.pairs(), String.format(Locale.ROOT, "%.3f %s", Stats.median(r.a()) / r.scale(), r.unit()),
                    String.format(Locale.ROOT, "%.3f %s", Stats.median(r.b()) / r.scale(), r.unit()), r.median(),
                    Stats.quantile(r.ratios(), 0.25), Stats.quantile(r.ratios(), 0.75)));
        }
        table.addAll(notes);
        return table;
    }

    /** The tracer named on the command line, or null (with a note saying why) when what it needs is not there. */
    private Tracer tracer(String t) {
        switch (t) {
            case "aa":
                return new NoTracer();
            case "netlat":
                return new NetlatTracer("netlat", TraceOptions.defaults());
            case "netlat-noports":
                return new NetlatTracer("netlat, portViews(false)", TraceOptions.defaults().portViews(false));
            case "netlat-every":
                return new NetlatTracer("netlat, timeEveryWrite(true)", TraceOptions.defaults().timeEveryWrite(true));
            case "netlat-idle":
                return new NetlatIdleTracer();
            case "bpftrace": {
                Path script = opts.btScript();
                if (!Files.isRegularFile(script)) {
                    notes.add("bpftrace skipped: no script at " + script.toAbsolutePath());
                    return null;
                }
                return new ExternalTracer("bpftrace nettxlat.bt", List.of("bpftrace", script.toString(), "{port}"),
                        "nettxlat: tracing");
            }
            case "floor": {
                Path attach = opts.floorDir().resolve("attach");
                if (!Files.isExecutable(attach)) {
                    notes.add("floor skipped: " + attach.toAbsolutePath() + " not built (benchmarks/floor/build.sh)");
                    return null;
                }
                return new ExternalTracer("empty programs (floor)",
                        List.of(attach.toString(), opts.floorDir().resolve("floor.bpf.o").toString()), "attached");
            }
            default:
                throw new IllegalArgumentException("unknown tracer '" + t + "'; valid: aa, floor, netlat, netlat-noports, netlat-every, netlat-idle,"
                        + " bpftrace");
        }
    }

    /** Set-up cost per B block, outside the timing but part of what a user waits for. */
    private void note(Workload w, Tracer tracer, long writes0) {
        if (tracer instanceof NetlatTracer nl) {
            notes.add(String.format(Locale.ROOT, "%s: netlat load+attach per B block: median %.0f ms (%d loads); "
                            + "writes counted in B windows %d (issued in all passes %d)", w.name(),
                    Stats.median(nl.loadMillis()), nl.loadMillis().length, nl.tracedWrites(), w.writesIssued() - writes0));
        }
        if (tracer instanceof ExternalTracer ext) {
            notes.add(String.format(Locale.ROOT, "%s: %s start until probes attached: median %.0f ms (%d starts)",
                    w.name(), ext.name(), Stats.median(ext.startMillis()), ext.startMillis().length));
            System.out.println("  last " + ext.name() + " output:\n" + ext.lastOutput().indent(4));
        }
    }
}
