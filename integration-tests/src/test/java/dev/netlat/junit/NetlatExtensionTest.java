// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.ReportWriter;
import static dev.netlat.assertj.NetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netlat.NetlatUnavailableException;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/**
 * The extension run through EngineTestKit with fake traces ({@code netlat.traceFactory}) or simulated
 * unavailability: none of these need the kernel engine.
 */
class NetlatExtensionTest {

    @TempDir
    Path reports;

    @BeforeEach
    void resetFake() {
        FakeTraceFactory.reset(FakeTrace::new);
    }

    // ---------------------------------------------------------------- unavailable

    @TestKitScenario
    @TraceNetwork
    static class Unavailable {
        static volatile boolean beforeEachRan;

        @BeforeEach
        void setUp() {
            beforeEachRan = true;
        }

        @Test
        void traced(NetworkTrace trace) {
        }
    }

    @Test
    void unavailableTracingSkipsWithTheReasonByDefault() {
        Unavailable.beforeEachRan = false;
        EngineExecutionResults r = TestKit.runFake(Unavailable.class, reports,
                NetlatConfig.SIMULATE_UNAVAILABLE, "CAP_BPF missing: run as root or grant cap_bpf,cap_perfmon");
        r.testEvents().assertStatistics(s -> s.started(1).aborted(1).failed(0).succeeded(0));
        Throwable t = TestKit.aborts(r).get(0);
        assertThat(t).isInstanceOf(TestAbortedException.class);
        assertThat(t.getMessage())
                .startsWith("netlat cannot trace here: CAP_BPF missing: run as root or grant cap_bpf,cap_perfmon")
                .contains("skipped NetlatExtensionTest.Unavailable.traced() (@TraceNetwork)")
                .contains("set netlat.unavailable=fail to fail instead");
        assertThat(Unavailable.beforeEachRan).as("@BeforeEach is not run for a skipped traced test").isFalse();
    }

    @Test
    void failPolicyFailsTheTest() {
        EngineExecutionResults r = TestKit.runFake(Unavailable.class, reports,
                NetlatConfig.SIMULATE_UNAVAILABLE, "no BTF at /sys/kernel/btf/vmlinux", NetlatConfig.UNAVAILABLE, "fail");
        r.testEvents().assertStatistics(s -> s.started(1).aborted(0).failed(1));
        assertThat(TestKit.failures(r).get(0)).isInstanceOf(NetlatUnavailableException.class)
                .hasMessageContaining("netlat cannot trace here: no BTF at /sys/kernel/btf/vmlinux")
                .hasMessageContaining("failing NetlatExtensionTest.Unavailable.traced()")
                .hasMessageContaining("netlat.unavailable=fail");
    }

    @Test
    void unknownPolicyIsAConfigurationError() {
        EngineExecutionResults r = TestKit.runFake(Unavailable.class, reports,
                NetlatConfig.SIMULATE_UNAVAILABLE, "x", NetlatConfig.UNAVAILABLE, "ignore");
        assertThat(TestKit.failures(r).get(0)).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("netlat.unavailable must be 'skip' or 'fail', was 'ignore'");
    }

    @Test
    void unknownPolicyIsAConfigurationErrorAlsoWhereTracingRuns() {
        dev.netlat.capture.KernelRequired.assumeTracingAvailable();
        EngineExecutionResults r = TestKit.runReal(Unavailable.class, reports, NetlatConfig.UNAVAILABLE, "maybe");
        assertThat(TestKit.failures(r)).as("a typo is said at once, not only the day tracing is unavailable")
                .singleElement().isInstanceOf(ExtensionConfigurationException.class)
                .satisfies(e -> assertThat(e).hasMessageContaining("netlat.unavailable must be 'skip' or 'fail', was 'maybe'"));
    }

    @Test
    void ciIsRecognisedByItsUsualVariablesSoTheDefaultThereIsFail() {
        assertThat(NetlatExtension.ciEnvironment(Map.of("CI", "true"))).isEqualTo("CI");
        assertThat(NetlatExtension.ciEnvironment(Map.of("GITHUB_ACTIONS", "true"))).isEqualTo("GITHUB_ACTIONS");
        assertThat(NetlatExtension.ciEnvironment(Map.of("GITLAB_CI", "true", "CI", "false"))).isEqualTo("GITLAB_CI");
        assertThat(NetlatExtension.ciEnvironment(Map.of("CI", "false"))).isNull();
        assertThat(NetlatExtension.ciEnvironment(Map.of("HOME", "/root"))).isNull();
    }

    // ---------------------------------------------------------------- injection

    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    @TraceNetwork(ports = 8080)
    @interface Traced8080 {
    }

    @TraceNetwork(ports = 8080)
    abstract static class TracedBase {
    }

    @TestKitScenario
    @TraceNetwork
    static class Injection {
        @Test
        void trace(NetworkTrace trace) {
            assertThat(trace).isNotNull();
            assertThat(trace.isClosed()).isFalse();
            assertThat(trace.writes()).isEqualTo(100);
        }

        @Test
        void view(NetworkView view) {
            assertThat(view.writes()).isEqualTo(100);
        }

        @Test
        @TraceNetwork(ports = 8081)
        void methodLevelPortsWin(NetworkTrace trace) {
            assertThat(trace.writes()).isEqualTo(4);
            assertThatThrownBy(() -> trace.port(8080)).hasMessageContaining("port 8080 is not traced by this test");
            assertThat(trace.port(8081).writes()).isEqualTo(4);
        }

        @Nested
        @TraceNetwork(ports = {8080, 8081})
        class NestedSeveralPorts {
            @Test
            void merged(NetworkTrace trace) {
                assertThat(trace.writes()).isEqualTo(7);
                assertThat(trace.latency(Stage.SOCKET).count()).isEqualTo(3);
            }
        }

        @Nested
        class NestedInheritsOuter {
            @Test
            void whole(NetworkTrace trace) {
                assertThat(trace.writes()).isEqualTo(100);
            }
        }
    }

    @TestKitScenario
    static class Inherited extends TracedBase {
        @Test
        void narrowed(NetworkTrace trace) {
            assertThat(trace.writes()).isEqualTo(3);
        }
    }

    @TestKitScenario
    @Traced8080
    static class MetaAnnotated {
        @Test
        void narrowed(NetworkTrace trace) {
            assertThat(trace.writes()).isEqualTo(3);
        }
    }

    @TestKitScenario
    static class MethodOnly {
        @Test
        @TraceNetwork
        void traced(NetworkTrace trace) {
            assertThat(trace.writes()).isEqualTo(100);
        }

        @Test
        void notTraced() {
        }
    }

    static FakeTrace portsFake() {
        FakeTrace a = new FakeTrace().with(Stage.SOCKET, 1_000, 2_000);
        a.writes = 3;
        FakeTrace b = new FakeTrace().with(Stage.SOCKET, 5_000);
        b.writes = 4;
        FakeTrace t = new FakeTrace().port(8080, a).port(8081, b);
        t.writes = 100;
        return t;
    }

    @Test
    void injectsTheTraceNarrowedToPortsAtClassMethodNestedInheritedAndMetaLevel() {
        FakeTraceFactory.reset(NetlatExtensionTest::portsFake);
        for (Class<?> c : List.of(Injection.class, Inherited.class, MetaAnnotated.class, MethodOnly.class)) {
            FakeTraceFactory.started.clear();
            EngineExecutionResults r = TestKit.runFake(c, reports);
            assertThat(TestKit.failures(r)).as(c.getSimpleName()).isEmpty();
            assertThat(TestKit.aborts(r)).as(c.getSimpleName()).isEmpty();
            assertThat(r.testEvents().succeeded().count()).as(c.getSimpleName()).isGreaterThan(0);
            assertThat(FakeTraceFactory.started).as(c.getSimpleName())
                    .hasSize((int) r.testEvents().succeeded().count() - (c == MethodOnly.class ? 1 : 0))
                    .allSatisfy(t -> assertThat(t.isClosed()).isTrue());
        }
    }

    // ---------------------------------------------------------------- window

    @TestKitScenario
    @TraceNetwork(window = Window.LIFECYCLE)
    static class Lifecycle {
        static NetworkTrace seenBefore;
        static NetworkTrace seenAfter;

        @BeforeEach
        void before(NetworkTrace trace) {
            seenBefore = trace;
            assertThat(trace.isClosed()).isFalse();
        }

        @Test
        void test(NetworkTrace trace) {
            assertThat(trace).isSameAs(seenBefore);
        }

        @AfterEach
        void after(NetworkTrace trace) {
            seenAfter = trace;
            assertThat(trace.isClosed()).isFalse();
        }
    }

    @TestKitScenario
    @TraceNetwork
    static class TestWindowRejectsLifecycleInjection {
        @BeforeEach
        void before(NetworkTrace trace) {
        }

        @Test
        void test() {
        }
    }

    @Test
    void lifecycleWindowCoversBeforeAndAfterEach() {
        EngineExecutionResults r = TestKit.runFake(Lifecycle.class, reports);
        assertThat(TestKit.failures(r)).isEmpty();
        assertThat(Lifecycle.seenAfter).isSameAs(Lifecycle.seenBefore);
        assertThat(Lifecycle.seenAfter.isClosed()).isTrue();

        EngineExecutionResults r2 = TestKit.runFake(TestWindowRejectsLifecycleInjection.class, reports);
        assertThat(TestKit.failures(r2).get(0)).isInstanceOf(ParameterResolutionException.class)
                .hasMessageContaining("before() of NetlatExtensionTest.TestWindowRejectsLifecycleInjection.test() asks for a NetworkTrace")
                .hasMessageContaining("@TraceNetwork(window = Window.LIFECYCLE)");
    }

    // ---------------------------------------------------------------- budgets, summary, report

    @TestKitScenario
    @TraceNetwork
    static class Budgets {
        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "10ms")
        @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "2.6ms")
        void passes() {
        }

        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "2ms")
        @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "1s")
        void fails() {
        }

        @Test
        @LatencyBudget(stage = Stage.TOTAL, percentile = 99.9, below = "1s")
        void tooFewSamples() {
        }

        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "1ns")
        void testFailureWins() {
            throw new IllegalStateException("boom");
        }
    }

    static FakeTrace budgetFake() {
        FakeTrace t = new FakeTrace().with(Stage.SOCKET, FakeTrace.spread(1000, 10_000, 5_000_000))
                .with(Stage.TOTAL, FakeTrace.spread(500, 20_000, 30_000));
        t.writes = 1000;
        t.bytes = 1_024_000;
        return t;
    }

    @Test
    void budgetsPassAndFailWithTheHistogram() throws Exception {
        FakeTraceFactory.reset(NetlatExtensionTest::budgetFake);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        EngineExecutionResults r;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r = TestKit.runFake(Budgets.class, reports);
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        r.testEvents().assertStatistics(s -> s.started(4).succeeded(1).failed(3));

        Throwable fails = TestKit.failureOf(r, "fails");
        assertThat(fails).isInstanceOf(AssertionFailedError.class);
        assertThat(fails.getMessage())
                .startsWith("netlat: 1 of 2 latency budgets of NetlatExtensionTest.Budgets.fails() violated:")
                .contains("@LatencyBudget(stage = SOCKET, percentile = 99, below = \"2ms\") violated:")
                .contains("Expected SOCKET p99 below 2.00ms, but it was 4.9")
                .contains("measured over 1000 writes")
                .contains("Why it matters")
                .contains("SOCKET latency, 1000 samples")
                .containsPattern("p50=\\S+ p90=\\S+ p99=\\S+ p99.9=\\S+ max=")
                .doesNotContain("percentile = 50");

        assertThat(TestKit.failureOf(r, "tooFewSamples").getMessage())
                .contains("@LatencyBudget(stage = TOTAL, percentile = 99.9, below = \"1s\") violated")
                .contains("too few samples to tell: 500 writes measured, p99.9 needs at least 1000");

        assertThat(TestKit.failureOf(r, "testFailureWins")).isInstanceOf(IllegalStateException.class)
                .hasNoSuppressedExceptions();

        // one summary line per stage and the counters, on stdout and as report entries
        assertThat(out).contains("[netlat] NetlatExtensionTest.Budgets.passes() window=TEST ports=all")
                .containsPattern("\\[netlat\\]   SOCKET n=1000 p50=\\S+ p90=\\S+ p99=\\S+ p99.9=\\S+ max=\\S+")
                .contains("[netlat]   QDISC  n=0")
                .contains("[netlat]   writes=1000 bytes=1024000 packets=0 retransmits=0 drops=0")
                .contains("budget SOCKET p99 < 10ms: PASSED");
        List<ReportEntry> entries = r.allEvents().reportingEntryPublished().stream()
                .map(e -> e.getRequiredPayload(ReportEntry.class)).collect(Collectors.toList());
        assertThat(entries).anySatisfy(e -> assertThat(e.getKeyValuePairs()).containsKeys("netlat.socket",
                "netlat.counters", "netlat.report", "netlat.budgets"));

        // JSON report per test
        try (Stream<Path> files = Files.list(reports)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                    "NetlatExtensionTest.Budgets.passes.json", "NetlatExtensionTest.Budgets.fails.json",
                    "NetlatExtensionTest.Budgets.tooFewSamples.json", "NetlatExtensionTest.Budgets.testFailureWins.json");
        }
        JsonNode json = ReportWriter.mapper().readTree(reports.resolve("NetlatExtensionTest.Budgets.fails.json").toFile());
        assertThat(json.at("/schemaVersion").asInt()).isEqualTo(1);
        assertThat(json.at("/test/className").asText()).isEqualTo(Budgets.class.getName());
        assertThat(json.at("/window").asText()).isEqualTo("TEST");
        assertThat(json.at("/stages/socket/count").asLong()).isEqualTo(1000);
        assertThat(json.at("/stages/socket/p99Nanos").asDouble()).isBetween(4_800_000.0, 5_100_000.0);
        assertThat(json.at("/stages/socket/buckets").size()).isGreaterThan(10);
        assertThat(json.at("/counters/bytes").asLong()).isEqualTo(1_024_000);
        assertThat(json.at("/budgets").size()).isEqualTo(2);
        assertThat(json.at("/budgets/0/status").asText()).isEqualTo("FAILED");
        assertThat(json.at("/budgets/0/message").asText()).contains("Expected SOCKET p99 below 2.00ms");
        assertThat(json.at("/budgets/1/status").asText()).isEqualTo("PASSED");
        assertThat(ReportWriter.mapper().readTree(reports.resolve("NetlatExtensionTest.Budgets.testFailureWins.json")
                .toFile()).at("/budgets/0/status").asText()).isEqualTo("NOT_CHECKED");
    }

    @Test
    void minSamplesFactorConfigurationParameterAppliesToBudgetsAndAssertions() {
        FakeTraceFactory.reset(NetlatExtensionTest::budgetFake);
        EngineExecutionResults r = TestKit.runFake(Budgets.class, reports, NetlatConfig.MIN_SAMPLES_FACTOR, "0.5");
        assertThat(TestKit.failures(r).stream().map(Throwable::getMessage)).noneMatch(m -> m.contains("too few"));
        EngineExecutionResults bad = TestKit.runFake(Budgets.class, reports, NetlatConfig.MIN_SAMPLES_FACTOR, "lots");
        assertThat(TestKit.failures(bad)).allSatisfy(t -> assertThat(t).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("netlat.minSamples.factor must be a number"));
    }

    // ---------------------------------------------------------------- validation

    @TestKitScenario
    static class Invalid {
        @Test
        @LatencyBudget(stage = Stage.QDISC, below = "1 parsec")
        void badUnit() {
        }

        @Test
        @LatencyBudget(stage = Stage.QDISC, percentile = 100, below = "1ms")
        void badPercentile() {
        }

        @Test
        @TraceNetwork(ports = {8080, 70000})
        void badPort() {
        }
    }

    @Test
    void invalidAnnotationValuesFailNamingTheTestAndTheValue() {
        // validation comes first: even where tracing cannot run, a wrong annotation fails
        EngineExecutionResults r = TestKit.runFake(Invalid.class, reports, NetlatConfig.SIMULATE_UNAVAILABLE, "x");
        r.testEvents().assertStatistics(s -> s.failed(3));
        assertThat(TestKit.failureOf(r, "badUnit")).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessage("Invalid @LatencyBudget(stage = QDISC, percentile = 99, below = \"1 parsec\") on test"
                        + " NetlatExtensionTest.Invalid.badUnit(): below \"1 parsec\" has unknown unit \"parsec\";"
                        + " valid units: " + DurationParser.VALID);
        assertThat(TestKit.failureOf(r, "badPercentile"))
                .hasMessageContaining("on test NetlatExtensionTest.Invalid.badPercentile(): percentile 100 is outside (0, 100)");
        assertThat(TestKit.failureOf(r, "badPort"))
                .hasMessage("Invalid @TraceNetwork(ports = {8080, 70000}) on test NetlatExtensionTest.Invalid.badPort():"
                        + " port 70000 is outside 1..65535");
    }

    // ---------------------------------------------------------------- cleanup

    @TestKitScenario
    @TraceNetwork
    static class Throwing {
        @Test
        void a(NetworkTrace trace) {
            throw new IllegalStateException("test threw");
        }

        @Test
        void b(NetworkTrace trace) {
            throw new IllegalStateException("test threw");
        }
    }

    @Test
    void traceIsClosedAndLockReleasedWhenTheTestThrows() {
        EngineExecutionResults r = TestKit.runFake(Throwing.class, reports);
        r.testEvents().assertStatistics(s -> s.failed(2));
        assertThat(FakeTraceFactory.started).hasSize(2).allSatisfy(t -> assertThat(t.closeCount).isEqualTo(1));
    }

    // ---------------------------------------------------------------- parallel execution

    static final String[] PARALLEL = {
        "junit.jupiter.execution.parallel.enabled", "true",
        "junit.jupiter.execution.parallel.mode.default", "concurrent",
        "junit.jupiter.execution.parallel.config.strategy", "fixed",
        "junit.jupiter.execution.parallel.config.fixed.parallelism", "4",
    };

    @TestKitScenario
    @Execution(ExecutionMode.CONCURRENT)
    static class PortNarrowedRunTogether {
        static final CyclicBarrier BARRIER = new CyclicBarrier(3);

        @Test
        @TraceNetwork(ports = 1001)
        void a() throws Exception {
            BARRIER.await(10, TimeUnit.SECONDS);
        }

        @Test
        @TraceNetwork(ports = 1002)
        void b() throws Exception {
            BARRIER.await(10, TimeUnit.SECONDS);
        }

        @Test
        @TraceNetwork(ports = {1003, 1004})
        void c() throws Exception {
            BARRIER.await(10, TimeUnit.SECONDS);
        }
    }

    @TestKitScenario
    @Execution(ExecutionMode.CONCURRENT)
    static class UnnarrowedRunAlone {
        static final AtomicInteger ACTIVE = new AtomicInteger();
        static final AtomicInteger MAX_WITH_UNNARROWED = new AtomicInteger();
        static final AtomicInteger MAX_ACTIVE = new AtomicInteger();

        static void run(boolean unnarrowed) throws InterruptedException {
            int now = ACTIVE.incrementAndGet();
            MAX_ACTIVE.accumulateAndGet(now, Math::max);
            try {
                for (int i = 0; i < 10; i++) {
                    if (unnarrowed) {
                        MAX_WITH_UNNARROWED.accumulateAndGet(ACTIVE.get(), Math::max);
                    }
                    Thread.sleep(10);
                }
            } finally {
                ACTIVE.decrementAndGet();
            }
        }

        @Test
        @TraceNetwork
        void all1() throws Exception {
            run(true);
        }

        @Test
        @TraceNetwork
        void all2() throws Exception {
            run(true);
        }

        @Test
        @TraceNetwork
        void all3() throws Exception {
            run(true);
        }

        @Test
        @TraceNetwork(ports = 2001)
        void port1() throws Exception {
            run(false);
        }

        @Test
        @TraceNetwork(ports = 2002)
        void port2() throws Exception {
            run(false);
        }

        @Test
        @TraceNetwork(ports = 2003)
        void port3() throws Exception {
            run(false);
        }
    }

    @Test
    void portNarrowedTestsRunInParallel() {
        PortNarrowedRunTogether.BARRIER.reset();
        EngineExecutionResults r = TestKit.runFake(PortNarrowedRunTogether.class, reports, PARALLEL);
        assertThat(TestKit.failures(r)).isEmpty();
        r.testEvents().assertStatistics(s -> s.succeeded(3));
    }

    @Test
    void unnarrowedTestsRunAloneUnderParallelExecution() {
        UnnarrowedRunAlone.MAX_WITH_UNNARROWED.set(0);
        UnnarrowedRunAlone.MAX_ACTIVE.set(0);
        for (int round = 0; round < 3; round++) {
            EngineExecutionResults r = TestKit.runFake(UnnarrowedRunAlone.class, reports, PARALLEL);
            assertThat(TestKit.failures(r)).isEmpty();
            r.testEvents().assertStatistics(s -> s.succeeded(6));
        }
        assertThat(UnnarrowedRunAlone.MAX_WITH_UNNARROWED.get()).as("tests running while an unnarrowed one ran").isEqualTo(1);
    }
}
