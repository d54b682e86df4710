// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.junit.NetlatConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.engine.ConfigurationParameters;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.reporting.ReportEntry;
import org.junit.platform.launcher.LauncherDiscoveryListener;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * The netlat report of a test run, with nothing to set up: registered through {@code META-INF/services}, so every
 * JUnit Platform launcher (Surefire, Gradle, IDEs, the console launcher) runs it wherever netlat-junit is on the test
 * class path. When the test plan ends it
 * <ul>
 *   <li>prints one line per traced test ({@code -Dnetlat.demo=true}: {@link ConsoleReport}'s per-stage tables), then
 *       a block with how many traced tests ran, which were skipped and why (e.g. {@code netlat cannot trace here: …})
 *       and how many budgets failed ({@link RunSummary}), so that a run which traced nothing is seen at a glance;</li>
 *   <li>writes {@code index.html} ({@link HtmlReport}) into the report directory ({@code netlat.reportDir}, default
 *       {@link NetlatConfig#DEFAULT_REPORT_DIR}) and keeps the skipped traced tests there ({@link SkippedTest}), for
 *       the page and for {@link MergeReports};</li>
 *   <li>appends a Markdown summary to the GitHub Actions job summary when {@code GITHUB_STEP_SUMMARY} names a file
 *       ({@link MarkdownSummary}).</li>
 * </ul>
 * A plan that traced nothing (no traced test ran or was skipped) prints and writes nothing.
 *
 * <p><b>This run</b> is what was written since this JVM started ({@link Reports#runStart()}): reports of earlier
 * runs are left in the directory but not shown (only a file that this run's outcome of the same test contradicts is
 * deleted). Nothing is cleared when a plan starts, because one JVM may run several plans into the directory:
 * Surefire runs a plan per class when it hands classes to its forks one by one ({@code forkCount > 1}), and another
 * for {@code rerunFailingTestsCount}. Each plan that traced something prints the summary of the run so far.
 *
 * <p><b>Turning it off:</b> configuration parameter or system property {@code netlat.report=false}. Any value but
 * {@code true} or {@code false} stops the run before a test starts: as a {@link LauncherDiscoveryListener} (also
 * registered through {@code META-INF/services}) this class checks the value when discovery starts.
 */
public class NetlatReportListener implements TestExecutionListener, LauncherDiscoveryListener {
    /** Configuration parameter or system property: {@code true} (default) or {@code false}. */
    public static final String ENABLED = "netlat.report";
    /** System property or configuration parameter: {@code true} prints the per-stage tables ({@code ./netlat demo}). */
    static final String DETAILED = "netlat.demo";

    private final Map<String, String> env;
    private final PrintStream out;
    private final Instant since;

    private final Set<String> started = ConcurrentHashMap.newKeySet();
    private final Map<String, SkippedTest> skipped = new LinkedHashMap<>();
    private volatile TestPlan plan;
    private volatile ConfigurationParameters config;
    private volatile boolean enabled;
    private volatile boolean traced;

    public NetlatReportListener() {
        this(System.getenv(), null, Reports.runStart());
    }

    /**
     * @param env   where {@code GITHUB_STEP_SUMMARY} is looked up
     * @param out   where the summary goes; null: {@code System.out} at the time (test runners swap it)
     * @param since the start of the run: files in the report directory older than this are of earlier runs
     */
    NetlatReportListener(Map<String, String> env, PrintStream out, Instant since) {
        this.env = env;
        this.out = out;
        this.since = since;
    }

    /**
     * {@code netlat.report} from the configuration parameters (which fall back to the system properties).
     *
     * @throws IllegalArgumentException for a value other than {@code true} or {@code false}, naming both
     */
    static boolean enabled(ConfigurationParameters config) {
        Optional<String> v = NetlatConfig.value(config.get(ENABLED));
        String value = v.orElse("true").toLowerCase(Locale.ROOT);
        if (!value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException("netlat: " + ENABLED + " must be 'true' (the default: print the netlat"
                    + " summary and write index.html when the tests end) or 'false' (no netlat report), was '"
                    + v.get() + "'");
        }
        return value.equals("true");
    }

    @Override
    public void launcherDiscoveryStarted(LauncherDiscoveryRequest request) {
        enabled(request.getConfigurationParameters());
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
        config = testPlan.getConfigurationParameters();
        started.clear();
        traced = false;
        try {
            enabled = enabled(config);
        } catch (IllegalArgumentException e) {
            // reached only where the discovery check did not run (discovery listeners not auto-registered)
            enabled = false;
            err().println("[netlat] " + e.getMessage() + "; no netlat report is written");
        }
    }

    @Override
    public void executionStarted(TestIdentifier id) {
        started.add(id.getUniqueId());
    }

    @Override
    public void reportingEntryPublished(TestIdentifier id, ReportEntry entry) {
        if (entry.getKeyValuePairs().keySet().stream().anyMatch(k -> k.startsWith("netlat."))) {
            traced = true;
        }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        skip(id, reason == null || reason.isBlank() ? "skipped" : reason, false);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (result.getStatus() != TestExecutionResult.Status.ABORTED) {
            return;
        }
        Throwable t = result.getThrowable().orElse(null);
        Optional<String> netlat = TracedTests.netlatSkipReason(t);
        skip(id, netlat.orElseGet(() -> t == null ? "aborted" : String.valueOf(t.getMessage())), netlat.isPresent());
    }

    /** Keeps a skipped traced test, or the traced tests of a skipped class that never started. */
    private void skip(TestIdentifier id, String reason, boolean tracedForSure) {
        TestPlan p = plan;
        if (!enabled || p == null) {
            return;
        }
        List<TestIdentifier> tests = id.isTest() ? List.of(id) : p.getDescendants(id).stream()
                .filter(d -> d.isTest() && !started.contains(d.getUniqueId())).toList();
        for (TestIdentifier test : tests) {
            if (tracedForSure || TracedTests.traced(test)) {
                synchronized (skipped) {
                    skipped.put(test.getUniqueId(), new SkippedTest(TracedTests.ref(test), reason));
                }
            }
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        List<SkippedTest> skips;
        synchronized (skipped) {
            skips = List.copyOf(skipped.values());
            skipped.clear();
        }
        if (!enabled || !traced && skips.isEmpty()) {
            return;
        }
        Path dir = Path.of(NetlatConfig.value(config.get(NetlatConfig.REPORT_DIR))
                .orElse(NetlatConfig.DEFAULT_REPORT_DIR)).toAbsolutePath().normalize();
        try {
            for (SkippedTest s : skips) {
                s.write(dir);
            }
            RunResults results = RunResults.read(dir, since);
            dropSuperseded(dir, results);
            Path html = HtmlReport.write(dir, results);
            boolean detailed = config.get(DETAILED).map(v -> v.trim().equalsIgnoreCase("true")).orElse(false);
            PrintStream o = out != null ? out : System.out;
            o.print(RunSummary.render(results, dir, html, detailed));
            o.flush();
            MarkdownSummary.appendIfRequested(env, results);
        } catch (IOException | RuntimeException e) {
            err().println("[netlat] could not write the report of " + dir + ": " + e);
        }
    }

    /**
     * Deletes the files of earlier runs that this run's outcome of the same test contradicts: the skip of a test that
     * ran now, the report of a test skipped now. The directory as a whole ({@link HtmlReport#write(Path)},
     * {@link MergeReports}) then holds each test's latest outcome.
     */
    private void dropSuperseded(Path dir, RunResults results) throws IOException {
        for (TraceReport r : results.ran()) {
            deleteIfBefore(SkippedTest.file(dir, r.test().uniqueId()));
        }
        for (SkippedTest s : results.skipped()) {
            deleteIfBefore(dir.resolve(ReportWriter.fileBaseName(s.test().uniqueId()) + ".json"));
        }
    }

    private void deleteIfBefore(Path file) throws IOException {
        if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(since)) {
            Files.delete(file);
        }
    }

    private PrintStream err() {
        return out != null ? out : System.err;
    }
}
