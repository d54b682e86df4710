// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.DurationFormat;
import dev.netlat.Percentiles;
import dev.netlat.report.TraceReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the HTML report shows of one traced test, derived from its JSON {@link TraceReport}: the values already in
 * words and units, with the JSON's missing fields settled, but no markup. Kept apart so that what the page says can
 * be read and changed without wading through HTML, and the renderers ({@link PageHtml}, {@link TestSectionHtml})
 * only lay it out.
 *
 * @param anchor      the fragment the summary table links to
 * @param window      what part of the test was traced: {@code TEST} or {@code LIFECYCLE}
 * @param ports       the traced ports in words
 * @param startedAt   when the test started, or null
 * @param budgetTally the budgets counted by status, or null when the test has none
 * @param traffic     the summary table's counter cells, or null when the report has no counters
 * @param counters    the counter tiles; empty when the report has no counters
 */
record TestModel(String anchor, String name, String className, String window, String ports, String elapsed,
                 String startedAt, BudgetTally budgetTally, Traffic traffic, long lostEvents, String totalP99,
                 String ackP99, List<BudgetLine> budgets, List<StageRow> stages, List<CounterTile> counters,
                 Breakdown breakdown, EventLog events) {

    /** The newest events listed; a retransmit storm would otherwise make the page unreadable. */
    static final int MAX_EVENTS_SHOWN = 100;

    record BudgetTally(long passed, long failed, long notChecked) {
    }

    record Traffic(long writes, String bytes, long retransmits, long drops) {
    }

    /**
     * One budget and its outcome.
     *
     * @param outcomeClass {@code pass}, {@code fail} or {@code skip}
     * @param condition    what the outcome adds to passed/failed ({@code too few samples (…)}), or null
     * @param message      the assertion message, or null when there is none
     */
    record BudgetLine(String outcomeClass, String badge, String stage, String percentile, String below,
                      String condition, String measured, long samples, String message) {
    }

    /**
     * One stage's row: a measured stage has {@code quantiles} (p50, p90, p99, p99.9, max) and a {@code histogram};
     * one without numbers has {@code noNumbers}, the reason in a few words.
     */
    record StageRow(String key, String name, String kernelPlaces, String count, List<String> quantiles,
                    StageHistogram histogram, String noNumbers) {
        boolean measured() {
            return histogram != null;
        }
    }

    record CounterTile(String label, String value, boolean alarm) {
    }

    /** The non-zero entries of the per-kind maps as {@code FAST 3, TIMEOUT 1}; "" where there are none. */
    record Breakdown(String retransmitsByKind, String dropsByReason, String lostEventsByCause) {
        boolean isEmpty() {
            return retransmitsByKind.isEmpty() && dropsByReason.isEmpty() && lostEventsByCause.isEmpty();
        }
    }

    /**
     * @param total   the events in the JSON report
     * @param notKept the events the tracer counted but did not keep
     * @param earlier the events left out before {@code shown}
     * @param shown   the last {@link #MAX_EVENTS_SHOWN} events
     */
    record EventLog(int total, long notKept, int earlier, List<EventRow> shown) {
    }

    /** One event; {@code time} is the time of day only. */
    record EventRow(String time, String kind, String local, String remote, long sequence, String detail) {
    }

    static TestModel of(TraceReport r, int index) {
        TraceReport.Counters c = r.counters();
        return new TestModel("test-" + (index + 1), Reports.testName(r),
                r.test().className() == null ? "" : r.test().className(), String.valueOf(r.window()),
                r.ports() == null || r.ports().isEmpty() ? "all TCP sockets of the JVM" : "ports " + r.ports(),
                DurationFormat.formatNanos(r.elapsedNanos()), r.startedAt(), budgetTally(r),
                c == null ? null : new Traffic(c.writes(), Reports.bytes(c.bytes()), c.retransmits(), c.drops()),
                r.lostEvents(), p99(r, "total"), p99(r, "ack"), budgets(r), stages(r), counters(r),
                c == null ? new Breakdown("", "", "") : new Breakdown(nonZero(r.retransmitsByKind()),
                        nonZero(r.dropsByReason()), nonZero(r.lostEventsByCause())),
                events(r));
    }

    private static String p99(TraceReport r, String stage) {
        if (r.stages() == null || r.stages().get(stage) == null) {
            return "–";
        }
        return Reports.nanos(r.stages().get(stage).p99Nanos());
    }

    private static BudgetTally budgetTally(TraceReport r) {
        if (r.budgets() == null || r.budgets().isEmpty()) {
            return null;
        }
        long failed = Reports.failedBudgets(r);
        long passed = r.budgets().stream().filter(b -> "PASSED".equals(b.status())).count();
        return new BudgetTally(passed, failed, r.budgets().size() - passed - failed);
    }

    private static List<BudgetLine> budgets(TraceReport r) {
        List<BudgetLine> out = new ArrayList<>();
        for (TraceReport.Budget b : r.budgets() == null ? List.<TraceReport.Budget>of() : r.budgets()) {
            String outcomeClass = switch (b.outcome()) {
                case PASSED -> "pass";
                case NOT_CHECKED -> "skip";
                default -> "fail";
            };
            out.add(new BudgetLine(outcomeClass, badge(b), b.stage(), Percentiles.name(b.percentile()),
                    b.below(), condition(b), Reports.nanos(b.measuredNanos()), b.samples(),
                    b.message() != null && !b.message().isBlank() ? b.message() : null));
        }
        return out;
    }

    /** A budget's verdict in a word or two: {@code PASSED}, {@code FAILED}, {@code NOT CHECKED}. */
    static String badge(TraceReport.Budget b) {
        return b.outcome().failed() ? "FAILED" : b.outcome().name().replace('_', ' ');
    }

    /** What the outcome adds to its {@link #badge}: {@code too few samples (…)}, {@code 3 events lost …}, or null. */
    static String condition(TraceReport.Budget b) {
        // outcomeText() is "failed: too few samples (…)" or "passed, 3 events lost …": the badge already says
        // passed/failed, so only what follows the first ':' or ", " is shown
        String text = b.outcomeText();
        int colon = text.indexOf(':');
        int comma = text.indexOf(", ");
        int cut = colon < 0 ? comma : comma < 0 ? colon : Math.min(colon, comma);
        return cut >= 0 ? text.substring(cut + 1).trim() : null;
    }

    private static List<StageRow> stages(TraceReport r) {
        List<TraceReport.StageStats> stages = Reports.stages(r);
        LogTimeAxis axis = LogTimeAxis.of(stages);
        List<StageRow> out = new ArrayList<>();
        for (TraceReport.StageStats s : stages) {
            String key = s.name() == null ? "stage" : s.name().toLowerCase(Locale.ROOT);
            String name = String.valueOf(s.name());
            String places = s.kernelPlaces() == null ? "" : s.kernelPlaces();
            if (Reports.measured(s)) {
                List<String> quantiles = new ArrayList<>();
                for (Double q : new Double[] {s.p50Nanos(), s.p90Nanos(), s.p99Nanos(), s.p999Nanos(), s.maxNanos()}) {
                    quantiles.add(Reports.nanos(q));
                }
                out.add(new StageRow(key, name, places, Long.toString(s.count()), quantiles,
                        StageHistogram.of(s, key, axis), null));
            } else {
                out.add(new StageRow(key, name, places, "AVAILABLE".equals(s.status()) ? "0" : "–", List.of(), null,
                        Reports.noNumbers(s)));
            }
        }
        return out;
    }

    private static List<CounterTile> counters(TraceReport r) {
        TraceReport.Counters c = r.counters();
        if (c == null) {
            return List.of();
        }
        return List.of(
                new CounterTile("writes", c.writes() + (c.timingNote().isEmpty() ? "" : " (" + c.timingNote() + ")"),
                        false),
                new CounterTile("bytes", Reports.bytes(c.bytes()), false),
                new CounterTile("packets", Long.toString(c.packets()), false),
                new CounterTile("retransmits", Long.toString(c.retransmits()), c.retransmits() > 0),
                new CounterTile("retransmitted", Reports.bytes(c.retransmittedBytes()), c.retransmittedBytes() > 0),
                new CounterTile("drops", Long.toString(c.drops()), c.drops() > 0),
                new CounterTile("resets sent / received", c.resetsSent() + " / " + c.resetsReceived(),
                        c.resetsSent() + c.resetsReceived() > 0),
                new CounterTile("connections opened / closed", c.connectionsOpened() + " / " + c.connectionsClosed(),
                        false),
                new CounterTile("listen overflows", Long.toString(c.listenOverflows()), c.listenOverflows() > 0),
                new CounterTile("lost events", Long.toString(r.lostEvents()), r.lostEvents() > 0));
    }

    private static String nonZero(Map<String, Long> m) {
        if (m == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> {
            if (v != null && v != 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(k).append(' ').append(v);
            }
        });
        return sb.toString();
    }

    private static EventLog events(TraceReport r) {
        List<TraceReport.Event> events = r.events() == null ? List.of() : r.events();
        int earlier = Math.max(0, events.size() - MAX_EVENTS_SHOWN);
        List<EventRow> shown = new ArrayList<>();
        for (TraceReport.Event e : events.subList(earlier, events.size())) {
            shown.add(new EventRow(timeOfDay(e.time()), String.valueOf(e.kind()), String.valueOf(e.local()),
                    String.valueOf(e.remote()), e.sequence(), e.detail() == null ? "" : e.detail()));
        }
        return new EventLog(events.size(), r.eventsNotKept(), earlier, shown);
    }

    private static String timeOfDay(String iso) {
        if (iso == null) {
            return "";
        }
        int t = iso.indexOf('T');
        return t < 0 ? iso : iso.substring(t + 1);
    }
}
