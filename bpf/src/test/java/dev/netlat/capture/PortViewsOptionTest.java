package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.internal.Engine;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** TraceOptions.portViews(false): the kernel skips the per-port table, everything else is measured as before. */
class PortViewsOptionTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    static int send(int writes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // the client closed
                }
            });
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                c.setTcpNoDelay(true);
                for (int i = 0; i < writes; i++) {
                    c.getOutputStream().write(new byte[512]);
                }
            }
            sink.get();
            return server.getLocalPort();
        }
    }

    @Test
    void withoutPortViewsThePortTableStaysEmptyAndCountsAreExact() throws Exception {
        Engine.get();
        int port;
        try (NetworkTrace trace = NetworkTracer.start(TraceOptions.defaults().portViews(false))) {
            // a tracing period that began with this window cleared the port table
            port = send(300);
            assertThat(trace.writes()).isEqualTo(300);
            assertThat(trace.latency(Stage.SOCKET).count()).isEqualTo(300);
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
            int port = send(200);
            assertThat(with.port(port).writes()).isEqualTo(200);
            assertThat(with.port(port).latency(Stage.SOCKET).count()).isEqualTo(200);
            assertThat(without.writes()).isEqualTo(200);
        }
    }
}
