// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.DurationFormat;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The JSON reports of a directory (as written by {@link ReportWriter}), read for the console and HTML reports, and
 * the number formats both use.
 *
 * @param reports  the reports by test class, and in the order they ran within a class ({@code startedAt})
 * @param problems files that could not be read, one line each ({@code file: error})
 */
public record Reports(List<TraceReport> reports, List<String> problems) {

    /** The stages of a report in display order: the transmit stages, then RTT. */
    public static final List<String> STAGE_KEYS = List.of("socket", "qdisc", "device", "total", "ack");

    public Reports {
        reports = List.copyOf(reports);
        problems = List.copyOf(problems);
    }

    /**
     * When the test run in this JVM started: the JVM's start, to the whole second before it (some file systems keep
     * file times in whole seconds). {@link NetlatReportListener} shows the files written since, reading them with
     * {@link #read(Path, Instant)} and {@link HtmlReport#write(Path, Instant)}.
     */
    public static Instant runStart() {
        return Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime())
                .truncatedTo(ChronoUnit.SECONDS);
    }

    /** Reads every {@code *.json} directly in {@code dir}; a missing directory gives no reports. */
    public static Reports read(Path dir) throws IOException {
        return read(dir, null);
    }

    /**
     * Reads the {@code *.json} directly in {@code dir} last written at or after {@code since} (all when null): the
     * reports of one run in a directory that still holds those of earlier runs.
     */
    public static Reports read(Path dir, Instant since) throws IOException {
        List<TraceReport> out = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path f : jsonFiles(dir, since)) {
            try {
                TraceReport r = ReportWriter.read(f);
                if (r.test() == null) {
                    problems.add(f.getFileName() + ": not a netlat report (no \"test\")");
                    continue;
                }
                out.add(r);
            } catch (IOException | RuntimeException e) {
                problems.add(f.getFileName() + ": " + e.getMessage());
            }
        }
        out.sort(Comparator.comparing((TraceReport r) -> r.test().className() == null ? "" : r.test().className())
                .thenComparing(r -> r.startedAt() == null ? "" : r.startedAt())
                .thenComparing(Reports::testName));
        return new Reports(out, problems);
    }

    /** The regular {@code *.json} files directly in {@code dir} written at or after {@code since} (null: all). */
    static List<Path> jsonFiles(Path dir, Instant since) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (p.getFileName().toString().endsWith(".json") && Files.isRegularFile(p)
                        && (since == null || !Files.getLastModifiedTime(p).toInstant().isBefore(since))) {
                    out.add(p);
                }
            }
        }
        return out;
    }

    /** {@code Class.method} (nested classes dotted), with the display name when it is a repeated invocation. */
    public static String testName(TraceReport r) {
        return testName(r.test());
    }

    /** {@link #testName(TraceReport)} of a test reference. */
    public static String testName(TraceReport.TestRef t) {
        String cls = t.className() == null ? "?" : t.className();
        cls = cls.substring(cls.lastIndexOf('.') + 1).replace('$', '.');
        String name = cls + "." + (t.methodName() == null ? "?" : t.methodName());
        String uid = t.uniqueId() == null ? "" : t.uniqueId();
        if (uid.contains("-invocation:") && t.displayName() != null) {
            name += " " + t.displayName();
        }
        return name;
    }

    /** The latency distributions of a report in display order (missing stages left out), RTT last. */
    public static List<TraceReport.StageStats> stages(TraceReport r) {
        List<TraceReport.StageStats> out = new ArrayList<>();
        if (r.stages() != null) {
            for (String k : STAGE_KEYS) {
                TraceReport.StageStats s = r.stages().get(k);
                if (s != null) {
                    out.add(s);
                }
            }
            r.stages().forEach((k, s) -> {
                if (!STAGE_KEYS.contains(k) && s != null) {
                    out.add(s);
                }
            });
        }
        if (r.rtt() != null) {
            out.add(r.rtt());
        }
        return out;
    }

    /** Whether a distribution has samples to show. */
    public static boolean measured(TraceReport.StageStats s) {
        return "AVAILABLE".equals(s.status()) && s.count() > 0 && s.buckets() != null && !s.buckets().isEmpty();
    }

    /** A quantile in short units, or "–" when absent. */
    public static String nanos(Double v) {
        return v == null ? "–" : DurationFormat.formatNanos(v);
    }

    /** Bytes in binary units: {@code 812 B}, {@code 64.0 KiB}, {@code 12.5 MiB}. */
    public static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        if (b < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", b / 1024.0);
        }
        if (b < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", b / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", b / (1024.0 * 1024 * 1024));
    }

    /** Why a stage has no numbers, in a few words: "not applicable: …", "unavailable: …", "no samples". */
    public static String noNumbers(TraceReport.StageStats s) {
        String status = s.status() == null ? "UNKNOWN" : s.status();
        if ("AVAILABLE".equals(status)) {
            return "no samples";
        }
        String word = status.toLowerCase(Locale.ROOT).replace('_', ' ');
        return s.reason() == null || s.reason().isBlank() ? word : word + ": " + s.reason();
    }

    /** Budgets of a report that failed. */
    public static long failedBudgets(TraceReport r) {
        return r.budgets() == null ? 0 : r.budgets().stream().filter(b -> "FAILED".equals(b.status())).count();
    }

    /** The budgets of all the reports: one count for the console, Markdown and HTML summaries. */
    public long budgets() {
        return reports.stream().mapToLong(r -> r.budgets() == null ? 0 : r.budgets().size()).sum();
    }

    /** The failed budgets of all the reports, counted as {@link #failedBudgets(TraceReport)} counts them. */
    public long failedBudgets() {
        return reports.stream().mapToLong(r -> failedBudgets(r)).sum();
    }
}
