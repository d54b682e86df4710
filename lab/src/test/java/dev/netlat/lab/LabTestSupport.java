// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Helpers shared by the lab tests: availability gate and running host commands. */
final class LabTestSupport {
    private LabTestSupport() {
    }

    /**
     * Aborts the test when labs cannot be built here, unless {@code netlat.unavailable=fail} (CI), in which case the
     * reason fails it.
     */
    static void assumeLabAvailable() {
        dev.netlat.capture.KernelRequired.assumeAvailable(NetworkLab::checkAvailable);
    }

    /** Runs a command on the host (10 s limit) and returns stdout; fails the test when it exits non-zero. */
    static String sh(String... command) {
        Result r = tryRun(command);
        if (r.exitCode != 0) {
            fail("`" + String.join(" ", command) + "` exited " + r.exitCode + ": " + r.stderr);
        }
        return r.stdout;
    }

    record Result(int exitCode, String stdout, String stderr) {
    }

    static Result tryRun(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("`" + String.join(" ", command) + "` did not finish in 10 s");
            }
            return new Result(p.exitValue(), read(p.getInputStream()), read(p.getErrorStream()));
        } catch (IOException e) {
            throw new AssertionError("cannot run " + List.of(command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    static String netnsList() {
        return sh("ip", "netns", "list");
    }

    static String linkList() {
        return sh("ip", "-o", "link", "show");
    }

    static String nftTables() {
        return sh("nft", "list", "tables");
    }
}
