// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.report;

import static org.assertj.core.api.Assertions.assertThat;

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

/**
 * Headless Chromium for the report tests: renders an HTML report to its DOM and to a screenshot, so that what is
 * checked is what a browser shows, not the markup netlat wrote.
 *
 * <p>Chromium is the Debian {@code chromium} package; when it is missing and this runs as root, {@link #find()}
 * installs it with {@code apt-get install -y chromium} (idempotent). Without root or apt-get the calling test is
 * skipped.
 */
final class HeadlessChromium {
    private static final long INSTALL_MINUTES = 10;
    private static final long CHROMIUM_SECONDS = 90;

    private final Path binary;
    private final Path profile;

    private HeadlessChromium(Path binary, Path profile) {
        this.binary = binary;
        this.profile = profile;
    }

    /** Chromium with a fresh profile in {@code profile}; installs Chromium first where it is missing. */
    static HeadlessChromium find(Path profile) throws Exception {
        Path chromium = installed();
        if (chromium == null) {
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
            chromium = installed();
            assertThat(chromium).as("chromium after apt-get install (exit %d):%n%s", install.exit, install.output)
                    .isNotNull();
        }
        return new HeadlessChromium(chromium, profile);
    }

    private static Path installed() {
        for (String p : List.of("/usr/bin/chromium", "/usr/bin/chromium-browser")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    /** The DOM of the page as Chromium rendered it. */
    String dom(Path html) throws Exception {
        Run dom = run(List.of("--dump-dom", html.toUri().toString()));
        assertThat(dom.exit).as("chromium --dump-dom exit; output:%n%s", dom.stderr).isZero();
        return dom.output;
    }

    /** Takes a screenshot of the page into {@code png} and checks it is a PNG of some substance. */
    void screenshot(Path html, Path png) throws Exception {
        Files.deleteIfExists(png);
        Run shot = run(List.of("--hide-scrollbars", "--screenshot=" + png, "--window-size=1280,2000",
                html.toUri().toString()));
        assertThat(shot.exit).as("chromium --screenshot exit; output:%n%s", shot.stderr).isZero();
        assertThat(png).exists();
        byte[] head = Files.readAllBytes(png);
        assertThat(head.length).as("screenshot size").isGreaterThan(10_000);
        assertThat(new String(head, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    }

    /** The {@code <section class="test">} parts of a rendered report, in page order. */
    static List<String> sections(String dom) {
        List<String> out = new ArrayList<>();
        String[] parts = dom.split("<section class=\"test\"");
        for (int i = 1; i < parts.length; i++) {
            out.add(parts[i].split("</section>", 2)[0]);
        }
        return out;
    }

    /** The test names of a rendered report's sections, in page order. */
    static List<String> sectionNames(String dom) {
        List<String> names = new ArrayList<>();
        for (String s : sections(dom)) {
            Matcher m = Pattern.compile("<h2>([^<]*)</h2>").matcher(s);
            names.add(m.find() ? m.group(1) : "?");
        }
        return names;
    }

    private Run run(List<String> args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile));
        cmd.addAll(args);
        return run(cmd, CHROMIUM_SECONDS, false);
    }

    record Run(int exit, String output, String stderr) {
    }

    /** Runs a command with a time limit, killing it and its children when it overruns. */
    static Run run(List<String> cmd, long seconds, boolean mergeErr) throws IOException, InterruptedException {
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
