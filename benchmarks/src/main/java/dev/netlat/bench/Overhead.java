// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.NetworkTracer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The overhead harness, {@code benchmarks/run-overhead.sh}'s main class: runs the steps named by {@code --steps},
 * prints each step's table as it ends and all of them again in a summary at the end, so a long run's result is in
 * one place. benchmarks/README.md says what each step measures and why this way.
 * <ul>
 *   <li>{@code overhead}: {@link OverheadTable}, workloads ({@link StreamWorkload}, {@link EchoWorkload}) against
 *       tracers ({@link NoTracer}, {@link NetlatTracer}, {@link ExternalTracer}) in {@link AbbaRunner}'s ABBA pairs</li>
 *   <li>{@code hooks}: {@link HookCosts}, per-program BPF cost from bpf_stats</li>
 *   <li>{@code lost}: {@link NothingLostCheck}, exact counters at the highest loopback packet rate</li>
 *   <li>{@code scale}: {@link ScaleCheck}, many traced connections and the kernel memory they take</li>
 * </ul>
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.netlat.bench.Overhead [--pairs=150] [--pass-ms=200] ...</pre>
 * {@code --help} lists the options ({@link OverheadOptions}). Every loop is bounded in count and time.
 */
public final class Overhead {
    private final List<String> report = new ArrayList<>();

    private Overhead() {
    }

    public static void main(String[] args) throws Exception {
        Optional<OverheadOptions> opts = OverheadOptions.parse(args);
        if (opts.isEmpty()) {
            OverheadOptions.printUsage();
            return;
        }
        System.out.println("netlat overhead harness: " + opts.get().given());
        System.out.println("availability: " + NetworkTracer.availability());
        new Overhead().run(opts.get());
        System.exit(0);
    }

    private void run(OverheadOptions opts) throws Exception {
        List<String> steps = opts.steps();
        if (steps.contains("overhead")) {
            section("overhead (ABBA):", false, new OverheadTable(opts).run());
        }
        if (steps.contains("hooks")) {
            section("per-program BPF cost:", true, new HookCosts(opts).run());
        }
        if (steps.contains("lost")) {
            section("nothing lost at the highest loopback packet rate:", true, new NothingLostCheck(opts).run());
        }
        if (steps.contains("scale")) {
            section("scale:", true, new ScaleCheck(opts).run());
        }
        System.out.println();
        System.out.println("==== summary ====");
        report.forEach(System.out::println);
    }

    /** Prints a finished step's lines now and keeps them, under a heading, for the summary. */
    private void section(String heading, boolean blankBefore, List<String> lines) {
        System.out.println();
        lines.forEach(System.out::println);
        if (blankBefore) {
            report.add("");
        }
        report.add(heading);
        report.addAll(lines);
    }
}
