// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.DurationFormat;
import dev.netlat.junit.TraceReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes a static HTML page ({@code index.html}) for a directory of netlat JSON reports: a summary table of the
 * tests, then per test its budgets, a per-stage table with a latency histogram per stage, the counters and the
 * retransmit/drop/reset events.
 *
 * <p>The page is self-contained: inline CSS and inline SVG, no JavaScript. Each histogram is an
 * {@code <svg class="hist" data-stage="socket">} with one {@code <rect class="bar">} per non-empty bin: the
 * kernel's log-linear buckets folded into ten bins per decade on a log-scale time axis shared by all stages of a
 * test (so the stages can be compared by eye), with p50 and p99 marked.
 *
 * <p>Command line: {@code java -cp <netlat-extension + dependencies> dev.netlat.report.HtmlReport target/netlat}.
 */
public final class HtmlReport {
    /** File name of the page inside the report directory. */
    public static final String FILE_NAME = "index.html";

    static final int PLOT_WIDTH = 540;
    static final int PLOT_HEIGHT = 40;
    static final int AXIS_HEIGHT = 14;
    static final int BINS_PER_DECADE = 10;
    /** Room left and right of the plot for the first and last tick label. */
    static final int PAD = 16;

    private HtmlReport() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "target/netlat");
        Path file = write(dir);
        System.out.println("netlat: wrote " + file.toAbsolutePath());
    }

    /** Reads the JSON reports in {@code dir} and writes {@code dir/index.html}; returns the page's path. */
    public static Path write(Path dir) throws IOException {
        Reports reports = Reports.read(dir);
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, render(reports, dir.toAbsolutePath().normalize().toString(), Instant.now()),
                StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** The page for these reports; {@code source} and {@code generatedAt} only appear in the header. */
    public static String render(Reports reports, String source, Instant generatedAt) {
        List<TraceReport> list = reports.reports();
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>netlat report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        long failed = list.stream().mapToLong(Reports::failedBudgets).sum();
        long budgets = list.stream().mapToLong(r -> r.budgets() == null ? 0 : r.budgets().size()).sum();
        h.append("<header>\n<h1>netlat report</h1>\n<p class=\"sub\">")
                .append(list.size()).append(list.size() == 1 ? " traced test · " : " traced tests · ")
                .append(budgets).append(budgets == 1 ? " budget" : " budgets").append(", ")
                .append("<span class=\"").append(failed > 0 ? "bad" : "good").append("\">").append(failed)
                .append(" failed</span> · generated ").append(esc(generatedAt.toString()))
                .append(" from <code>").append(esc(source)).append("</code></p>\n</header>\n");

        summary(h, list);
        legend(h);
        for (int i = 0; i < list.size(); i++) {
            test(h, list.get(i), i);
        }
        if (!reports.problems().isEmpty()) {
            h.append("<section class=\"problems\"><h2>Files not read</h2><ul>\n");
            for (String p : reports.problems()) {
                h.append("<li>").append(esc(p)).append("</li>\n");
            }
            h.append("</ul></section>\n");
        }
        if (list.isEmpty()) {
            h.append("<p class=\"empty\">No traced tests: no JSON reports in <code>").append(esc(source))
                    .append("</code>.</p>\n");
        }
        h.append("<footer>Written by <code>dev.netlat.report.HtmlReport</code> from the JSON reports of the netlat"
                + " JUnit extension. All times are per write (SOCKET, TOTAL, ACK) or per packet (QDISC, DEVICE)"
                + " of the traced sockets; percentiles are within 1&nbsp;% (bucket midpoints).</footer>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    // ------------------------------------------------------------------------------------------------ sections

    private static void summary(StringBuilder h, List<TraceReport> list) {
        if (list.isEmpty()) {
            return;
        }
        h.append("<table class=\"summary\">\n<thead><tr><th>test</th><th>budgets</th><th>writes</th><th>bytes</th>"
                + "<th>retransmits</th><th>drops</th><th>lost</th><th>TOTAL p99</th><th>ACK p99</th>"
                + "<th>elapsed</th></tr></thead>\n<tbody>\n");
        for (int i = 0; i < list.size(); i++) {
            TraceReport r = list.get(i);
            TraceReport.Counters c = r.counters();
            h.append("<tr><td><a href=\"#").append(anchor(i)).append("\">").append(esc(Reports.testName(r)))
                    .append("</a></td><td>").append(budgetSummary(r)).append("</td>");
            if (c != null) {
                h.append(num(c.writes(), false)).append("<td class=\"n\">").append(esc(Reports.bytes(c.bytes())))
                        .append("</td>").append(num(c.retransmits(), true)).append(num(c.drops(), true));
            } else {
                h.append("<td></td><td></td><td></td><td></td>");
            }
            h.append(num(r.lostEvents(), true))
                    .append("<td class=\"n\">").append(esc(quantile(r, "total"))).append("</td>")
                    .append("<td class=\"n\">").append(esc(quantile(r, "ack"))).append("</td>")
                    .append("<td class=\"n\">").append(esc(DurationFormat.formatNanos(r.elapsedNanos())))
                    .append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static void legend(StringBuilder h) {
        h.append("<details class=\"legend\"><summary>What the stages measure</summary><dl>\n")
                .append("<dt><span class=\"sw socket\"></span>SOCKET</dt><dd>per write: the write call until the"
                        + " packet with its last byte enters the qdisc layer (send buffer, windows, Nagle, TCP small"
                        + " queues)</dd>\n")
                .append("<dt><span class=\"sw qdisc\"></span>QDISC</dt><dd>per packet: time in the device's"
                        + " traffic-control queue (not applicable on noqueue devices such as lo)</dd>\n")
                .append("<dt><span class=\"sw device\"></span>DEVICE</dt><dd>per packet: the driver/device until"
                        + " it is done with the packet</dd>\n")
                .append("<dt><span class=\"sw total\"></span>TOTAL</dt><dd>per write: the write call until the"
                        + " device is done with its last packet</dd>\n")
                .append("<dt><span class=\"sw ack\"></span>ACK</dt><dd>per write: the write call until the peer"
                        + " acknowledged its last byte</dd>\n")
                .append("<dt><span class=\"sw rtt\"></span>RTT</dt><dd>per packet: first transmission until the"
                        + " ACK covering it</dd>\n")
                .append("</dl></details>\n");
    }

    private static void test(StringBuilder h, TraceReport r, int index) {
        h.append("<section class=\"test\" id=\"").append(anchor(index)).append("\" data-test=\"")
                .append(esc(Reports.testName(r))).append("\">\n");
        h.append("<h2>").append(esc(Reports.testName(r))).append("</h2>\n");
        String ports = r.ports() == null || r.ports().isEmpty() ? "all TCP sockets of the JVM" : "ports " + r.ports();
        h.append("<p class=\"meta\">window <b>").append(esc(String.valueOf(r.window()))).append("</b> · ")
                .append(esc(ports)).append(" · elapsed <b>").append(esc(DurationFormat.formatNanos(r.elapsedNanos())))
                .append("</b>");
        if (r.startedAt() != null) {
            h.append(" · started ").append(esc(r.startedAt()));
        }
        h.append(" · <code>").append(esc(r.test().className() == null ? "" : r.test().className())).append("</code>")
                .append("</p>\n");

        budgets(h, r);
        stages(h, r);
        counters(h, r);
        events(h, r);
        h.append("</section>\n");
    }

    private static void budgets(StringBuilder h, TraceReport r) {
        if (r.budgets() == null || r.budgets().isEmpty()) {
            return;
        }
        h.append("<ul class=\"budgets\">\n");
        for (TraceReport.Budget b : r.budgets()) {
            dev.netlat.junit.BudgetStatus outcome = b.outcome();
            String cls = switch (outcome) {
                case PASSED -> "pass";
                case NOT_CHECKED -> "skip";
                default -> "fail";
            };
            String text = b.outcomeText();
            h.append("<li class=\"budget ").append(cls).append("\"><span class=\"badge\">")
                    .append(esc(outcome.failed() ? "FAILED" : outcome.name().replace('_', ' '))).append("</span> <b>")
                    .append(esc(b.stage())).append(' ')
                    .append(esc(ConsoleReport.percentileName(b.percentile()))).append(" &lt; ").append(esc(b.below()))
                    .append("</b>");
            int colon = text.indexOf(':');
            int comma = text.indexOf(", ");
            int cut = colon < 0 ? comma : comma < 0 ? colon : Math.min(colon, comma);
            if (cut >= 0) {
                h.append(' ').append(esc(text.substring(cut + 1).trim()));
            }
            h.append(" — measured ").append(esc(Reports.nanos(b.measuredNanos()))).append(" over ")
                    .append(b.samples()).append(" samples");
            if (b.message() != null && !b.message().isBlank()) {
                h.append("<details><summary>message</summary><pre>").append(esc(b.message())).append("</pre></details>");
            }
            h.append("</li>\n");
        }
        h.append("</ul>\n");
    }

    private static void stages(StringBuilder h, TraceReport r) {
        List<TraceReport.StageStats> stages = Reports.stages(r);
        Axis axis = Axis.of(stages);
        h.append("<table class=\"stages\">\n<colgroup><col class=\"c-stage\"><col class=\"c-n\">"
                + "<col class=\"c-q\"><col class=\"c-q\"><col class=\"c-q\"><col class=\"c-q\"><col class=\"c-q\">"
                + "<col class=\"c-plot\"></colgroup>\n<thead><tr><th>stage</th><th>count</th><th>p50</th><th>p90</th>"
                + "<th>p99</th><th>p99.9</th><th>max</th><th class=\"plot\">distribution (log time axis)</th>"
                + "</tr></thead>\n<tbody>\n");
        for (TraceReport.StageStats s : stages) {
            String key = s.name() == null ? "stage" : s.name().toLowerCase(Locale.ROOT);
            h.append("<tr class=\"stage ").append(esc(key)).append("\"><th title=\"")
                    .append(esc(s.kernelPlaces() == null ? "" : s.kernelPlaces())).append("\"><span class=\"sw ")
                    .append(esc(key)).append("\"></span>").append(esc(String.valueOf(s.name()))).append("</th>");
            if (Reports.measured(s)) {
                h.append("<td class=\"n\">").append(s.count()).append("</td>");
                for (Double q : new Double[] {s.p50Nanos(), s.p90Nanos(), s.p99Nanos(), s.p999Nanos(), s.maxNanos()}) {
                    h.append("<td class=\"n\">").append(esc(Reports.nanos(q))).append("</td>");
                }
                h.append("<td class=\"plot\">").append(histogram(s, key, axis)).append("</td>");
            } else {
                h.append("<td class=\"n\">").append("AVAILABLE".equals(s.status()) ? "0" : "–").append("</td>")
                        .append("<td colspan=\"6\" class=\"na\" title=\"").append(esc(Reports.noNumbers(s))).append("\">")
                        .append(esc(Reports.noNumbers(s))).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static void counters(StringBuilder h, TraceReport r) {
        TraceReport.Counters c = r.counters();
        if (c == null) {
            return;
        }
        h.append("<div class=\"counters\">\n");
        counter(h, "writes", Long.toString(c.writes()), false);
        counter(h, "bytes", Reports.bytes(c.bytes()), false);
        counter(h, "packets", Long.toString(c.packets()), false);
        counter(h, "retransmits", Long.toString(c.retransmits()), c.retransmits() > 0);
        counter(h, "retransmitted", Reports.bytes(c.retransmittedBytes()), c.retransmittedBytes() > 0);
        counter(h, "drops", Long.toString(c.drops()), c.drops() > 0);
        counter(h, "resets sent / received", c.resetsSent() + " / " + c.resetsReceived(),
                c.resetsSent() + c.resetsReceived() > 0);
        counter(h, "connections opened / closed", c.connectionsOpened() + " / " + c.connectionsClosed(), false);
        counter(h, "listen overflows", Long.toString(c.listenOverflows()), c.listenOverflows() > 0);
        counter(h, "lost events", Long.toString(r.lostEvents()), r.lostEvents() > 0);
        h.append("</div>\n");
        String byKind = nonZero(r.retransmitsByKind());
        String byReason = nonZero(r.dropsByReason());
        String lost = nonZero(r.lostEventsByCause());
        if (!byKind.isEmpty() || !byReason.isEmpty() || !lost.isEmpty()) {
            h.append("<p class=\"breakdown\">");
            if (!byKind.isEmpty()) {
                h.append("retransmits by kind: <b>").append(esc(byKind)).append("</b> ");
            }
            if (!byReason.isEmpty()) {
                h.append("drops by reason: <b>").append(esc(byReason)).append("</b> ");
            }
            if (!lost.isEmpty()) {
                h.append("lost events by cause: <b>").append(esc(lost)).append("</b>");
            }
            h.append("</p>\n");
        }
    }

    static final int MAX_EVENTS_SHOWN = 100;

    private static void events(StringBuilder h, TraceReport r) {
        List<TraceReport.Event> events = r.events() == null ? List.of() : r.events();
        if (events.isEmpty()) {
            h.append("<p class=\"noevents\">No retransmit, drop, reset or listen-overflow events.</p>\n");
            return;
        }
        h.append("<details class=\"events\" open><summary>").append(events.size())
                .append(events.size() == 1 ? " event" : " events");
        if (r.eventsNotKept() > 0) {
            h.append(" (").append(r.eventsNotKept()).append(" more not kept)");
        }
        h.append("</summary>\n<table class=\"events\">\n<thead><tr><th>time</th><th>kind</th><th>local</th>"
                + "<th>remote</th><th>sequence</th><th>detail</th></tr></thead>\n<tbody>\n");
        int from = Math.max(0, events.size() - MAX_EVENTS_SHOWN);
        if (from > 0) {
            h.append("<tr><td colspan=\"6\" class=\"na\">").append(from)
                    .append(" earlier events in the JSON report</td></tr>\n");
        }
        for (TraceReport.Event e : events.subList(from, events.size())) {
            String kind = String.valueOf(e.kind());
            h.append("<tr class=\"ev ").append(esc(kind.toLowerCase(Locale.ROOT))).append("\"><td>")
                    .append(esc(time(e.time()))).append("</td><td><span class=\"kind\">").append(esc(kind))
                    .append("</span></td><td>").append(esc(String.valueOf(e.local()))).append("</td><td>")
                    .append(esc(String.valueOf(e.remote()))).append("</td><td class=\"n\">").append(e.sequence())
                    .append("</td><td>").append(esc(e.detail() == null ? "" : e.detail())).append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</details>\n");
    }

    // ----------------------------------------------------------------------------------------------- the plots

    /** The shared log-scale time axis of one test's plots: whole decades of nanoseconds. */
    record Axis(int minDecade, int maxDecade) {
        static Axis of(List<TraceReport.StageStats> stages) {
            double lo = Double.MAX_VALUE;
            double hi = 0;
            for (TraceReport.StageStats s : stages) {
                if (!Reports.measured(s)) {
                    continue;
                }
                for (TraceReport.Bucket b : s.buckets()) {
                    lo = Math.min(lo, Math.max(1, b.lowNanos()));
                    hi = Math.max(hi, Math.max(1, representative(b)));
                }
            }
            if (hi == 0) {
                return new Axis(3, 6);
            }
            int min = (int) Math.floor(Math.log10(lo));
            int max = (int) Math.floor(Math.log10(hi)) + 1;
            if (max - min < 3) {
                min = Math.max(0, max - 3);
                max = min + 3;
            }
            return new Axis(min, max);
        }

        double x(double nanos) {
            double v = (Math.log10(Math.max(1, nanos)) - minDecade) / (maxDecade - minDecade);
            return Math.max(0, Math.min(1, v)) * PLOT_WIDTH;
        }

        int bins() {
            return (maxDecade - minDecade) * BINS_PER_DECADE;
        }

        int bin(double nanos) {
            int b = (int) Math.floor((Math.log10(Math.max(1, nanos)) - minDecade) * BINS_PER_DECADE);
            return Math.max(0, Math.min(bins() - 1, b));
        }
    }

    static double representative(TraceReport.Bucket b) {
        return b.highNanos() - b.lowNanos() <= 1 ? b.lowNanos() : (b.lowNanos() + b.highNanos() - 1) / 2.0;
    }

    /** One stage's histogram as inline SVG: bars per bin, p50/p99 markers, decade ticks. */
    static String histogram(TraceReport.StageStats s, String key, Axis axis) {
        long[] bins = new long[axis.bins()];
        for (TraceReport.Bucket b : s.buckets()) {
            bins[axis.bin(representative(b))] += b.count();
        }
        long peak = 1;
        for (long v : bins) {
            peak = Math.max(peak, v);
        }
        int w = PLOT_WIDTH;
        int ph = PLOT_HEIGHT;
        double bw = (double) w / bins.length;
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg class=\"hist ").append(esc(key)).append("\" data-stage=\"").append(esc(key))
                .append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w + 2 * PAD).append("\" height=\"")
                .append(ph + AXIS_HEIGHT + 2).append("\" viewBox=\"-").append(PAD).append(" -1 ").append(w + 2 * PAD)
                .append(' ')
                .append(ph + AXIS_HEIGHT + 2).append("\" role=\"img\"><title>").append(esc(s.name()))
                .append(" latency histogram, ").append(s.count()).append(" samples</title>");
        // decade grid and labels
        for (int d = axis.minDecade(); d <= axis.maxDecade(); d++) {
            double x = axis.x(Math.pow(10, d));
            svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>",
                    x, x, ph + 3));
            svg.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                    + "</text>", x, ph + AXIS_HEIGHT, esc(decadeLabel(d))));
        }
        for (int i = 0; i < bins.length; i++) {
            if (bins[i] == 0) {
                continue;
            }
            double bh = Math.max(1.5, ph * (double) bins[i] / peak);
            double lo = Math.pow(10, axis.minDecade() + (double) i / BINS_PER_DECADE);
            double hi = Math.pow(10, axis.minDecade() + (double) (i + 1) / BINS_PER_DECADE);
            svg.append(String.format(Locale.ROOT,
                    "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>%s – %s: %d</title>"
                            + "</rect>", i * bw + 0.4, ph - bh, Math.max(0.8, bw - 0.8), bh,
                    esc(DurationFormat.formatNanos(lo)), esc(DurationFormat.formatNanos(hi)), bins[i]));
        }
        svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", ph, w, ph));
        marker(svg, axis, s.p50Nanos(), "p50", 8);
        marker(svg, axis, s.p99Nanos(), "p99", 17);
        svg.append("</svg>");
        return svg.toString();
    }

    private static void marker(StringBuilder svg, Axis axis, Double nanos, String label, int labelY) {
        if (nanos == null) {
            return;
        }
        double x = axis.x(nanos);
        boolean right = x > PLOT_WIDTH - 30;
        svg.append(String.format(Locale.ROOT, "<line class=\"q %s\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>", label,
                x, x, PLOT_HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text class=\"ql %s\" x=\"%.1f\" y=\"%d\" text-anchor=\"%s\">%s</text>",
                label, right ? x - 3 : x + 3, labelY, right ? "end" : "start", label));
    }

    /** 10^d nanoseconds as a short label: 1ns, 10ns, 100ns, 1µs, …, 1s, 10s, 100s. */
    static String decadeLabel(int d) {
        String[] units = {"ns", "µs", "ms", "s"};
        int u = Math.min(3, Math.max(0, d / 3));
        long v = (long) Math.pow(10, d - 3 * u);
        return v + units[u];
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String quantile(TraceReport r, String stage) {
        if (r.stages() == null || r.stages().get(stage) == null) {
            return "–";
        }
        return Reports.nanos(r.stages().get(stage).p99Nanos());
    }

    private static String budgetSummary(TraceReport r) {
        if (r.budgets() == null || r.budgets().isEmpty()) {
            return "<span class=\"muted\">none</span>";
        }
        long failed = Reports.failedBudgets(r);
        long passed = r.budgets().stream().filter(b -> "PASSED".equals(b.status())).count();
        StringBuilder sb = new StringBuilder();
        if (passed > 0) {
            sb.append("<span class=\"badge pass\">").append(passed).append(" passed</span> ");
        }
        if (failed > 0) {
            sb.append("<span class=\"badge fail\">").append(failed).append(" failed</span> ");
        }
        long other = r.budgets().size() - passed - failed;
        if (other > 0) {
            sb.append("<span class=\"badge skip\">").append(other).append(" not checked</span>");
        }
        return sb.toString().trim();
    }

    private static String num(long v, boolean alarm) {
        return "<td class=\"n" + (alarm && v > 0 ? " alarm" : "") + "\">" + v + "</td>";
    }

    private static void counter(StringBuilder h, String label, String value, boolean alarm) {
        h.append("<div class=\"counter").append(alarm ? " alarm" : "").append("\"><span class=\"v\">").append(esc(value))
                .append("</span><span class=\"l\">").append(esc(label)).append("</span></div>\n");
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

    private static String time(String iso) {
        if (iso == null) {
            return "";
        }
        int t = iso.indexOf('T');
        return t < 0 ? iso : iso.substring(t + 1);
    }

    private static String anchor(int index) {
        return "test-" + (index + 1);
    }

    /** Escapes text for HTML element content and attribute values. */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    private static final String CSS = """
            :root { --socket:#2f6fd6; --qdisc:#e07b00; --device:#8a4fd1; --total:#1f9e57; --ack:#0f8e9e; \
            --rtt:#6b7280; --bad:#c62828; --good:#2e7d32; --muted:#6b7280; --line:#e5e7eb; }
            * { box-sizing: border-box; }
            body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; \
            color:#111827; background:#f6f7f9; margin:0; padding:24px 32px 48px; }
            header h1 { margin:0 0 2px; font-size:26px; letter-spacing:-0.01em; }
            .sub { margin:0 0 16px; color:var(--muted); }
            code { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; }
            .good { color:var(--good); font-weight:600; } .bad { color:var(--bad); font-weight:600; }
            table { border-collapse:collapse; background:#fff; }
            th, td { padding:4px 10px; text-align:left; border-bottom:1px solid var(--line); vertical-align:middle; }
            thead th { font-size:12px; color:var(--muted); font-weight:600; text-transform:uppercase; \
            letter-spacing:0.03em; }
            td.n { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
            td.alarm, .counter.alarm .v { color:var(--bad); font-weight:700; }
            table.summary { width:100%; border:1px solid var(--line); border-radius:6px; margin-bottom:12px; \
            font-size:13px; }
            table.summary th, table.summary td { padding:4px 8px; white-space:nowrap; }
            .badge { white-space:nowrap; }
            table.summary a { color:#1d4ed8; text-decoration:none; font-weight:600; }
            .legend { margin:0 0 18px; color:#374151; } .legend summary { cursor:pointer; color:var(--muted); }
            .legend dl { display:grid; grid-template-columns:max-content 1fr; gap:2px 12px; margin:8px 0 0; }
            .legend dt { font-weight:600; } .legend dd { margin:0; }
            section.test { background:#fff; border:1px solid var(--line); border-radius:8px; padding:14px 18px 10px; \
            margin:0 0 18px; box-shadow:0 1px 2px rgba(0,0,0,0.04); }
            section.test h2 { margin:0; font-size:18px; }
            .meta { margin:2px 0 8px; color:var(--muted); font-size:13px; }
            ul.budgets { list-style:none; padding:0; margin:0 0 8px; }
            li.budget { margin:2px 0; }
            li.budget pre { white-space:pre-wrap; font-size:11px; background:#f9fafb; border:1px solid var(--line); \
            padding:8px; max-height:360px; overflow:auto; }
            .badge { display:inline-block; font-size:11px; font-weight:700; padding:1px 7px; border-radius:10px; \
            color:#fff; background:var(--muted); }
            .badge.pass, li.pass .badge { background:var(--good); } .badge.fail, li.fail .badge { background:var(--bad); }
            .muted { color:var(--muted); }
            table.stages { width:100%; margin:4px 0 10px; table-layout:fixed; }
            table.stages col.c-stage { width:104px; } table.stages col.c-n { width:76px; }
            table.stages col.c-q { width:82px; } table.stages col.c-plot { width:auto; }
            table.stages tbody th { white-space:nowrap; font-weight:600; }
            table.stages td.plot, table.stages th.plot { padding:2px 0 2px 12px; }
            td.na { white-space:nowrap; overflow:hidden; text-overflow:ellipsis; }
            td.na { color:var(--muted); font-style:italic; }
            .sw { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; }
            .sw.socket, svg.socket .bar { background:var(--socket); fill:var(--socket); }
            .sw.qdisc, svg.qdisc .bar { background:var(--qdisc); fill:var(--qdisc); }
            .sw.device, svg.device .bar { background:var(--device); fill:var(--device); }
            .sw.total, svg.total .bar { background:var(--total); fill:var(--total); }
            .sw.ack, svg.ack .bar { background:var(--ack); fill:var(--ack); }
            .sw.rtt, svg.rtt .bar { background:var(--rtt); fill:var(--rtt); }
            svg.hist { display:block; }
            svg .grid { stroke:#eef0f3; stroke-width:1; }
            svg .axis { stroke:#9ca3af; stroke-width:1; }
            svg .tick { font-size:9px; fill:#6b7280; font-family: system-ui, sans-serif; }
            svg .q { stroke:#111827; stroke-width:1; } svg .q.p99 { stroke:var(--bad); stroke-dasharray:3 2; }
            svg .ql { font-size:9px; fill:#111827; font-weight:600; font-family: system-ui, sans-serif; }
            svg .ql.p99 { fill:var(--bad); }
            .counters { display:flex; flex-wrap:wrap; gap:8px; margin:4px 0 8px; }
            .counter { border:1px solid var(--line); border-radius:6px; padding:4px 10px; min-width:92px; \
            background:#fafafa; }
            .counter .v { display:block; font-size:16px; font-weight:700; font-variant-numeric: tabular-nums; }
            .counter .l { display:block; font-size:11px; color:var(--muted); }
            .breakdown { margin:0 0 8px; font-size:13px; }
            details.events summary { cursor:pointer; font-weight:600; margin:4px 0; }
            table.events { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; margin-bottom:6px; }
            table.events .kind { font-weight:700; } tr.retransmit .kind { color:var(--qdisc); } \
            tr.drop .kind { color:var(--bad); }
            .noevents { color:var(--muted); font-size:13px; margin:0 0 6px; }
            footer { color:var(--muted); font-size:12px; margin-top:24px; }
            """;
}
