// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.Metric;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A read that gives up waiting (readTimeout zero, straight after a burst) never returns a silently short result:
 * every write that returned is either a SOCKET sample or counted as still unresolved in unresolvedAtRead()
 * (and as UNRESOLVED_AT_READ in lostEventsByCause()).
 */
class ReadTimeoutTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void samplesNotYetResolvedAreReportedNotDropped() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // the client closed
                }
            });
            try (NetworkTrace trace = NetworkTracer.start(TraceOptions.defaults().readTimeout(Duration.ZERO));
                 Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                // Nagle on, 1 KiB writes: the tail of the burst waits for an ACK, so samples are likely in flight
                OutputStream out = c.getOutputStream();
                for (int i = 0; i < 2000; i++) {
                    out.write(new byte[1024]);
                }
                long counted = trace.writes();
                long samples = trace.latency(Stage.SOCKET).count();
                long unresolved = trace.unresolvedAtRead().getOrDefault(Metric.SOCKET, 0L);
                System.out.printf("readTimeout 0: %d writes, %d SOCKET samples, %d unresolved at read%n", counted, samples, unresolved);
                assertThat(counted).isEqualTo(2000);
                assertThat(samples + unresolved).as("samples %d, lost %s", samples, trace.lostEventsByCause())
                        .isGreaterThanOrEqualTo(trace.timedWrites());
            }
            sink.cancel(true);
        }
    }
}
