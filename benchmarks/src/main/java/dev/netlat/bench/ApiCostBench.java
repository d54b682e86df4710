// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The API's own cost: the first start() of a JVM (load + verify + attach), and later windows. The class-level
 * mode, unit and fork count are those of the later-window benchmarks; {@link #firstStart()} sets its own (one shot
 * per fork). Warm-up and measurement stay on each method: JMH fills a method's unset fields from the class's, which
 * would give the single shot an iteration time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class ApiCostBench {

    /** First NetworkTracer.start() in a fresh JVM: one shot per fork. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Fork(5)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    public long firstStart() {
        try (NetworkTrace t = NetworkTracer.start()) {
            return LoadedPrograms.loadNanos();
        }
    }

    @State(Scope.Benchmark)
    public static class Loaded {
        @Setup(Level.Trial)
        public void load() {
            NetworkTracer.start().close(); // programs loaded and attached; kept for later windows
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            NetworkTracer.unload();
        }
    }

    @State(Scope.Benchmark)
    public static class Open {
        NetworkTrace open;

        @Setup(Level.Trial)
        public void open() {
            open = NetworkTracer.start();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            open.close();
            NetworkTracer.unload();
        }
    }

    /** start() + close() of a window once the programs are loaded. */
    @Benchmark
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public boolean window(Loaded loaded) {
        NetworkTrace t = NetworkTracer.start();
        t.close();
        return t.isClosed();
    }

    /** start(), read one stage and the counters, close(): a typical test's window. */
    @Benchmark
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public void windowRead(Loaded loaded, Blackhole bh) {
        try (NetworkTrace t = NetworkTracer.start()) {
            LatencyDistribution d = t.latency(Stage.SOCKET);
            bh.consume(d.count());
            bh.consume(t.writes());
            bh.consume(t.retransmits());
            bh.consume(t.lostEvents());
        }
    }

    /** One counter read on an open window (a snapshot of the shared counters). */
    @Benchmark
    @Warmup(iterations = 3, time = 1)
    @Measurement(iterations = 5, time = 1)
    public long readOpen(Open open) {
        return open.open.writes();
    }
}
