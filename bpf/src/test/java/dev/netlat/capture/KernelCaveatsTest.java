// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTracer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A kernel that runs no tracing program while PID 1 is the current task (its {@code struct bpf_prog_aux} has
 * {@code init_owned}) loses events without counting them anywhere: netlat must say so in
 * {@code availability().caveats()}, and only there. Checked against bpftool's own dump of the kernel's BTF.
 */
@Tag("kernel-matrix")
class KernelCaveatsTest {

    @Test
    @DisplayName("caveats: the PID-1 skip is reported exactly where the kernel's BTF has bpf_prog_aux.init_owned")
    void pid1SkipIsReportedWhereTheKernelHasIt() throws Exception {
        KernelRequired.assumeTracingAvailable();
        boolean kernelHasIt = bpftoolBtfHasMember("bpf_prog_aux", "init_owned");
        assertThat(NetworkTracer.availability().caveats().contains(dev.netlat.KernelCaveat.HIDES_EVENTS_WHILE_PID1_RUNS))
                .as("a PID-1 caveat, where bpftool finds bpf_prog_aux.init_owned: " + kernelHasIt)
                .isEqualTo(kernelHasIt);
    }

    /** bpftool's C dump of the vmlinux BTF: the struct's body, then whether a member of that name is in it. */
    private static boolean bpftoolBtfHasMember(String struct, String member) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "c")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("bpftool is not installed: " + e.getMessage());
            throw e;
        }
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("bpftool btf dump failed: " + out.lines().limit(5).toList());
        }
        int start = out.indexOf("struct " + struct + " {");
        assertThat(start).as("struct " + struct + " in bpftool's dump").isNotNegative();
        String body = out.substring(start, out.indexOf("\n};", start));
        return body.matches("(?s).*[ *]" + member + "(\\[.*?\\])?;.*");
    }
}
