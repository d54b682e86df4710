// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.LatencyDistribution;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * One real JMH run of {@link LoopbackWriteBench} in a fork with the profiler. Needs JMH's annotation processor on
 * this module's test classpath (it generates META-INF/BenchmarkList); without it the test is skipped saying so.
 */
class NetLatProfilerRunTest {

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void realRunReportsNetlatSecondaryResults() throws Exception {
        Assumptions.assumeTrue(getClass().getClassLoader().getResource("META-INF/BenchmarkList") != null,
                "JMH's annotation processor did not run on the test sources (add org.openjdk.jmh:jmh-generator-annprocess"
                        + " with test scope to integration-tests/pom.xml)");
        requireEngine();

        // JMH serialises runs on this machine through /tmp/jmh.lock and refuses to start when another run (another
        // module's test, someone's benchmark) holds it; this is a wiring check, not a measurement, so share the machine
        System.setProperty("jmh.ignoreLock", "true");
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(LoopbackWriteBench.class.getName() + ".write1k")
                .addProfiler(NetLatProfiler.class, "stages=SOCKET")
                .forks(1)
                .warmupIterations(0)
                .measurementIterations(2)
                .measurementTime(TimeValue.milliseconds(500))
                .shouldFailOnError(true)
                .build()).run();

        assertThat(results).hasSize(1);
        Map<String, Result> secondary = results.iterator().next().getSecondaryResults();
        assertThat(secondary).containsKeys("netlat.socket.p0.5", "netlat.socket.p0.99", "netlat.socket.p0.999",
                "netlat.writes", "netlat.writes.norm", "netlat.retransmits", "netlat.retransmits.norm", "netlat.drops",
                "netlat.lost");
        assertThat(secondary).doesNotContainKey("netlat.qdisc.p0.5"); // only the stages asked for
        assertThat(secondary.get("netlat.writes").getScore()).isPositive();
        assertThat(secondary.get("netlat.socket.p0.5").getScore()).isPositive();
        assertThat(secondary.get("netlat.writes.norm").getScore()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.2));

        // the run's percentile is the percentile of the iterations' histograms added up (after the trip from the fork)
        HistogramPercentileResult p99 = (HistogramPercentileResult) secondary.get("netlat.socket.p0.99");
        LatencyDistribution sum = null;
        for (BenchmarkResult fork : results.iterator().next().getBenchmarkResults()) {
            for (IterationResult it : fork.getIterationResults()) {
                LatencyDistribution d = ((HistogramPercentileResult) it.getSecondaryResults().get("netlat.socket.p0.99"))
                        .distribution();
                sum = sum == null ? d : sum.plus(d);
            }
        }
        assertThat(sum).isNotNull();
        assertThat(p99.getSampleCount()).isEqualTo(sum.count()).isPositive();
        assertThat(p99.getScore()).isEqualTo(sum.percentileNanosOrNaN(99) / 1000.0);
    }

    private static void requireEngine() {
        dev.netlat.capture.KernelRequired.assumeTracingAvailable();
    }
}
