// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.BudgetStatus;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import static dev.netlat.assertj.NetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netlat.LostCause;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.report.ConsoleReport;
import dev.netlat.report.HtmlReport;
import dev.netlat.report.Reports;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * "Loss reaches the verdict", with fake traces: a budget, percentile or counter assertion over a window with lost
 * events fails by default and names the loss by cause; {@code allowLostSamples}, {@code allowingLostEvents()} and
 * {@code netlat.lostEvents=warn} accept it; the console, JSON and HTML budget lines show the loss and the typed
 * verdict (too few samples is not "over budget").
 */
class LostEventsVerdictTest {
    /** How a full socket table is said in messages and reports: {@link LostCause#SOCKET_TABLE_FULL} in words. */
    static final String SOCKETS_FULL = "socket table full (netlat.maps.sockets)";

    @TempDir
    Path reports;

    /** The window: 900 writes made, 300 measured, 600 lost to a full socket table; all fast. */
    static FakeTrace lossy() {
        FakeTrace t = new FakeTrace().with(Stage.SOCKET, FakeTrace.spread(300, 2_000, 6_000))
                .with(Stage.TOTAL, FakeTrace.spread(400, 5_000, 12_000));
        t.writes = 300;
        t.packets = 300;
        t.lostEvents = 600;
        t.lostEventsByCause.put(LostCause.SOCKET_TABLE_FULL, 600L);
        return t;
    }

    @BeforeEach
    void fake() {
        FakeTraceFactory.reset(LostEventsVerdictTest::lossy);
    }

    @TestKitScenario
    @TraceNetwork
    static class Lossy {
        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "10ms")
        void budget() {
        }

        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "10ms", allowLostSamples = true)
        void budgetAllowingLoss() {
        }

        @Test
        void counter(NetworkTrace trace) {
            assertThat(trace).hasNoRetransmits();
        }

        @Test
        void counterOfAPortView(NetworkTrace trace) {
            assertThat(trace.port(8080)).hasNoDrops();
        }

        @Test
        void counterAllowingLoss(NetworkTrace trace) {
            assertThat(trace).allowingLostEvents().hasNoRetransmits().hasNoDrops()
                    .latency(Stage.SOCKET).p99Below(Duration.ofMillis(10));
        }

        @Test
        void quantileOfTheInjectedDistribution(NetworkTrace trace) {
            assertThat(trace.latency(Stage.SOCKET)).p99Below(Duration.ofMillis(10));
        }

        @Test
        void quantileThroughTheTrace(NetworkTrace trace) {
            assertThat(trace).latency(Stage.SOCKET).p99Below(Duration.ofMillis(10));
        }
    }

    @TestKitScenario
    @TraceNetwork
    static class TooFew {
        @Test
        @LatencyBudget(stage = Stage.TOTAL, percentile = 99.99, below = "1s")
        void tooFew() {
        }
    }

    String captureOut(Runnable r) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setOut(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);
        return out;
    }

    @Test
    void lossFailsBudgetsPercentilesAndCountersByDefaultNamingTheCause() throws Exception {
        EngineExecutionResults[] r = new EngineExecutionResults[1];
        String out = captureOut(() -> r[0] = TestKit.runFake(Lossy.class, reports));
        r[0].testEvents().assertStatistics(s -> s.started(7).succeeded(2).failed(5));

        assertThat(TestKit.failureOf(r[0], "budget").getMessage())
                .contains("@LatencyBudget(stage = SOCKET, percentile = 99, below = \"10ms\") violated")
                .contains("Expected SOCKET p99 below 10.0ms, but the sample is incomplete: 600 events lost in this"
                        + " trace window, by cause {" + SOCKETS_FULL + "=600}; 300 writes measured.")
                .contains("a percentile over a partial sample can hide the tail")
                .contains("allowLostSamples = true").contains("netlat.lostEvents=warn")
                .contains("SOCKET latency, 300 samples");
        assertThat(TestKit.failureOf(r[0], "counter").getMessage())
                .contains("Expected no TCP retransmits, and measured 0 retransmitted segments out of 300 packets sent,"
                        + " but the window is incomplete: 600 events lost in this trace window, by cause {"
                        + SOCKETS_FULL + "=600}")
                .contains("the count may be short");
        assertThat(TestKit.failureOf(r[0], "counterOfAPortView").getMessage())
                .contains("Expected no dropped packets, and measured 0 drops, but the window is incomplete");
        assertThat(TestKit.failureOf(r[0], "quantileOfTheInjectedDistribution").getMessage())
                .contains("but the sample is incomplete: 600 events lost");
        assertThat(TestKit.failureOf(r[0], "quantileThroughTheTrace").getMessage())
                .contains("but the sample is incomplete: 600 events lost");

        // the console line of the test run says what failed it
        assertThat(out).contains("budget SOCKET p99 < 10ms: FAILED: 600 events lost (" + SOCKETS_FULL
                + ": 600) (measured ")
                .contains("over 300 samples)")
                .contains("budget SOCKET p99 < 10ms: PASSED, 600 events lost (" + SOCKETS_FULL + ": 600) and accepted")
                .contains("passed over a partial sample, loss accepted (allowLostSamples = true)");

        // JSON: status stays compatible, the verdict says why, the loss is there
        JsonNode json = ReportWriter.mapper().readTree(reports.resolve("LostEventsVerdictTest.Lossy.budget.json").toFile());
        assertThat(json.at("/budgets/0/status").asText()).isEqualTo("FAILED");
        assertThat(json.at("/budgets/0/verdict").asText()).isEqualTo("LOST_SAMPLES");
        assertThat(json.at("/budgets/0/samples").asLong()).isEqualTo(300);
        assertThat(json.at("/budgets/0/lostEvents").asLong()).isEqualTo(600);
        assertThat(json.at("/budgets/0/lostEventsByCause").get(SOCKETS_FULL).asLong()).isEqualTo(600);
        assertThat(json.at("/budgets/0/lossAccepted").asBoolean()).isFalse();
        JsonNode allowed = ReportWriter.mapper().readTree(
                reports.resolve("LostEventsVerdictTest.Lossy.budgetAllowingLoss.json").toFile());
        assertThat(allowed.at("/budgets/0/status").asText()).isEqualTo("PASSED");
        assertThat(allowed.at("/budgets/0/verdict").asText()).isEqualTo("PASSED");
        assertThat(allowed.at("/budgets/0/lossAccepted").asBoolean()).isTrue();
        assertThat(allowed.at("/budgets/0/lostEvents").asLong()).isEqualTo(600);

        // the console and HTML reports of the run
        Reports read = Reports.read(reports);
        String console = ConsoleReport.render(read, reports, null);
        assertThat(console).contains("budget ✘ SOCKET p99 < 10ms   failed: 600 events lost (" + SOCKETS_FULL
                + ": 600) — measured ")
                .contains("budget ✔ SOCKET p99 < 10ms   passed, 600 events lost (" + SOCKETS_FULL
                        + ": 600) and accepted — measured ");
        String html = HtmlReport.render(read, "x", Instant.EPOCH);
        assertThat(html).contains("600 events lost (socket table full (netlat.maps.sockets): 600) — measured");
    }

    @Test
    void warnAcceptsTheLossAndAnUnknownPolicyIsAConfigurationError() {
        EngineExecutionResults r = TestKit.runFake(Lossy.class, reports, NetlatConfig.LOST_EVENTS, "warn");
        assertThat(TestKit.failures(r)).isEmpty();
        r.testEvents().assertStatistics(s -> s.succeeded(7));
        JsonNode json;
        try {
            json = ReportWriter.mapper().readTree(reports.resolve("LostEventsVerdictTest.Lossy.budget.json").toFile());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(json.at("/budgets/0/verdict").asText()).isEqualTo("PASSED");
        assertThat(json.at("/budgets/0/lossAccepted").asBoolean()).isTrue();

        EngineExecutionResults bad = TestKit.runFake(Lossy.class, reports, NetlatConfig.LOST_EVENTS, "maybe");
        assertThat(TestKit.failures(bad)).hasSize(7).allSatisfy(e -> assertThat(e)
                .isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("configuration parameter netlat.lostEvents must be 'fail' or 'warn', was 'maybe'"));
    }

    @Test
    void aWindowWithoutLossPassesAsBefore() {
        FakeTraceFactory.reset(() -> {
            FakeTrace t = lossy();
            t.lostEvents = 0;
            t.lostEventsByCause.clear();
            return t;
        });
        EngineExecutionResults r = TestKit.runFake(Lossy.class, reports);
        assertThat(TestKit.failures(r)).isEmpty();
        r.testEvents().assertStatistics(s -> s.succeeded(7));
    }

    @Test
    void tooFewSamplesIsTypedAndSaidSo() throws Exception {
        FakeTraceFactory.reset(() -> new FakeTrace().with(Stage.TOTAL, FakeTrace.spread(400, 5_000, 11_300)));
        EngineExecutionResults[] r = new EngineExecutionResults[1];
        String out = captureOut(() -> r[0] = TestKit.runFake(TooFew.class, reports));
        assertThat(TestKit.failureOf(r[0], "tooFew").getMessage()).contains("too few samples to tell: 400 writes measured,"
                + " p99.99 needs at least 10000");
        assertThat(out).contains("budget TOTAL p99.99 < 1s: FAILED: too few samples (400, p99.99 needs 10000) (measured ");
        JsonNode json = ReportWriter.mapper().readTree(reports.resolve("LostEventsVerdictTest.TooFew.tooFew.json").toFile());
        assertThat(json.at("/budgets/0/status").asText()).isEqualTo("FAILED");
        assertThat(json.at("/budgets/0/verdict").asText()).isEqualTo("TOO_FEW_SAMPLES");
        assertThat(json.at("/budgets/0/requiredSamples").asLong()).isEqualTo(10000);
        assertThat(ConsoleReport.render(Reports.read(reports), reports, null))
                .contains("budget ✘ TOTAL p99.99 < 1s   failed: too few samples (400, p99.99 needs 10000) — measured ")
                .contains("over 400 samples")
                .contains("1 budget, 1 failed");
    }

    @Test
    void aReportWithoutVerdictsReadsBackWithTheVerdictItsStatusImplies() {
        assertThat(new TraceReport.Budget("SOCKET", 99, "1ms", 1_000_000, 3000.0, 3, "FAILED", "x").outcome())
                .isEqualTo(BudgetStatus.FAILED);
        assertThat(new TraceReport.Budget("SOCKET", 99, "1ms", 1_000_000, 3000.0, 3, "PASSED", null).outcomeText())
                .isEqualTo("passed");
        assertThat(new TraceReport.Budget("SOCKET", 99, "1ms", 1_000_000, null, 0, "NOT_CHECKED", null).outcome())
                .isEqualTo(BudgetStatus.NOT_CHECKED);
        assertThat(BudgetStatus.LOST_SAMPLES.status()).isEqualTo("FAILED");
        assertThat(BudgetStatus.TOO_FEW_SAMPLES.failed()).isTrue();
        assertThat(BudgetStatus.NOT_CHECKED.failed()).isFalse();
    }
}
