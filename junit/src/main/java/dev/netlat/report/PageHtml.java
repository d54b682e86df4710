// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static dev.netlat.report.Html.esc;

import java.time.Instant;
import java.util.List;

/**
 * Lays out a {@link PageModel} as the whole page: the head with its inline stylesheet, the header line, the summary
 * table, the legend of the stages, a {@link TestSectionHtml} per test, the files that could not be read and the
 * footer. The stylesheet is inline so that the page is one file that can be attached to a CI run.
 */
final class PageHtml {
    private PageHtml() {
    }

    static String render(PageModel page, String source, Instant generatedAt) {
        List<TestModel> tests = page.tests();
        StringBuilder h = new StringBuilder(64 * 1024);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>netlat report</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
        long failed = page.failedBudgets();
        long budgets = page.budgets();
        h.append("<header>\n<h1>netlat report</h1>\n<p class=\"sub\">")
                .append(tests.size()).append(tests.size() == 1 ? " traced test · " : " traced tests · ");
        if (!page.skipped().isEmpty()) {
            h.append("<span class=\"bad\">").append(page.skipped().size()).append(" skipped</span> · ");
        }
        h.append(budgets).append(budgets == 1 ? " budget" : " budgets").append(", ")
                .append("<span class=\"").append(failed > 0 ? "bad" : "good").append("\">").append(failed)
                .append(" failed</span> · generated ").append(esc(generatedAt.toString()))
                .append(" from <code>").append(esc(source)).append("</code></p>\n</header>\n");

        summary(h, tests);
        skipped(h, page.skipped(), tests.isEmpty());
        legend(h);
        for (TestModel t : tests) {
            TestSectionHtml.append(h, t);
        }
        if (!page.problems().isEmpty()) {
            h.append("<section class=\"problems\"><h2>Files not read</h2><ul>\n");
            for (String p : page.problems()) {
                h.append("<li>").append(esc(p)).append("</li>\n");
            }
            h.append("</ul></section>\n");
        }
        if (tests.isEmpty() && page.skipped().isEmpty()) {
            h.append("<p class=\"empty\">No traced tests: no JSON reports in <code>").append(esc(source))
                    .append("</code>.</p>\n");
        }
        h.append("<footer>Written by <code>dev.netlat.report.HtmlReport</code> from the JSON reports of the netlat"
                + " JUnit extension. All times are per write (SOCKET, TOTAL, ACK) or per packet (QDISC, DEVICE)"
                + " of the traced sockets; percentiles are within 1&nbsp;% (bucket midpoints).</footer>\n");
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void summary(StringBuilder h, List<TestModel> tests) {
        if (tests.isEmpty()) {
            return;
        }
        h.append("<table class=\"summary\">\n<thead><tr><th>test</th><th>budgets</th><th>writes</th><th>bytes</th>"
                + "<th>retransmits</th><th>drops</th><th>lost</th><th>TOTAL p99</th><th>ACK p99</th>"
                + "<th>elapsed</th></tr></thead>\n<tbody>\n");
        for (TestModel t : tests) {
            TestModel.Traffic c = t.traffic();
            h.append("<tr><td><a href=\"#").append(t.anchor()).append("\">").append(esc(t.name()))
                    .append("</a></td><td>").append(budgetBadges(t.budgetTally())).append("</td>");
            if (c != null) {
                h.append(num(c.writes(), false)).append("<td class=\"n\">").append(esc(c.bytes()))
                        .append("</td>").append(num(c.retransmits(), true)).append(num(c.drops(), true));
            } else {
                h.append("<td></td><td></td><td></td><td></td>");
            }
            h.append(num(t.lostEvents(), true))
                    .append("<td class=\"n\">").append(esc(t.totalP99())).append("</td>")
                    .append("<td class=\"n\">").append(esc(t.ackP99())).append("</td>")
                    .append("<td class=\"n\">").append(esc(t.elapsed()))
                    .append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    /** The traced tests that were skipped, with the reason: a run that measured nothing must say so at the top. */
    private static void skipped(StringBuilder h, List<SkippedTest> skipped, boolean noneRan) {
        if (skipped.isEmpty()) {
            return;
        }
        h.append("<section class=\"skipped\"><h2>").append(noneRan ? "Nothing measured: every traced test was"
                + " skipped" : skipped.size() + " traced test" + (skipped.size() == 1 ? " was" : "s were")
                + " skipped").append("</h2><ul>\n");
        for (SkippedTest s : skipped) {
            h.append("<li><b>").append(esc(s.name())).append("</b>: ").append(esc(String.valueOf(s.reason())))
                    .append("</li>\n");
        }
        h.append("</ul></section>\n");
    }

    private static String budgetBadges(TestModel.BudgetTally tally) {
        if (tally == null) {
            return "<span class=\"muted\">none</span>";
        }
        StringBuilder sb = new StringBuilder();
        if (tally.passed() > 0) {
            sb.append("<span class=\"badge pass\">").append(tally.passed()).append(" passed</span> ");
        }
        if (tally.failed() > 0) {
            sb.append("<span class=\"badge fail\">").append(tally.failed()).append(" failed</span> ");
        }
        if (tally.notChecked() > 0) {
            sb.append("<span class=\"badge skip\">").append(tally.notChecked()).append(" not checked</span>");
        }
        return sb.toString().trim();
    }

    private static String num(long v, boolean alarm) {
        return "<td class=\"n" + (alarm && v > 0 ? " alarm" : "") + "\">" + v + "</td>";
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
            section.skipped { background:#fff7ed; border:1px solid #fdba74; border-radius:8px; padding:10px 18px; \
            margin:0 0 18px; }
            section.skipped h2 { margin:0 0 4px; font-size:16px; color:#9a3412; }
            section.skipped ul { margin:0; padding-left:18px; }
            footer { color:var(--muted); font-size:12px; margin-top:24px; }
            """;
}
