// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.junit.NetlatConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;

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
 * <p>Command line: {@code java -cp <netlat-junit + dependencies> dev.netlat.report.HtmlReport target/netlat}; for
 * the JSON of several CI shards, {@link MergeReports}.
 *
 * <p>{@link PageModel} and {@link TestModel} hold what the page shows; {@link PageHtml}, {@link TestSectionHtml} and
 * {@link HistogramSvg} lay it out.
 */
public final class HtmlReport {
    /** File name of the page inside the report directory. */
    public static final String FILE_NAME = "index.html";

    private HtmlReport() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : NetlatConfig.DEFAULT_REPORT_DIR);
        Path file = write(dir);
        System.out.println("netlat: wrote " + file.toAbsolutePath());
    }

    /**
     * Reads the JSON reports in {@code dir} (and the traced tests that were skipped, in its {@code skipped/}) and
     * writes {@code dir/index.html}; returns the page's path.
     */
    public static Path write(Path dir) throws IOException {
        return write(dir, (Instant) null);
    }

    /**
     * {@link #write(Path)} with only the files written at or after {@code since} (all when null): the page of one
     * run, as {@link NetlatReportListener} writes it with {@link Reports#runStart()}.
     */
    public static Path write(Path dir, Instant since) throws IOException {
        return write(dir, RunResults.read(dir, since));
    }

    static Path write(Path dir, RunResults results) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(FILE_NAME);
        Path tmp = dir.resolve(FILE_NAME + ".tmp");
        Files.writeString(tmp, PageHtml.render(PageModel.of(results), dir.toAbsolutePath().normalize().toString(),
                Instant.now()), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        return file;
    }

    /** The page for these reports; {@code source} and {@code generatedAt} only appear in the header. */
    public static String render(Reports reports, String source, Instant generatedAt) {
        return PageHtml.render(PageModel.of(new RunResults(reports, List.of())), source, generatedAt);
    }
}
