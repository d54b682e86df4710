// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.junit.FakeTrace;
import dev.netlat.junit.FakeTraceFactory;
import dev.netlat.junit.LatencyBudget;
import dev.netlat.junit.NetlatConfig;
import dev.netlat.junit.Seams;
import dev.netlat.junit.TestKitScenario;
import dev.netlat.junit.TraceNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The auto-registered end-of-run report ({@link NetlatReportListener}) through a real launcher, with fake traces:
 * the summary block (ran, skipped with reasons, failed budgets), the page, the switch, the GitHub job summary and
 * the files of earlier runs.
 */
class NetlatReportListenerTest {

    @TempDir
    Path dir;

    private Instant since;

    @BeforeEach
    void fakeTraces() {
        since = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        FakeTraceFactory.reset(() -> new FakeTrace().with(Stage.SOCKET, FakeTrace.spread(200, 1_000, 5_000)));
    }

    @AfterEach
    void resetTraces() {
        FakeTraceFactory.reset(FakeTrace::new);
    }

    private Map<String, String> params(String... more) {
        Map<String, String> p = new java.util.LinkedHashMap<>(Map.of(Seams.TRACE_FACTORY,
                FakeTraceFactory.class.getName(), NetlatConfig.REPORT_DIR, dir.toString()));
        for (int i = 0; i + 1 < more.length; i += 2) {
            p.put(more[i], more[i + 1]);
        }
        return p;
    }

    private String run(Map<String, String> env, String... params) {
        return new ListenerRun(env, since).run(params(params), selectClass(Traced.class), selectClass(Untraced.class));
    }

    @Test
    void summarizesTheRunAndWritesThePage() throws Exception {
        String out = run(Map.of());

        assertThat(out).contains("[netlat] 2 traced tests ran, 2 skipped; 2 budgets, 1 failed\n")
                .contains("[netlat]   skipped NetlatReportListenerTest.Traced.disabled: the link is down\n")
                .contains("[netlat]   skipped NetlatReportListenerTest.Traced.abortedInTheWindow: no lab here\n")
                .contains("[netlat]   failed  NetlatReportListenerTest.Traced.slow: SOCKET p50 < 1us failed")
                .contains("[netlat] HTML report: " + dir.resolve("index.html").toAbsolutePath())
                .contains("NetlatReportListenerTest.Traced.fast ")
                .doesNotContain("Untraced").doesNotContain("NOTHING WAS MEASURED");
        String html = Files.readString(dir.resolve("index.html"));
        assertThat(html).contains("NetlatReportListenerTest.Traced.fast</h2>",
                "NetlatReportListenerTest.Traced.slow</h2>", "2 traced tests were skipped",
                "<b>NetlatReportListenerTest.Traced.disabled</b>: the link is down");
        assertThat(dir.resolve("skipped"))
                .isDirectoryContaining("glob:**/NetlatReportListenerTest.Traced.disabled.json");
    }

    @Test
    void aRunThatSkippedEveryTracedTestSaysSoAndWhy() throws Exception {
        String out = run(Map.of(), Seams.SIMULATE_UNAVAILABLE, "no BTF here");

        assertThat(out).contains("[netlat] 0 traced tests ran, 4 skipped: NOTHING WAS MEASURED; 0 budgets, 0 failed\n")
                .contains("[netlat]   skipped 3 tests (NetlatReportListenerTest.Traced.abortedInTheWindow,"
                        + " NetlatReportListenerTest.Traced.fast, NetlatReportListenerTest.Traced.slow): netlat cannot"
                        + " trace here: no BTF here (simulated by netlat.simulateUnavailable)\n")
                .contains("[netlat]   skipped NetlatReportListenerTest.Traced.disabled: the link is down\n");
        assertThat(Files.readString(dir.resolve("index.html")))
                .contains("Nothing measured: every traced test was skipped")
                .contains("<b>NetlatReportListenerTest.Traced.slow</b>: netlat cannot trace here: no BTF here");
    }

    @Test
    void manyTestsSkippedForOneReasonAreNamedInPart() {
        assertThat(RunSummary.some(List.of("a", "b", "c", "d", "e"), n -> "`" + n + "`"))
                .isEqualTo("`a`, `b`, `c` and 2 more");
        assertThat(RunSummary.some(List.of("a", "b"), n -> n)).isEqualTo("a, b");
    }

    @Test
    void netlatReportFalseTurnsItOff() {
        String out = run(Map.of(), NetlatReportListener.ENABLED, "false");

        assertThat(out).isEmpty();
        assertThat(dir.resolve("index.html")).doesNotExist();
        assertThat(dir.resolve("skipped")).doesNotExist();
    }

    @Test
    void aBadValueOfTheSwitchStopsTheRunNamingTheValidValues() {
        assertThatThrownBy(() -> run(Map.of(), NetlatReportListener.ENABLED, "yes"))
                .hasMessageContaining("netlat.report must be 'true'").hasMessageContaining("or 'false'")
                .hasMessageContaining("was 'yes'");
        assertThat(dir.resolve("index.html")).doesNotExist();
    }

    @Test
    void reportsOfEarlierRunsStayButAreNotShown() throws Exception {
        Path old = new ReportWriter(dir).write(HtmlReportTest.report("fromLastWeek", "2024-05-01T12:00:00Z", 0,
                List.of(), List.of()));
        Files.setLastModifiedTime(old, FileTime.from(since.minus(Duration.ofDays(7))));

        String out = run(Map.of());

        assertThat(out).contains("2 traced tests ran").doesNotContain("fromLastWeek");
        assertThat(Files.readString(dir.resolve("index.html"))).doesNotContain("fromLastWeek");
        assertThat(old).exists();
    }

    @Test
    void aTestsOutcomeReplacesTheContraryFileOfAnEarlierRun() throws Exception {
        String fast = "[engine:junit-jupiter]/[class:" + Traced.class.getName() + "]/[method:fast("
                + NetworkTrace.class.getName() + ")]";
        Path skippedBefore = new SkippedTest(new TraceReport.TestRef(fast, Traced.class.getName(), "fast", "fast()"),
                "tracing was unavailable last week").write(dir);
        Path ranBefore = dir.resolve("NetlatReportListenerTest.Traced.disabled.json");
        Files.writeString(ranBefore, "{}");
        for (Path p : List.of(skippedBefore, ranBefore)) {
            Files.setLastModifiedTime(p, FileTime.from(since.minus(Duration.ofDays(7))));
        }

        run(Map.of());

        assertThat(skippedBefore).doesNotExist();
        assertThat(ranBefore).doesNotExist();
        assertThat(HtmlReport.write(dir)).content().doesNotContain("last week")
                .contains("NetlatReportListenerTest.Traced.fast</h2>");
    }

    @Test
    void appendsAMarkdownTablePerTestToTheGitHubJobSummary() throws Exception {
        Path summary = dir.resolve("step-summary.md");
        Files.writeString(summary, "## an earlier step\n");

        run(Map.of(MarkdownSummary.GITHUB_STEP_SUMMARY, summary.toString()));

        String md = Files.readString(summary, StandardCharsets.UTF_8);
        assertThat(md).startsWith("## an earlier step\n### netlat: 2 traced tests ran, 2 skipped · 2 budgets,"
                        + " **1 failed**")
                .contains("- skipped `NetlatReportListenerTest.Traced.disabled`: the link is down\n")
                .contains("#### `NetlatReportListenerTest.Traced.fast`\n\n| stage | count | p50 | p99 |\n")
                .contains("| QDISC | – | *no samples* | |")
                .contains("| SOCKET p50 &lt; 1ms | ✅ PASSED | ")
                .contains("| SOCKET p50 &lt; 1us | ❌ FAILED | ");
        assertThat(md).containsPattern("\\| SOCKET \\| 200 \\| [0-9.]+(µs|us) \\| [0-9.]+(µs|us) \\|");
    }

    @Test
    void withoutGitHubActionsNoJobSummaryIsWritten() throws Exception {
        run(Map.of());

        assertThat(dir).isDirectoryNotContaining("glob:**/*.md");
    }

    @TestKitScenario
    @TraceNetwork
    static class Traced {
        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "1ms")
        void fast(NetworkTrace trace) {
        }

        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "1us")
        void slow(NetworkTrace trace) {
        }

        @Test
        @Disabled("the link is down")
        void disabled() {
        }

        @Test
        void abortedInTheWindow() {
            Assumptions.abort("no lab here");
        }
    }

    @TestKitScenario
    static class Untraced {
        @Test
        void plain() {
        }

        @Test
        @Disabled("not traced")
        void disabledPlain() {
        }
    }
}
