// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.ReportWriter;
import static dev.netlat.assertj.NetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.opentest4j.AssertionFailedError;

/**
 * The extension on real loopback traffic with the real kernel engine. Skipped (or failed with
 * {@code netlat.unavailable=fail}) where the engine cannot run.
 */
class RealTrafficTest {

    static final Duration MAX = Duration.ofSeconds(10);

    @TempDir
    Path reports;

    @BeforeEach
    void requireEngine() {
        RealEngine.require();
    }

    @TestKitScenario
    @TraceNetwork
    static class RealBudgets {
        @Test
        @TraceNetwork(timeEveryWrite = true) // a sample of each of 2000 fast writes, not each socket's budget
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "1s")
        @LatencyBudget(stage = Stage.TOTAL, percentile = 90, below = "1s")
        void passes(NetworkTrace trace) throws Exception {
            int n = Loopback.send(0, 2000, 1024, MAX);
            assertThat(n).isEqualTo(2000);
            assertThat(trace.writes()).isGreaterThanOrEqualTo(2000);
            assertThat(trace.latency(Stage.SOCKET)).hasSamplesAtLeast(2000).p99Below(Duration.ofSeconds(1));
            // loopback loses nothing; a spurious retransmit's copy may be discarded as TCP_OLD_DATA (kernel-notes)
            assertThat(trace).hasNoDropsOtherThan("TCP_OLD_DATA").hasNoLostEvents();
            assertThat(trace.drops()).isLessThanOrEqualTo(trace.retransmits());
        }

        @Test
        @LatencyBudget(stage = Stage.TOTAL, percentile = 50, below = "1ns")
        void fails() throws Exception {
            Loopback.send(0, 2000, 1024, MAX);
        }

        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "1s")
        void tooFewSamples() throws Exception {
            Loopback.send(0, 10, 1024, MAX);
        }

        @Test
        @LatencyBudget(stage = Stage.QDISC, percentile = 50, below = "1s")
        void qdiscOnLoopback() throws Exception {
            Loopback.send(0, 200, 1024, MAX);
        }
    }

    @Test
    void budgetsOnRealTraffic() throws Exception {
        EngineExecutionResults r = TestKit.runReal(RealBudgets.class, reports);
        assertThat(TestKit.aborts(r)).isEmpty();
        r.testEvents().assertStatistics(s -> s.started(4).succeeded(1).failed(3));
        assertThat(TestKit.failureOf(r, "fails")).isInstanceOf(AssertionFailedError.class).message()
                .contains("@LatencyBudget(stage = TOTAL, percentile = 50, below = \"1ns\") violated")
                .contains("Expected TOTAL p50 below 1ns, but it was")
                .contains("writes)")
                .contains("Why it matters: TOTAL")
                .contains("TOTAL latency, ")
                .containsPattern("p50=\\S+ p90=\\S+ p99=\\S+ p99.9=\\S+ max=");
        assertThat(TestKit.failureOf(r, "tooFewSamples").getMessage())
                .contains("too few samples to tell")
                .contains("p99 needs at least 100");
        assertThat(TestKit.failureOf(r, "qdiscOnLoopback").getMessage())
                .contains("QDISC latency is not applicable here");
        JsonNode json = ReportWriter.mapper().readTree(reports.resolve("RealTrafficTest.RealBudgets.passes.json").toFile());
        assertThat(json.at("/stages/socket/count").asLong()).isGreaterThanOrEqualTo(2000);
        assertThat(json.at("/stages/socket/status").asText()).isEqualTo("AVAILABLE");
        assertThat(json.at("/counters/writes").asLong()).isGreaterThanOrEqualTo(2000);
        assertThat(json.at("/counters/timedWrites").asLong()).as("timeEveryWrite on the method")
                .isEqualTo(json.at("/counters/writes").asLong());
        assertThat(json.at("/counters/bytes").asLong()).isGreaterThanOrEqualTo(2000 * 1024);
        assertThat(json.at("/budgets/0/status").asText()).isEqualTo("PASSED");
    }

    static final int PORT_A = 29811; // below the ephemeral range (32768-60999): no client socket of another test holds it
    static final int PORT_B = 29812;

    @TestKitScenario
    @Execution(ExecutionMode.CONCURRENT)
    static class RealPorts {
        @Test
        @TraceNetwork(ports = PORT_A)
        void a(NetworkTrace trace) throws Exception {
            int n = Loopback.send(PORT_A, 300, 512, MAX);
            assertThat(trace.writes()).isEqualTo(n);
        }

        @Test
        @TraceNetwork(ports = PORT_B)
        void b(NetworkTrace trace) throws Exception {
            int n = Loopback.send(PORT_B, 500, 512, MAX);
            assertThat(trace.writes()).isEqualTo(n);
        }

        @Test
        @TraceNetwork
        void unnarrowed(NetworkTrace trace) throws Exception {
            int n = Loopback.send(0, 200, 512, MAX);
            assertThat(trace.writes()).isEqualTo(n);
        }
    }

    @Test
    void parallelPortIsolationOnRealTraffic() {
        EngineExecutionResults r = TestKit.runReal(RealPorts.class, reports, NetlatExtensionTest.PARALLEL);
        assertThat(TestKit.aborts(r)).isEmpty();
        assertThat(TestKit.failures(r)).isEmpty();
        r.testEvents().assertStatistics(s -> s.succeeded(3));
    }
}
