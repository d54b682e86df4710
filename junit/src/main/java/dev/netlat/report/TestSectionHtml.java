// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static dev.netlat.report.Html.esc;

import java.util.Locale;

/**
 * Lays out one {@link TestModel} as the page's {@code <section class="test" data-test="…">}: a line of metadata,
 * the budgets, the stage table with a histogram per measured stage, the counters and the events. The class names
 * are what the page's CSS and the screenshot test look for.
 */
final class TestSectionHtml {
    private TestSectionHtml() {
    }

    static void append(StringBuilder h, TestModel t) {
        h.append("<section class=\"test\" id=\"").append(t.anchor()).append("\" data-test=\"")
                .append(esc(t.name())).append("\">\n");
        h.append("<h2>").append(esc(t.name())).append("</h2>\n");
        h.append("<p class=\"meta\">window <b>").append(esc(t.window())).append("</b> · ")
                .append(esc(t.ports())).append(" · elapsed <b>").append(esc(t.elapsed())).append("</b>");
        if (t.startedAt() != null) {
            h.append(" · started ").append(esc(t.startedAt()));
        }
        h.append(" · <code>").append(esc(t.className())).append("</code>").append("</p>\n");

        budgets(h, t);
        stages(h, t);
        counters(h, t);
        events(h, t.events());
        h.append("</section>\n");
    }

    private static void budgets(StringBuilder h, TestModel t) {
        if (t.budgets().isEmpty()) {
            return;
        }
        h.append("<ul class=\"budgets\">\n");
        for (TestModel.BudgetLine b : t.budgets()) {
            h.append("<li class=\"budget ").append(b.outcomeClass()).append("\"><span class=\"badge\">")
                    .append(esc(b.badge())).append("</span> <b>")
                    .append(esc(b.stage())).append(' ')
                    .append(esc(b.percentile())).append(" &lt; ").append(esc(b.below()))
                    .append("</b>");
            if (b.condition() != null) {
                h.append(' ').append(esc(b.condition()));
            }
            h.append(" — measured ").append(esc(b.measured())).append(" over ")
                    .append(b.samples()).append(" samples");
            if (b.message() != null) {
                h.append("<details><summary>message</summary><pre>").append(esc(b.message())).append("</pre></details>");
            }
            h.append("</li>\n");
        }
        h.append("</ul>\n");
    }

    private static void stages(StringBuilder h, TestModel t) {
        h.append("<table class=\"stages\">\n<colgroup><col class=\"c-stage\"><col class=\"c-n\">"
                + "<col class=\"c-q\"><col class=\"c-q\"><col class=\"c-q\"><col class=\"c-q\"><col class=\"c-q\">"
                + "<col class=\"c-plot\"></colgroup>\n<thead><tr><th>stage</th><th>count</th><th>p50</th><th>p90</th>"
                + "<th>p99</th><th>p99.9</th><th>max</th><th class=\"plot\">distribution (log time axis)</th>"
                + "</tr></thead>\n<tbody>\n");
        for (TestModel.StageRow s : t.stages()) {
            h.append("<tr class=\"stage ").append(esc(s.key())).append("\"><th title=\"")
                    .append(esc(s.kernelPlaces())).append("\"><span class=\"sw ")
                    .append(esc(s.key())).append("\"></span>").append(esc(s.name())).append("</th>");
            h.append("<td class=\"n\">").append(s.count()).append("</td>");
            if (s.measured()) {
                for (String q : s.quantiles()) {
                    h.append("<td class=\"n\">").append(esc(q)).append("</td>");
                }
                h.append("<td class=\"plot\">").append(HistogramSvg.render(s.histogram())).append("</td>");
            } else {
                h.append("<td colspan=\"6\" class=\"na\" title=\"").append(esc(s.noNumbers())).append("\">")
                        .append(esc(s.noNumbers())).append("</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</tbody>\n</table>\n");
    }

    private static void counters(StringBuilder h, TestModel t) {
        if (t.counters().isEmpty()) {
            return;
        }
        h.append("<div class=\"counters\">\n");
        for (TestModel.CounterTile c : t.counters()) {
            h.append("<div class=\"counter").append(c.alarm() ? " alarm" : "").append("\"><span class=\"v\">")
                    .append(esc(c.value())).append("</span><span class=\"l\">").append(esc(c.label()))
                    .append("</span></div>\n");
        }
        h.append("</div>\n");
        TestModel.Breakdown b = t.breakdown();
        if (!b.isEmpty()) {
            h.append("<p class=\"breakdown\">");
            if (!b.retransmitsByKind().isEmpty()) {
                h.append("retransmits by kind: <b>").append(esc(b.retransmitsByKind())).append("</b> ");
            }
            if (!b.dropsByReason().isEmpty()) {
                h.append("drops by reason: <b>").append(esc(b.dropsByReason())).append("</b> ");
            }
            if (!b.lostEventsByCause().isEmpty()) {
                h.append("lost events by cause: <b>").append(esc(b.lostEventsByCause())).append("</b>");
            }
            h.append("</p>\n");
        }
    }

    private static void events(StringBuilder h, TestModel.EventLog events) {
        if (events.total() == 0) {
            h.append("<p class=\"noevents\">No retransmit, drop, reset or listen-overflow events.</p>\n");
            return;
        }
        h.append("<details class=\"events\" open><summary>").append(events.total())
                .append(events.total() == 1 ? " event" : " events");
        if (events.notKept() > 0) {
            h.append(" (").append(events.notKept()).append(" more not kept)");
        }
        h.append("</summary>\n<table class=\"events\">\n<thead><tr><th>time</th><th>kind</th><th>local</th>"
                + "<th>remote</th><th>sequence</th><th>detail</th></tr></thead>\n<tbody>\n");
        if (events.earlier() > 0) {
            h.append("<tr><td colspan=\"6\" class=\"na\">").append(events.earlier())
                    .append(" earlier events in the JSON report</td></tr>\n");
        }
        for (TestModel.EventRow e : events.shown()) {
            h.append("<tr class=\"ev ").append(esc(e.kind().toLowerCase(Locale.ROOT))).append("\"><td>")
                    .append(esc(e.time())).append("</td><td><span class=\"kind\">").append(esc(e.kind()))
                    .append("</span></td><td>").append(esc(e.local())).append("</td><td>")
                    .append(esc(e.remote())).append("</td><td class=\"n\">").append(e.sequence())
                    .append("</td><td>").append(esc(e.detail())).append("</td></tr>\n");
        }
        h.append("</tbody>\n</table>\n</details>\n");
    }
}
