// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.junit.NetlatConfig;
import dev.netlat.report.TraceReport;
import dev.netlat.report.HtmlReport;
import dev.netlat.report.Reports;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the HTML report of the samples that ran before it in headless Chromium, checks that the rendered DOM has
 * one histogram per measured stage of every test, and keeps a screenshot as a build artefact:
 * {@code target/netlat/report.png}. Runs last ({@code junit-platform.properties} orders classes by {@link Order}).
 *
 * <p>Chromium is the Debian {@code chromium} package; when it is missing and this runs as root, the set-up installs
 * it with {@code apt-get install -y chromium} (idempotent). Without root or apt-get the test is skipped.
 */
@Order(Integer.MAX_VALUE)
class HtmlReportScreenshotTest {

    private static final long INSTALL_MINUTES = 10;
    private static final long CHROMIUM_SECONDS = 90;

    private static Path chromium;

    @TempDir
    Path profile;

    @BeforeAll
    static void installChromium() throws Exception {
        chromium = findChromium();
        if (chromium != null) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root || !Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            Assumptions.abort("chromium is not installed and cannot be installed here (needs root and apt-get):"
                    + " apt-get install -y chromium");
        }
        Run install = run(List.of("apt-get", "install", "-y", "-q", "chromium"), INSTALL_MINUTES * 60, true);
        if (install.exit != 0) {
            // A fresh machine may have no package lists yet.
            run(List.of("apt-get", "update", "-q"), INSTALL_MINUTES * 60, true);
            install = run(List.of("apt-get", "install", "-y", "-q", "chromium"), INSTALL_MINUTES * 60, true);
        }
        chromium = findChromium();
        assertThat(chromium).as("chromium after apt-get install (exit %d):%n%s", install.exit, install.output)
                .isNotNull();
    }

    private static Path findChromium() {
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    @Test
    void rendersTheReportWithOneHistogramPerMeasuredStage() throws Exception {
        String dirProp = System.getProperty(NetlatConfig.REPORT_DIR);
        Path dir = Path.of(dirProp == null || dirProp.isBlank() ? NetlatConfig.DEFAULT_REPORT_DIR : dirProp)
                .toAbsolutePath().normalize();
        Path html = HtmlReport.write(dir);
        Reports reports = Reports.read(dir);

        Run dom = chromium(List.of("--dump-dom", html.toUri().toString()));
        assertThat(dom.exit).as("chromium --dump-dom exit; output:%n%s", dom.stderr).isZero();
        assertThat(dom.output).contains("<h1>netlat report</h1>");

        // Per test section of the rendered DOM: the histograms are there, one per measured stage.
        List<String> sections = sections(dom.output);
        assertThat(sections).hasSize(reports.reports().size());
        for (int i = 0; i < sections.size(); i++) {
            TraceReport r = reports.reports().get(i);
            List<String> expected = new ArrayList<>();
            for (TraceReport.StageStats s : Reports.stages(r)) {
                if (Reports.measured(s)) {
                    expected.add(s.name().toLowerCase());
                }
            }
            List<String> plotted = new ArrayList<>();
            Matcher m = Pattern.compile("<svg class=\"hist [a-z]+\" data-stage=\"([a-z]+)\"").matcher(sections.get(i));
            while (m.find()) {
                plotted.add(m.group(1));
            }
            assertThat(plotted).as("histograms of %s", Reports.testName(r)).containsExactlyElementsOf(expected);
            for (String stage : plotted) {
                String svg = sections.get(i).split("data-stage=\"" + stage + "\"", 2)[1].split("</svg>", 2)[0];
                assertThat(svg).as("bars of %s %s", Reports.testName(r), stage).contains("<rect class=\"bar\"");
            }
        }

        Path png = dir.resolve("report.png");
        Files.deleteIfExists(png);
        Run shot = chromium(List.of("--hide-scrollbars", "--screenshot=" + png, "--window-size=1280,2000",
                html.toUri().toString()));
        assertThat(shot.exit).as("chromium --screenshot exit; output:%n%s", shot.stderr).isZero();
        assertThat(png).exists();
        byte[] head = Files.readAllBytes(png);
        assertThat(head.length).as("screenshot size").isGreaterThan(10_000);
        assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        System.out.println("[netlat] HTML report screenshot: " + png);
    }

    private static List<String> sections(String dom) {
        List<String> out = new ArrayList<>();
        String[] parts = dom.split("<section class=\"test\"");
        for (int i = 1; i < parts.length; i++) {
            out.add(parts[i].split("</section>", 2)[0]);
        }
        return out;
    }

    private Run chromium(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(args);
        return run(cmd, CHROMIUM_SECONDS, false);
    }

    record Run(int exit, String output, String stderr) {
    }

    /** Runs a command with a time limit, killing it and its children when it overruns. */
    private static Run run(List<String> cmd, long seconds, boolean mergeErr) throws IOException, InterruptedException {
        Path out = Files.createTempFile("netlat-cmd", ".out");
        Path err = Files.createTempFile("netlat-cmd", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile());
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            if (mergeErr) {
                pb.redirectErrorStream(true);
            } else {
                pb.redirectError(err.toFile());
            }
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", cmd) + " did not finish in " + seconds + " s:\n"
                        + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
