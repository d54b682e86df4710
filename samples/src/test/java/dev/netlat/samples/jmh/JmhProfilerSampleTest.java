// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link LoopbackEchoBenchmark} through the JMH {@link Runner} with netlat's profiler, the way a build would run
 * a benchmark suite, and prints the netlat metrics JMH reports next to the score.
 *
 * <p>Deliberately short (one fork, sub-second iterations): this shows the wiring, it is not a measurement to
 * trust. For real numbers run the benchmark with JMH's defaults.
 */
class JmhProfilerSampleTest {

    static final String PROFILER = "dev.netlat.jmh.NetLatProfiler";

    @Test
    void benchmarkWithNetlatProfiler() throws Exception {
        try {
            Class.forName(PROFILER);
        } catch (ClassNotFoundException e) {
            Assumptions.abort(PROFILER + " is not on the classpath (netlat-jmh is missing);"
                    + " skipping the JMH sample");
        }
        Options options = new OptionsBuilder()
                .include(LoopbackEchoBenchmark.class.getName() + ".roundTrip")
                .param("size", "64")
                .addProfiler(PROFILER)
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.milliseconds(500))
                .measurementIterations(2)
                .measurementTime(TimeValue.milliseconds(500))
                .timeout(TimeValue.seconds(30))
                .verbosity(VerboseMode.NORMAL)
                .build();
        long start = System.nanoTime();
        Collection<RunResult> results = new Runner(options).run();
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(60);

        assertThat(results).hasSize(1);
        RunResult run = results.iterator().next();
        System.out.printf("%s (size=64): %.2f %s%n", run.getParams().getBenchmark(),
                run.getPrimaryResult().getScore(), run.getPrimaryResult().getScoreUnit());
        Map<String, Result> secondary = run.getSecondaryResults();
        secondary.forEach((name, r) -> System.out.printf("  %-28s %12.3f %s%n", name, r.getScore(), r.getScoreUnit()));
        assertThat(secondary.keySet()).as("netlat's secondary metrics").anyMatch(k -> k.startsWith("netlat"));
        // Per operation: the client's request and the echo server's reply, two writes. A benchmark whose writes per
        // operation change between versions changed its I/O pattern (split or coalesced writes), whatever its score.
        Result writesPerOp = secondary.get("netlat.writes.norm");
        if (writesPerOp != null) {
            assertThat(writesPerOp.getScore()).isCloseTo(2.0, within(0.1));
        }
    }
}
