// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.Availability;
import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.profile.Profiler;
import org.openjdk.jmh.profile.ProfilerException;
import org.openjdk.jmh.results.Result;

/** Options, result names and NaN behaviour of {@link NetLatProfiler}; none of these load kernel programs. */
class NetLatProfilerTest {
    private static final Availability AVAILABLE = new Availability(List.of(), Map.of());

    private static NetLatProfiler.Settings parse(String line) throws ProfilerException {
        return new NetLatProfiler(line, AVAILABLE).settings();
    }

    // ---- options ----

    @Test
    void defaultsWhenNoOptions() throws Exception {
        NetLatProfiler.Settings s = parse("");
        assertThat(s.stages()).containsExactly(Stage.values());
        assertThat(s.percentiles()).containsExactly(50.0, 99.0, 99.9);
        assertThat(s.port()).isNull();
        assertThat(s.timeEveryWrite()).isFalse();
    }

    @Test
    void parsesAllOptionsSemicolonSeparated() throws Exception {
        NetLatProfiler.Settings s = parse("stages=SOCKET,QDISC;percentiles=50,99,99.9;port=8080;timeEveryWrite=true");
        assertThat(s.stages()).containsExactly(Stage.SOCKET, Stage.QDISC);
        assertThat(s.percentiles()).containsExactly(50.0, 99.0, 99.9);
        assertThat(s.port()).isEqualTo(8080);
        assertThat(s.timeEveryWrite()).isTrue();
    }

    @Test
    void timeEveryWriteTakesOnlyTrueOrFalse() {
        assertThatThrownBy(() -> parse("timeEveryWrite=yes"))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("timeEveryWrite must be true or false, was 'yes'");
    }

    @Test
    void stagesAreCaseInsensitiveAndDeduplicated() throws Exception {
        assertThat(parse("stages=total, socket,TOTAL").stages()).containsExactly(Stage.TOTAL, Stage.SOCKET);
        assertThat(parse("percentiles=90,100,90").percentiles()).containsExactly(90.0, 100.0);
    }

    @Test
    void unknownStageNamesTheValueAndTheValidStages() {
        assertThatThrownBy(() -> parse("stages=SOCKET,QDISK"))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("'QDISK'")
                .hasMessageContaining("SOCKET,QDISC,DEVICE,TOTAL,ACK");
    }

    @ParameterizedTest
    @CsvSource({"abc", "0", "101", "-5", "NaN"})
    void badPercentileNamesTheValueAndTheValidRange(String bad) {
        assertThatThrownBy(() -> parse("percentiles=50," + bad))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("'" + bad + "'")
                .hasMessageContaining("(0, 100]");
    }

    @ParameterizedTest
    @CsvSource({"0", "65536", "http", "-1"})
    void badPortNamesTheValueAndTheValidRange(String bad) {
        assertThatThrownBy(() -> parse("port=" + bad))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("'" + bad + "'")
                .hasMessageContaining("1..65535");
    }

    @Test
    void unknownOptionIsRejectedWithTheOptionList() {
        assertThatThrownBy(() -> parse("stages=SOCKET;colour=blue"))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("'colour'")
                .hasMessageContaining("stages, percentiles, port")
                .hasMessageContaining("port");
    }

    @Test
    void missingValueIsRejected() {
        assertThatThrownBy(() -> parse("stages")).isInstanceOf(ProfilerException.class).hasMessageContaining("stages");
    }

    @Test
    void helpListsTheOptions() {
        assertThatThrownBy(() -> parse("help"))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("stages")
                .hasMessageContaining("percentiles")
                .hasMessageContaining("port");
    }

    @Test
    void ourCopyOfJmhParsingBehavesTheSame() throws Exception {
        joptsimple.OptionParser parser = new joptsimple.OptionParser();
        joptsimple.OptionSpec<String> a = parser.accepts("a").withRequiredArg();
        assertThat(JmhProfilerOptions.parseLikeJmh("a=1,2", parser).valueOf(a)).isEqualTo("1,2");
        assertThatThrownBy(() -> JmhProfilerOptions.parseLikeJmh("b=1", new joptsimple.OptionParser()))
                .isInstanceOf(ProfilerException.class).hasMessageContaining("b");
    }

    @Test
    void unavailableTracingFailsTheConstructorWithTheReason() {
        Availability no = new Availability(List.of("not running as root (need CAP_BPF and CAP_PERFMON)"), Map.of());
        assertThatThrownBy(() -> new NetLatProfiler("stages=SOCKET", no))
                .isInstanceOf(ProfilerException.class)
                .hasMessageContaining("netlat cannot trace here")
                .hasMessageContaining("not running as root");
    }

    @Test
    void badOptionsAreReportedEvenWhenUnavailable() {
        Availability no = new Availability(List.of("no BTF"), Map.of());
        assertThatThrownBy(() -> new NetLatProfiler("stages=NOPE", no)).hasMessageContaining("'NOPE'");
    }

    @Test
    void registeredForJmhDiscoveryWithAConstructorThatNeverThrows() {
        List<Class<?>> found = ServiceLoader.load(Profiler.class).stream().map(ServiceLoader.Provider::type)
                .collect(Collectors.toList());
        assertThat(found).contains(NetLatProfiler.class);
        assertThat(new NetLatProfiler()).isInstanceOf(InternalProfiler.class);
        assertThat(new NetLatProfiler().getDescription()).contains("netlat");
    }

    // ---- names ----

    @ParameterizedTest
    @CsvSource({
        "SOCKET, 50, netlat.socket.p0.5",
        "QDISC, 99, netlat.qdisc.p0.99",
        "SOCKET, 99.9, netlat.socket.p0.999",
        "TOTAL, 99.99, netlat.total.p0.9999",
        "ACK, 100, netlat.ack.p1",
        "DEVICE, 0.5, netlat.device.p0.005"})
    void percentileNames(Stage stage, double p, String expected) {
        assertThat(NetLatProfiler.percentileName(stage, p)).isEqualTo(expected);
    }

    // ---- results ----

    @Test
    void resultsCarryEveryMetricWithUnitsAndNaNWhereNothingWasMeasured() throws Exception {
        Map<Stage, LatencyDistribution> lat = new EnumMap<>(Stage.class);
        lat.put(Stage.SOCKET, LatencyDistribution.ofSamples(Metric.SOCKET, 10_000, 20_000, 30_000, 40_000));
        lat.put(Stage.QDISC, LatencyDistribution.notApplicable(Metric.QDISC, "noqueue device"));
        lat.put(Stage.DEVICE, LatencyDistribution.unavailable(Metric.DEVICE, "no tracepoint"));
        lat.put(Stage.TOTAL, LatencyDistribution.ofSamples(Metric.TOTAL));
        lat.put(Stage.ACK, LatencyDistribution.ofSamples(Metric.ACK, 5_000));
        StubView view = new StubView(lat, 400, 3, 2);

        List<Result<?>> rs = NetLatProfiler.results(parse("percentiles=50,99"), view, 7, 200);
        Map<String, Result<?>> by = rs.stream().collect(Collectors.toMap(Result::getLabel, Function.identity()));

        assertThat(by).containsOnlyKeys("netlat.socket.p0.5", "netlat.socket.p0.99", "netlat.qdisc.p0.5",
                "netlat.qdisc.p0.99", "netlat.device.p0.5", "netlat.device.p0.99", "netlat.total.p0.5",
                "netlat.total.p0.99", "netlat.ack.p0.5", "netlat.ack.p0.99", "netlat.writes", "netlat.writes.norm",
                "netlat.writes.timed", "netlat.retransmits", "netlat.retransmits.norm", "netlat.drops", "netlat.lost");
        assertThat(by.get("netlat.socket.p0.5").getScoreUnit()).isEqualTo("us");
        assertThat(by.get("netlat.socket.p0.5")).isInstanceOf(HistogramPercentileResult.class);
        assertThat(by.get("netlat.socket.p0.5").getSampleCount()).isEqualTo(4);
        assertThat(by.get("netlat.socket.p0.5").getScore()).isCloseTo(20.0, org.assertj.core.data.Percentage.withPercentage(1.5));
        assertThat(by.get("netlat.socket.p0.99").getScore()).isCloseTo(40.0, org.assertj.core.data.Percentage.withPercentage(1.5));
        assertThat(by.get("netlat.qdisc.p0.99").getScore()).isNaN();   // not applicable
        assertThat(by.get("netlat.qdisc.p0.99").extendedInfo()).contains("NaN us", "QDISC not applicable: noqueue device");
        assertThat(by.get("netlat.device.p0.5").getScore()).isNaN();   // unavailable
        assertThat(by.get("netlat.total.p0.5").getScore()).isNaN();    // no samples
        assertThat(by.get("netlat.ack.p0.5").getScore()).isCloseTo(5.0, org.assertj.core.data.Percentage.withPercentage(1.5));
        assertThat(by.get("netlat.writes").getScore()).isEqualTo(400.0);
        assertThat(by.get("netlat.writes.norm").getScore()).isEqualTo(2.0);
        assertThat(by.get("netlat.writes.norm").getScoreUnit()).isEqualTo("#/op");
        assertThat(by.get("netlat.writes.timed").getScore()).isEqualTo(400.0);
        assertThat(by.get("netlat.retransmits").getScore()).isEqualTo(3.0);
        assertThat(by.get("netlat.retransmits").getScoreUnit()).isEqualTo("#");
        assertThat(by.get("netlat.retransmits.norm").getScore()).isEqualTo(0.015);
        assertThat(by.get("netlat.drops").getScore()).isEqualTo(2.0);
        assertThat(by.get("netlat.lost").getScore()).isEqualTo(7.0);
    }

    @Test
    void perOperationMetricsAreNaNWithoutOperations() throws Exception {
        Map<Stage, LatencyDistribution> lat = new EnumMap<>(Stage.class);
        for (Stage s : Stage.values()) {
            lat.put(s, LatencyDistribution.ofSamples(Metric.of(s)));
        }
        List<Result<?>> rs = NetLatProfiler.results(parse("stages=SOCKET;percentiles=99"), new StubView(lat, 0, 0, 0), 0, 0);
        Map<String, Double> by = rs.stream().collect(Collectors.toMap(Result::getLabel, Result::getScore));
        assertThat(by.get("netlat.socket.p0.99")).isNaN();
        assertThat(by.get("netlat.writes.norm")).isNaN();
        assertThat(by.get("netlat.retransmits.norm")).isNaN();
        assertThat(by.get("netlat.writes")).isZero();
    }

    @Test
    void countsSumAndPercentilesComeFromTheMergedHistogram() throws Exception {
        Map<Stage, LatencyDistribution> lat = new EnumMap<>(Stage.class);
        lat.put(Stage.SOCKET, LatencyDistribution.ofSamples(Metric.SOCKET, 10_000));
        NetLatProfiler.Settings s = parse("stages=SOCKET;percentiles=50,100");
        List<Result<?>> one = NetLatProfiler.results(s, new StubView(lat, 10, 1, 0), 0, 10);
        lat.put(Stage.SOCKET, LatencyDistribution.ofSamples(Metric.SOCKET, 30_000, 30_000));
        List<Result<?>> two = NetLatProfiler.results(s, new StubView(lat, 10, 1, 0), 0, 10);
        Map<String, Double> merged = new java.util.HashMap<>();
        for (int i = 0; i < one.size(); i++) {
            Result<?> agg = aggregateIterations(one.get(i), two.get(i));
            merged.put(agg.getLabel(), agg.getScore());
        }
        // samples 10, 30, 30 µs: the median is 30 µs (the average of the iterations' medians would be 20 µs)
        assertThat(merged.get("netlat.socket.p0.5")).isCloseTo(30.0, org.assertj.core.data.Percentage.withPercentage(1.5));
        assertThat(merged.get("netlat.socket.p1")).isCloseTo(30.0, org.assertj.core.data.Percentage.withPercentage(1.5));
        assertThat(merged.get("netlat.retransmits")).isEqualTo(2.0);
        assertThat(merged.get("netlat.writes")).isEqualTo(20.0);
        assertThat(merged.get("netlat.retransmits.norm")).isEqualTo(0.1);
    }

    /** What JMH does with per-iteration secondary results (Result.getIterationAggregator() is protected). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static Result<?> aggregateIterations(Result<?> a, Result<?> b) throws Exception {
        java.lang.reflect.Method m = Result.class.getDeclaredMethod("getIterationAggregator");
        m.setAccessible(true);
        org.openjdk.jmh.results.Aggregator agg = (org.openjdk.jmh.results.Aggregator) m.invoke(a);
        return agg.aggregate(List.of(a, b));
    }

    /** A view with fixed numbers. */
    private record StubView(Map<Stage, LatencyDistribution> lat, long writes, long retransmits, long drops)
            implements NetworkView {
        public LatencyDistribution latency(Stage stage) {
            return lat.getOrDefault(stage, LatencyDistribution.ofSamples(Metric.of(stage)));
        }

        public LatencyDistribution rtt() {
            return LatencyDistribution.ofSamples(Metric.RTT);
        }

        public long bytes() {
            return writes * 100;
        }

        public long packets() {
            return writes;
        }

        public long timedWrites() {
            return writes;
        }

        public long timedPackets() {
            return writes;
        }

        public Map<RetransmitKind, Long> retransmitsByKind() {
            return Map.of();
        }

        public long retransmittedBytes() {
            return 0;
        }

        public Map<String, Long> dropsByReason() {
            return Map.of();
        }

        public long resetsSent() {
            return 0;
        }

        public long resetsReceived() {
            return 0;
        }

        public long connectionsOpened() {
            return 0;
        }

        public long connectionsClosed() {
            return 0;
        }

        public long listenOverflows() {
            return 0;
        }

        public List<NetworkEvent> events() {
            return List.of();
        }
    }
}
