// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static dev.netlat.report.Html.esc;

import dev.netlat.DurationFormat;
import java.util.Locale;

/**
 * Draws a {@link StageHistogram} as inline SVG: {@code <svg class="hist socket" data-stage="socket">} with one
 * {@code <rect class="bar">} per non-empty bin, a grid line and label per decade, and p50/p99 markers. Inline SVG
 * keeps the page a single file that needs no JavaScript.
 */
final class HistogramSvg {
    static final int PLOT_WIDTH = 540;
    static final int PLOT_HEIGHT = 40;
    static final int AXIS_HEIGHT = 14;
    /** Room left and right of the plot for the first and last tick label. */
    static final int PAD = 16;

    private HistogramSvg() {
    }

    static String render(StageHistogram hist) {
        LogTimeAxis axis = hist.axis();
        long[] bins = hist.counts();
        int w = PLOT_WIDTH;
        int ph = PLOT_HEIGHT;
        double bw = (double) w / bins.length;
        String key = hist.stageKey();
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg class=\"hist ").append(esc(key)).append("\" data-stage=\"").append(esc(key))
                .append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w + 2 * PAD).append("\" height=\"")
                .append(ph + AXIS_HEIGHT + 2).append("\" viewBox=\"-").append(PAD).append(" -1 ").append(w + 2 * PAD)
                .append(' ')
                .append(ph + AXIS_HEIGHT + 2).append("\" role=\"img\"><title>").append(esc(hist.stageName()))
                .append(" latency histogram, ").append(hist.samples()).append(" samples</title>");
        for (int d = axis.minDecade(); d <= axis.maxDecade(); d++) {
            double x = axis.position(Math.pow(10, d)) * PLOT_WIDTH;
            svg.append(String.format(Locale.ROOT, "<line class=\"grid\" x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\"/>",
                    x, x, ph + 3));
            svg.append(String.format(Locale.ROOT, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                    + "</text>", x, ph + AXIS_HEIGHT, esc(decadeLabel(d))));
        }
        for (int i = 0; i < bins.length; i++) {
            if (bins[i] == 0) {
                continue;
            }
            // a bin with a few samples next to one with thousands would otherwise not show at all
            double bh = Math.max(1.5, ph * (double) bins[i] / hist.peak());
            svg.append(String.format(Locale.ROOT,
                    "<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\"><title>%s – %s: %d</title>"
                            + "</rect>", i * bw + 0.4, ph - bh, Math.max(0.8, bw - 0.8), bh,
                    esc(DurationFormat.formatNanos(axis.binLowNanos(i))),
                    esc(DurationFormat.formatNanos(axis.binHighNanos(i))), bins[i]));
        }
        svg.append(String.format(Locale.ROOT, "<line class=\"axis\" x1=\"0\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", ph, w, ph));
        marker(svg, axis, hist.p50Nanos(), "p50", 8);
        marker(svg, axis, hist.p99Nanos(), "p99", 17);
        svg.append("</svg>");
        return svg.toString();
    }

    private static void marker(StringBuilder svg, LogTimeAxis axis, Double nanos, String label, int labelY) {
        if (nanos == null) {
            return;
        }
        double x = axis.position(nanos) * PLOT_WIDTH;
        // near the right end the label goes left of its line so that it is not clipped
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
}
