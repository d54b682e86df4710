// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.internal.Engine;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Nothing per packet runs while no window is open: the per-packet programs are detached (bpftool's own list of links says so)
 * and re-attached by the next window, which still sees every write.
 */
class IdleDetachTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
        System.setProperty("netlat.idleDetachAfter", "0"); // detach as soon as the last window closes
    }

    @AfterAll
    static void restore() {
        System.clearProperty("netlat.idleDetachAfter");
    }

    @Test
    void withTheDefaultGracePeriodBackToBackWindowsKeepTheProgramsAttached() throws Exception {
        System.setProperty("netlat.idleDetachAfter", "60000");
        try {
            NetworkTracer.start().close();
            assertThat(Engine.loaded().attachedPrograms()).hasSizeGreaterThan(10);
        } finally {
            System.setProperty("netlat.idleDetachAfter", "0");
            NetworkTracer.start().close(); // leaves them detached for the next test
        }
    }

    @Test
    void betweenWindowsOnlySocketCleanupAndRetransmitsStayAttached() throws Exception {
        {
            for (int round = 0; round < 3; round++) {
                NetworkTrace t = NetworkTracer.start();
                try (t) {
                    assertThat(Engine.loaded().attachedPrograms()).as("a window is open").hasSizeGreaterThan(10);
                    assertThat(linksOfThisJvm()).hasSameSizeAs(Engine.loaded().attachedPrograms());
                    SinkTraffic.writeToSink(50, 1000);
                }
                assertThat(t.writes()).isEqualTo(50);
                assertThat(t.latency(Stage.ACK).count()).isEqualTo(50);
                assertThat(Engine.loaded().attachedPrograms()).as("socket cleanup and the retransmit baseline only")
                        .allMatch(p -> p.equals("nl_destroy_sock") || p.startsWith("nl_retransmit")).hasSize(3);
                assertThat(linksOfThisJvm()).as("bpftool link show: links of our programs while idle").hasSize(3);
                SinkTraffic.writeToSink(50, 1000); // untraced traffic runs no netlat program but the per-socket cleanup
            }
        }
    }

    /** bpftool's links whose program is one of this JVM's (other JVMs on the machine may trace too). */
    static List<Integer> linksOfThisJvm() throws Exception {
        List<Integer> ours = dev.netlat.NetworkTracer.programs().stream().map(dev.netlat.KernelProgram::id).toList();
        return Bpftool.ourLinkProgIds().stream().filter(ours::contains).toList();
    }
}
