// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.BudgetStatus;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import dev.netlat.Budget;
import dev.netlat.BudgetCheck;
import dev.netlat.DurationFormat;
import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import dev.netlat.NetworkTrace;
import dev.netlat.SampleRule;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.Verdict;
import dev.netlat.WindowLoss;
import dev.netlat.assertj.LostEvents;
import dev.netlat.assertj.MinSamples;
import dev.netlat.assertj.VerdictMessages;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.opentest4j.AssertionFailedError;

/** The netlat state of one test, kept in its store so it is cleaned up whatever happens. */
final class TraceSession implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    private static final String PREFIX = "[netlat] ";

    final TraceSettings settings;
    private final Function<TraceOptions, NetworkTrace> starter;
    private final Double minSamplesFactor;
    private final LostEvents.Policy lostPolicy;
    private TraceLock.Hold hold;
    private ScopedTrace trace;
    private Instant startedAt;
    private boolean finished;
    private boolean closed;

    TraceSession(TraceSettings settings, Function<TraceOptions, NetworkTrace> starter, Double minSamplesFactor,
                 LostEvents.Policy lostPolicy) {
        this.settings = settings;
        this.starter = starter;
        this.minSamplesFactor = minSamplesFactor;
        this.lostPolicy = lostPolicy;
    }

    /**
     * Takes the internal lock (traced tests apart from each other, also where no JUnit resource lock was declared)
     * and installs the min-samples factor and the lost-events policy for the test thread.
     */
    void begin() throws InterruptedException {
        hold = TraceLock.INSTANCE.acquire(settings.ports.length == 0);
        if (minSamplesFactor != null) {
            MinSamples.setThreadFactor(minSamplesFactor);
        }
        if (lostPolicy != null) {
            LostEvents.setThreadPolicy(lostPolicy);
        }
    }

    LostEvents.Policy lostPolicy() {
        return lostPolicy != null ? lostPolicy : LostEvents.policy();
    }

    void open() {
        if (trace != null) {
            return;
        }
        startedAt = Instant.now();
        NetworkTrace t = starter.apply(TraceOptions.defaults().timeEveryWrite(settings.timeEveryWrite));
        trace = new ScopedTrace(t, settings.ports);
    }

    NetworkTrace injected() {
        return trace;
    }

    double factor() {
        return minSamplesFactor != null ? minSamplesFactor : MinSamples.factor();
    }

    /** Closes the window, checks the budgets, prints, reports; throws when a budget is violated. */
    void finish(ExtensionContext ctx) {
        if (finished || trace == null) {
            return;
        }
        finished = true;
        trace.close();
        Optional<Throwable> failed = ctx.getExecutionException();
        List<TraceReport.Budget> results = new ArrayList<>();
        List<String> violations = new ArrayList<>();
        Map<String, Long> lost = lostEventsByCause();
        for (TraceSettings.Budget b : settings.budgets) {
            LatencyDistribution d;
            try {
                d = trace.latency(b.stage());
            } catch (RuntimeException e) {
                d = LatencyDistribution.unavailable(Metric.of(b.stage()), "could not be read: " + e.getMessage());
            }
            boolean acceptLoss = b.allowLostSamples() || lostPolicy() == LostEvents.Policy.WARN;
            BudgetCheck check = Budget.percentileBelow(b.percentile(), b.limit())
                    .withSampleRule(SampleRule.factor(factor()))
                    .withLoss(WindowLoss.of(lost).accepting(acceptLoss))
                    .check(d);
            if (failed.isPresent()) {
                results.add(budget(b, check, BudgetStatus.NOT_CHECKED, "the test did not pass: " + failed.get()));
                continue;
            }
            if (check.passed()) {
                results.add(budget(b, check, status(check.verdict()), null));
                if (check.lossAccepted()) {
                    System.out.println(PREFIX + settings.testName + ": " + b.describe() + " passed over a partial"
                            + " sample, loss accepted (" + (b.allowLostSamples() ? "allowLostSamples = true"
                            : NetlatConfig.LOST_EVENTS + "=warn") + "): " + LostEvents.describe(lost));
                }
            } else {
                String message = VerdictMessages.failure(check);
                violations.add(b.describe() + " violated:\n" + message);
                results.add(budget(b, check, status(check.verdict()), message));
            }
        }
        Path file = writeReport(ctx, results);
        summarize(ctx, results, file);
        if (!violations.isEmpty()) {
            throw new AssertionFailedError("netlat: " + violations.size() + " of " + settings.budgets.size()
                    + " latency budget" + (settings.budgets.size() == 1 ? "" : "s") + " of " + settings.testName
                    + " violated" + (settings.ports.length == 0 ? "" : " (ports " + settings.portList() + ")") + ":\n\n"
                    + String.join("\n", violations));
        }
    }

    private static TraceReport.Budget budget(TraceSettings.Budget b, BudgetCheck check, BudgetStatus status,
                                             String message) {
        Double measured = check.measuredNanos().isPresent() ? check.measuredNanos().getAsDouble() : null;
        return TraceReport.Budget.of(b.stage().name(), b.percentile(), b.below(), b.limit().toNanos(), measured,
                check.samples(), status, message, check.requiredSamples(), check.budget().loss().byCause(),
                check.lossAccepted());
    }

    /** The report's status of a core verdict (the report adds {@link BudgetStatus#NOT_CHECKED} of its own). */
    static BudgetStatus status(Verdict verdict) {
        // exhaustive: a verdict added without its report status does not compile
        return switch (verdict) {
            case PASSED -> BudgetStatus.PASSED;
            case FAILED -> BudgetStatus.FAILED;
            case TOO_FEW_SAMPLES -> BudgetStatus.TOO_FEW_SAMPLES;
            case LOST_SAMPLES -> BudgetStatus.LOST_SAMPLES;
            case UNAVAILABLE -> BudgetStatus.UNAVAILABLE;
        };
    }

    /** The window's non-zero lost events in words (the budgets' report); a read that fails counts as its own cause. */
    private Map<String, Long> lostEventsByCause() {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            out.putAll(LostEvents.inWords(trace));
        } catch (RuntimeException e) {
            out.put("lost events could not be read: " + e.getMessage(), 1L);
        }
        return out;
    }

    private Path writeReport(ExtensionContext ctx, List<TraceReport.Budget> budgets) {
        Path dir = Path.of(NetlatConfig.get(ctx, NetlatConfig.REPORT_DIR).orElse(NetlatConfig.DEFAULT_REPORT_DIR));
        try {
            TraceReport.TestRef ref = new TraceReport.TestRef(ctx.getUniqueId(), ctx.getRequiredTestClass().getName(),
                    ctx.getRequiredTestMethod().getName(), ctx.getDisplayName());
            TraceReport report = ReportWriter.toReport(ref, settings.window.name(), settings.portList(), startedAt,
                    trace, budgets);
            return new ReportWriter(dir).write(report);
        } catch (IOException | RuntimeException e) {
            System.err.println(PREFIX + settings.testName + ": could not write the JSON report to " + dir + ": " + e);
            ctx.publishReportEntry("netlat.report.error", String.valueOf(e));
            return null;
        }
    }

    private void summarize(ExtensionContext ctx, List<TraceReport.Budget> budgets, Path file) {
        Map<String, String> entries = new LinkedHashMap<>();
        StringBuilder out = new StringBuilder();
        String header = settings.testName + " window=" + settings.window + " ports="
                + (settings.ports.length == 0 ? "all" : settings.portList().toString()) + " elapsed="
                + DurationFormat.format(trace.elapsed());
        out.append(PREFIX).append(header).append('\n');
        for (Stage s : Stage.values()) {
            String line;
            try {
                line = trace.latency(s).summary();
            } catch (RuntimeException e) {
                line = s + " could not be read: " + e.getMessage();
            }
            entries.put("netlat." + s.key(), line);
            out.append(PREFIX).append("  ").append(line).append('\n');
        }
        try {
            String rtt = trace.rtt().summary();
            entries.put("netlat.rtt", rtt);
            out.append(PREFIX).append("  ").append(rtt).append('\n');
        } catch (RuntimeException e) {
            out.append(PREFIX).append("  RTT could not be read: ").append(e.getMessage()).append('\n');
        }
        String counters = String.format(Locale.ROOT,
                "writes=%d bytes=%d packets=%d retransmits=%d drops=%d resetsSent=%d resetsReceived=%d"
                        + " connectionsOpened=%d connectionsClosed=%d listenOverflows=%d lostEvents=%d",
                trace.writes(), trace.bytes(), trace.packets(), trace.retransmits(), trace.drops(), trace.resetsSent(),
                trace.resetsReceived(), trace.connectionsOpened(), trace.connectionsClosed(), trace.listenOverflows(),
                trace.lostEvents());
        entries.put("netlat.counters", counters);
        out.append(PREFIX).append("  ").append(counters).append('\n');
        for (TraceReport.Budget b : budgets) {
            out.append(PREFIX).append("  ").append(budgetLine(b)).append('\n');
        }
        if (!budgets.isEmpty()) {
            entries.put("netlat.budgets", budgets.stream().map(TraceSession::budgetLine)
                    .reduce((a, b) -> a + "; " + b).orElse(""));
        }
        if (file != null) {
            entries.put("netlat.report", file.toString());
            out.append(PREFIX).append("  report: ").append(file).append('\n');
        }
        System.out.print(out);
        System.out.flush();
        ctx.publishReportEntry(entries);
    }

    /**
     * {@code budget SOCKET p99 < 10ms: PASSED (measured 6.05µs over 900 samples)},
     * {@code budget SOCKET p99 < 10ms: FAILED: 600 events lost (socket table full (netlat.maps.sockets): 600)
     * (measured 6.05µs over 300 samples)}, {@code …: FAILED: too few samples (400, p99.99 needs 10000) (…)}.
     */
    static String budgetLine(TraceReport.Budget b) {
        String text = b.outcomeText();
        String head = b.outcome().failed() ? "FAILED" : b.outcome().name();
        int colon = text.indexOf(':');
        int comma = text.indexOf(", ");
        String rest = colon >= 0 && (comma < 0 || colon < comma) ? text.substring(colon) : comma >= 0
                ? text.substring(comma) : "";
        return String.format(Locale.ROOT, "budget %s p%s < %s: %s%s (measured %s over %d samples)", b.stage(),
                dev.netlat.Percentiles.number(b.percentile()), b.below(), head, rest,
                b.measuredNanos() == null ? "n/a" : DurationFormat.formatNanos(b.measuredNanos()), b.samples());
    }

    /** Ends the window if still open and releases the lock; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (trace != null && !trace.isClosed()) {
                trace.close();
            }
        } finally {
            if (minSamplesFactor != null) {
                MinSamples.setThreadFactor(null);
            }
            if (lostPolicy != null) {
                LostEvents.setThreadPolicy(null);
            }
            if (hold != null) {
                hold.release();
            }
        }
    }

}
