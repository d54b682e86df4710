// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.internal.Engine;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TraceOptions.portViews(false): the kernel skips the per-port table, everything else is measured as before. */
class PortViewsOptionTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void withoutPortViewsThePortTableStaysEmptyAndCountsAreExact() throws Exception {
        Engine.get();
        int port;
        try (NetworkTrace trace = NetworkTracer.start(TraceOptions.defaults().portViews(false))) {
            // a tracing period that began with this window cleared the port table
            port = SinkTraffic.writeToSink(300, 512);
            assertThat(trace.writes()).isEqualTo(300);
            assertThat(trace.latency(Stage.SOCKET).count()).isEqualTo(trace.timedWrites()).isPositive();
            assertThat(Engine.get().mapEntryCounts().get("port_stats")).as("per-port table untouched").isZero();
            assertThatThrownBy(() -> trace.port(port))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("TraceOptions.portViews(false)");
        }
    }

    @Test
    void aWindowWithPortViewsOpenAtTheSameTimeStillGetsThem() throws Exception {
        try (NetworkTrace without = NetworkTracer.start(TraceOptions.defaults().portViews(false));
             NetworkTrace with = NetworkTracer.start()) {
            int port = SinkTraffic.writeToSink(200, 512);
            assertThat(with.port(port).writes()).isEqualTo(200);
            assertThat(with.port(port).latency(Stage.SOCKET).count()).isEqualTo(with.port(port).timedWrites())
                    .isEqualTo(with.timedWrites()).isPositive();
            assertThat(without.writes()).isEqualTo(200);
        }
    }
}
