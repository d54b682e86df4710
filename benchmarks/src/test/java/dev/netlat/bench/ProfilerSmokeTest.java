// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.jmh.NetLatProfiler;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * CI smoke: one benchmark, one short iteration, in one fork, with the profiler: the netlat secondary results must
 * appear. Wiring, not speed. Bounded well under 60 s (JVM fork + program load + 0.3 s).
 */
class ProfilerSmokeTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void streamBenchmarkWithTheProfilerReportsNetlatResults() throws Exception {
        requireEngine();
        // JMH serialises runs on this machine through /tmp/jmh.lock and refuses to start when another run (another
        // module's test, someone's benchmark) holds it; this is a wiring check, not a measurement, so share the machine
        System.setProperty("jmh.ignoreLock", "true");
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(StreamBench.class.getName() + ".write16k")
                .param("path", "loopback")
                .addProfiler(NetLatProfiler.class, "stages=SOCKET,QDISC;percentiles=50,99")
                .forks(1)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(300))
                .timeout(TimeValue.seconds(30))
                .shouldFailOnError(true)
                .build()).run();

        assertThat(results).hasSize(1);
        RunResult r = results.iterator().next();
        assertThat(r.getPrimaryResult().getScore()).isPositive();
        Map<String, Result> secondary = r.getSecondaryResults();
        assertThat(secondary).containsKeys("netlat.socket.p0.5", "netlat.socket.p0.99", "netlat.qdisc.p0.5",
                "netlat.qdisc.p0.99", "netlat.writes", "netlat.writes.norm", "netlat.retransmits",
                "netlat.retransmits.norm", "netlat.drops", "netlat.lost");
        assertThat(secondary.get("netlat.writes").getScore()).isPositive();
        assertThat(secondary.get("netlat.socket.p0.5").getScore()).isPositive();
        assertThat(secondary.get("netlat.qdisc.p0.5").getScore()).isNaN(); // lo is noqueue: not applicable
    }

    private static void requireEngine() {
        dev.netlat.capture.KernelRequired.assumeTracingAvailable();
    }
}
