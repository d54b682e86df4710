// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 2, test 5: kernel resources never outlive the JVM (or an explicit unload); nothing is pinned. */
class NoLeftoversTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void unloadRemovesProgramsAndLinks() throws Exception {
        List<Integer> ours;
        try (NetworkTrace t = NetworkTracer.start()) {
            ours = NetworkTracer.programs().stream().map(dev.netlat.KernelProgram::id).toList();
            assertThat(Bpftool.ourProgramIds()).as("programs while tracing").containsAll(ours);
            assertThat(Bpftool.ourLinkProgIds()).as("links while tracing").containsAll(ours);
        }
        NetworkTracer.unload();
        awaitGone(ours);
        assertThat(Bpftool.ourProgramIds()).as("programs after unload").doesNotContainAnyElementsOf(ours);
        assertThat(Bpftool.ourLinkProgIds()).as("links after unload").doesNotContainAnyElementsOf(ours);
        assertThat(Bpftool.run("find", "/sys/fs/bpf", "-name", "*nl_*")).as("nothing pinned").isBlank();
    }

    /** The kernel frees a program after its last fd closes, deferred (RCU): give it a moment. */
    private static void awaitGone(List<Integer> ids) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (Bpftool.ourProgramIds().stream().anyMatch(ids::contains) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void exitedAndKilledJvmsLeaveNothing() throws Exception {
        for (boolean kill : new boolean[] {false, true}) {
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), TracingChild.class.getName(), "close")
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertThat(line).as("child output").startsWith("tracing [");
            List<Integer> childIds = java.util.Arrays.stream(line.replaceAll("[^0-9,]", "").split(","))
                    .map(Integer::parseInt).toList();
            assertThat(Bpftool.ourProgramIds()).as("child's programs are loaded").containsAll(childIds);
            if (kill) {
                child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            } else {
                child.getOutputStream().close();
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            awaitGone(childIds);
            assertThat(Bpftool.ourProgramIds()).as((kill ? "killed" : "exited") + " JVM's programs").doesNotContainAnyElementsOf(childIds);
            assertThat(Bpftool.ourLinkProgIds()).as((kill ? "killed" : "exited") + " JVM's links").doesNotContainAnyElementsOf(childIds);
        }
    }
}
