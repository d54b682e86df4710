// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.Aggregator;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.IterationResultMetaData;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ResultRole;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.results.ThroughputResult;

/** Merging, serialization and NaN of {@link HistogramPercentileResult}; no kernel programs. */
class HistogramPercentileResultTest {
    private static final String P99 = "netlat.socket.p0.99";
    private static final Percentage ONE_PERCENT = Percentage.withPercentage(1);

    private static long[] repeat(long nanos, int n) {
        long[] out = new long[n];
        Arrays.fill(out, nanos);
        return out;
    }

    private static HistogramPercentileResult p99(long... nanos) {
        return HistogramPercentileResult.of(P99, 99, LatencyDistribution.ofSamples(Metric.SOCKET, nanos));
    }

    /** Iteration A: every sample 1 µs; iteration B: every sample 100 µs; as many of each. */
    private static final HistogramPercentileResult A = p99(repeat(1_000, 1000));
    private static final HistogramPercentileResult B = p99(repeat(100_000, 1000));

    @Test
    void oneIterationIsItsPercentileInMicroseconds() {
        assertThat(A.getScore()).isCloseTo(1.0, ONE_PERCENT);
        assertThat(B.getScore()).isCloseTo(100.0, ONE_PERCENT);
        assertThat(A.getScoreUnit()).isEqualTo("us");
        assertThat(A.getLabel()).isEqualTo(P99);
        assertThat(A.getRole()).isEqualTo(ResultRole.SECONDARY);
        assertThat(A.getSampleCount()).isEqualTo(1000);
        assertThat(A.getScoreError()).isNaN();
        assertThat(A.getScoreConfidence()).containsExactly(A.getScore(), A.getScore());
        assertThat(A.toString()).isEqualTo(String.format("%s us", org.openjdk.jmh.util.ScoreFormatter.format(A.getScore())));
    }

    @Test
    void mergingIterationsGivesThePercentileOfTheUnionNotTheAverage() {
        HistogramPercentileResult merged = iterationAggregator(A).aggregate(List.of(A, B));
        // 2000 samples, 1000 at 1 µs and 1000 at 100 µs: the 1980th smallest is 100 µs
        assertThat(merged.getScore()).isCloseTo(100.0, ONE_PERCENT);
        assertThat(merged.getSampleCount()).isEqualTo(2000);
        assertThat(merged.getLabel()).isEqualTo(P99);
        assertThat(merged.distribution().mean().toNanos()).isEqualTo(50_500);

        // what the profiler reported before: the average of the per-iteration p99s, ~50 µs
        ScalarResult a = new ScalarResult(P99, A.getScore(), "us", AggregationPolicy.AVG);
        ScalarResult b = new ScalarResult(P99, B.getScore(), "us", AggregationPolicy.AVG);
        assertThat(iterationAggregator(a).aggregate(List.of(a, b)).getScore()).isCloseTo(50.5, ONE_PERCENT);

        // the median of the union is the 1000th sample: 1 µs
        HistogramPercentileResult p50 = iterationAggregator(A).aggregate(List.of(
                HistogramPercentileResult.of("netlat.socket.p0.5", 50, LatencyDistribution.ofSamples(Metric.SOCKET, repeat(1_000, 1000))),
                HistogramPercentileResult.of("netlat.socket.p0.5", 50, LatencyDistribution.ofSamples(Metric.SOCKET, repeat(100_000, 1000)))));
        assertThat(p50.getScore()).isCloseTo(1.0, ONE_PERCENT);
    }

    @Test
    void threadAggregatorAddsCountsToo() {
        HistogramPercentileResult merged = threadAggregator(A).aggregate(List.of(A, B, B));
        assertThat(merged.getSampleCount()).isEqualTo(3000);
        assertThat(merged.getScore()).isCloseTo(100.0, ONE_PERCENT);
        // merging is associative: (A + B) + B == A + (B + B)
        HistogramPercentileResult ab = iterationAggregator(A).aggregate(List.of(A, B));
        HistogramPercentileResult bb = iterationAggregator(A).aggregate(List.of(B, B));
        assertThat(iterationAggregator(A).aggregate(List.of(ab, B)).distribution().bucketCounts())
                .isEqualTo(iterationAggregator(A).aggregate(List.of(A, bb)).distribution().bucketCounts())
                .isEqualTo(merged.distribution().bucketCounts());
    }

    @Test
    void jmhMergesAcrossIterationsAndForks() {
        // two forks of two iterations each, through JMH's own IterationResult -> BenchmarkResult -> RunResult path
        BenchmarkResult fork1 = new BenchmarkResult(null, List.of(iteration(A), iteration(A)));
        BenchmarkResult fork2 = new BenchmarkResult(null, List.of(iteration(B), iteration(B)));
        assertThat(fork1.getSecondaryResults().get(P99).getScore()).isCloseTo(1.0, ONE_PERCENT);

        Map<String, Result> run = new RunResult(null, List.of(fork1, fork2)).getSecondaryResults();
        Result r = run.get(P99);
        assertThat(r).isInstanceOf(HistogramPercentileResult.class);
        assertThat(r.getScore()).isCloseTo(100.0, ONE_PERCENT);
        assertThat(r.getSampleCount()).isEqualTo(4000);
        assertThat(r.extendedInfo()).contains("p99 of 4000 SOCKET samples");
        // ScalarResults next to it keep their policies
        assertThat(run.get("netlat.writes").getScore()).isEqualTo(40.0);
    }

    @Test
    void anIterationWithoutTheResultAddsNoSamples() {
        IterationResult without = iteration();
        BenchmarkResult fork = new BenchmarkResult(null, List.of(iteration(B), without));
        Result r = fork.getSecondaryResults().get(P99);
        assertThat(r.getScore()).isCloseTo(100.0, ONE_PERCENT);
        assertThat(r.getSampleCount()).isEqualTo(1000);
    }

    @Test
    void emptyHistogramIsNaN() {
        HistogramPercentileResult empty = p99();
        assertThat(empty.getScore()).isNaN();
        assertThat(empty.getSampleCount()).isZero();
        assertThat(empty.toString()).isEqualTo("NaN us");
        assertThat(empty.extendedInfo()).contains("NaN us", "no SOCKET samples");
        assertThat(iterationAggregator(empty).aggregate(List.of(empty, empty)).getScore()).isNaN();
        // an empty iteration does not hide another's samples (an average of NaN and a number is NaN)
        assertThat(iterationAggregator(empty).aggregate(List.of(empty, B)).getScore()).isCloseTo(100.0, ONE_PERCENT);
    }

    @Test
    void notMeasuredStageIsNaNAndSaysWhy() {
        HistogramPercentileResult qdisc = HistogramPercentileResult.of("netlat.qdisc.p0.99", 99,
                LatencyDistribution.notApplicable(Metric.QDISC, "lo is a noqueue device"));
        HistogramPercentileResult merged = iterationAggregator(qdisc).aggregate(List.of(qdisc, qdisc));
        assertThat(merged.getScore()).isNaN();
        assertThat(merged.reason()).isEqualTo("not applicable: lo is a noqueue device");
        assertThat(merged.extendedInfo()).contains("NaN us", "QDISC not applicable: lo is a noqueue device");
        HistogramPercentileResult device = HistogramPercentileResult.of("netlat.device.p0.99", 99,
                LatencyDistribution.unavailable(Metric.DEVICE, "no net_dev_start_xmit tracepoint"));
        assertThat(device.getScore()).isNaN();
        assertThat(device.extendedInfo()).contains("DEVICE unavailable: no net_dev_start_xmit tracepoint");
    }

    @Test
    void serializationRoundTripKeepsTheHistogram() throws Exception {
        HistogramPercentileResult merged = iterationAggregator(A).aggregate(List.of(A, B));
        HistogramPercentileResult copy = roundTrip(merged);
        assertThat(copy.getLabel()).isEqualTo(P99);
        assertThat(copy.getScoreUnit()).isEqualTo("us");
        assertThat(copy.getScore()).isEqualTo(merged.getScore());
        assertThat(copy.getSampleCount()).isEqualTo(2000);
        assertThat(copy.percentile()).isEqualTo(99.0);
        assertThat(copy.metric()).isEqualTo(Metric.SOCKET);
        assertThat(copy.distribution().bucketCounts()).isEqualTo(merged.distribution().bucketCounts());
        assertThat(copy.distribution().sumNanos()).isEqualTo(merged.distribution().sumNanos());
        // and a deserialized result still merges (what the host does with results from the forks)
        assertThat(iterationAggregator(copy).aggregate(List.of(copy, roundTrip(A))).getSampleCount()).isEqualTo(3000);

        HistogramPercentileResult qdisc = roundTrip(HistogramPercentileResult.of("netlat.qdisc.p0.99", 99,
                LatencyDistribution.notApplicable(Metric.QDISC, "noqueue")));
        assertThat(qdisc.getScore()).isNaN();
        assertThat(qdisc.reason()).isEqualTo("not applicable: noqueue");

        // the whole IterationResult, as the fork sends it
        IterationResult ir = roundTrip(iteration(A));
        assertThat(ir.getSecondaryResults().get(P99).getScore()).isCloseTo(1.0, ONE_PERCENT);
    }

    @Test
    void carriesOnlyTheNonEmptyBuckets() throws Exception {
        HistogramPercentileResult r = p99(1_000, 1_000, 5_000, 100_000);
        java.lang.reflect.Field f = HistogramPercentileResult.class.getDeclaredField("buckets");
        f.setAccessible(true);
        assertThat((int[]) f.get(r)).hasSize(3);
    }

    @Test
    void refusesToMergeDifferentResults() {
        HistogramPercentileResult p50 = HistogramPercentileResult.of("netlat.socket.p0.5", 50,
                LatencyDistribution.ofSamples(Metric.SOCKET, 1_000));
        assertThatThrownBy(() -> iterationAggregator(A).aggregate(List.of(A, p50)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("netlat.socket.p0.5");
        HistogramPercentileResult otherStage = HistogramPercentileResult.of(P99, 99,
                LatencyDistribution.ofSamples(Metric.QDISC, 1_000));
        assertThatThrownBy(() -> iterationAggregator(A).aggregate(List.of(A, otherStage)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsBadHistograms() {
        assertThatThrownBy(() -> new HistogramPercentileResult(P99, Metric.SOCKET, 99, new int[] {5, 3}, new long[] {1, 1}, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HistogramPercentileResult(P99, Metric.SOCKET, 99, new int[] {1}, new long[] {1, 2}, 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HistogramPercentileResult(P99, Metric.SOCKET, 0, new int[0], new long[0], 0, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    // ---- helpers ----

    private static IterationResult iteration(Result<?>... secondary) {
        IterationResult ir = new IterationResult(null, null, new IterationResultMetaData(10, 10));
        ir.addResult(new ThroughputResult(ResultRole.PRIMARY, "write1k", 10, 1_000_000, TimeUnit.SECONDS));
        List<Result<?>> all = new ArrayList<>(Arrays.asList(secondary));
        all.add(new ScalarResult("netlat.writes", 10, "#", AggregationPolicy.SUM));
        ir.addResults(all);
        return ir;
    }

    @SuppressWarnings("unchecked")
    private static <T> T roundTrip(T o) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (T) in.readObject();
        }
    }

    /** Result's aggregator getters are protected: call them the way JMH does, through the base class. */
    @SuppressWarnings("unchecked")
    private static <R extends Result<R>> Aggregator<R> iterationAggregator(R r) {
        return (Aggregator<R>) invoke(r, "getIterationAggregator");
    }

    @SuppressWarnings("unchecked")
    private static <R extends Result<R>> Aggregator<R> threadAggregator(R r) {
        return (Aggregator<R>) invoke(r, "getThreadAggregator");
    }

    private static Object invoke(Result<?> r, String method) {
        try {
            java.lang.reflect.Method m = Result.class.getDeclaredMethod(method);
            m.setAccessible(true);
            return m.invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }
}
