// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 7 point 6: windows opened from several threads at once, each narrowed to its port, see only their own traffic. */
class ConcurrentWindowsTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void overlappingWindowsEachSeeTheirOwnPort() throws Exception {
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads * 2);
        CyclicBarrier together = new CyclicBarrier(threads);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int writes = 200 + 100 * t; // different per thread, so a mix-up shows
                results.add(pool.submit(() -> {
                    try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
                        CompletableFuture.runAsync(() -> {
                            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                                in.transferTo(OutputStream.nullOutputStream());
                            } catch (Exception ignored) {
                                // the assertions are on the sender
                            }
                        }, pool);
                        together.await(10, TimeUnit.SECONDS);
                        try (NetworkTrace trace = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true));
                             Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                            for (int i = 0; i < writes; i++) {
                                c.getOutputStream().write(new byte[2048]);
                            }
                            NetworkView mine = trace.port(server.getLocalPort());
                            assertThat(mine.writes()).isEqualTo(writes);
                            assertThat(mine.bytes()).isEqualTo(writes * 2048L);
                            assertThat(mine.latency(Stage.SOCKET).count()).isEqualTo(writes);
                            assertThat(trace.writes()).as("the whole window sees at least its own writes").isGreaterThanOrEqualTo(writes);
                        }
                        return "ok";
                    }
                }));
            }
            for (Future<String> f : results) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo("ok");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
