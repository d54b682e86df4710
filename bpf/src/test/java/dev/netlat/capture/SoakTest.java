// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.internal.Engine;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 7 point 5: many consecutive windows of mixed traffic in one JVM. Counts stay exact (latency samples exact or
 * their loss reported, in at most 1 % of the windows: see the README's known limits), the kernel maps drain
 * back (sockets removed at close, port table cleared per tracing period) and the heap stays flat.
 * Runs 20 s by default (CI); {@code -Dnetlat.soak.seconds=600} for the full 10-minute soak.
 */
class SoakTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void manyWindowsStayExactAndFlat() throws Exception {
        long seconds = Long.getLong("netlat.soak.seconds", 20);
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Long> heap = new ArrayList<>();
        List<Map<String, Integer>> maps = new ArrayList<>();
        int windows = 0;
        List<String> lossy = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        CompletableFuture.runAsync(() -> {
                            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                                byte[] b = new byte[65536];
                                for (int n; (n = in.read(b)) > 0; ) {
                                    if (b[0] == 'E') {
                                        out.write(b, 0, n); // echo requests, sink the stream
                                    }
                                }
                            } catch (Exception ignored) {
                                // peer closed
                            }
                        });
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            while (System.nanoTime() < end && windows < 100_000) {
                int streamWrites = 50 + windows % 150;
                int echoes = 20 + windows % 30;
                try (NetworkTrace trace = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true))) {
                    try (Socket stream = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                         Socket echo = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                        echo.setTcpNoDelay(true);
                        byte[] chunk = new byte[8192];
                        for (int i = 0; i < streamWrites; i++) {
                            stream.getOutputStream().write(chunk);
                        }
                        byte[] req = new byte[512];
                        req[0] = 'E';
                        for (int i = 0; i < echoes; i++) {
                            echo.getOutputStream().write(req);
                            echo.getInputStream().readNBytes(req.length);
                        }
                        int expected = streamWrites + 2 * echoes; // our writes plus the server's echoes
                        // the client can read the last echo before the server's write call has returned (the data
                        // is delivered inside the call): only writes that returned are promised, so wait for it
                        long until = System.nanoTime() + 5_000_000_000L;
                        while (trace.writes() < expected && System.nanoTime() < until) {
                            Thread.onSpinWait();
                        }
                        assertThat(trace.writes()).as("window %d", windows).isEqualTo(expected);
                        long samples = trace.latency(Stage.SOCKET).count();
                        long lost = trace.lostEvents();
                        // every write is a sample or a reported loss, never silently missing; a window without
                        // reported loss is exact
                        assertThat(samples + lost).as("window %d: SOCKET samples %d, lost %s", windows, samples,
                                trace.lostEventsByCause()).isGreaterThanOrEqualTo(expected);
                        if (lost == 0) {
                            assertThat(samples).as("window %d: SOCKET samples", windows).isEqualTo(expected);
                        } else {
                            lossy.add("window " + windows + ": " + samples + "/" + expected + " " + trace.lostEventsByCause()
                                    + ", still pending " + Engine.get().pendingSamples() + ", sockets "
                                    + Engine.get().mapEntryCounts());
                        }
                    }
                }
                windows++;
                if (windows % 50 == 0) {
                    System.gc();
                    heap.add(Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory());
                    maps.add(Engine.get().mapEntryCounts());
                }
            }
        }
        System.out.printf("soak: %d windows in %d s; heap samples %s; map entries %s%n", windows, seconds, heap, maps);
        System.out.printf("windows with reported (never silent) sample loss: %d %s%n", lossy.size(), lossy);
        assertThat(windows).isGreaterThan(20);
        // the rare unmatched packet (README, known limits) is reported; more than 1 % of windows is a regression
        assertThat(lossy.size()).as("windows with lost samples: %s", lossy).isLessThanOrEqualTo(Math.max(1, windows / 100));
        if (heap.size() >= 4) {
            long first = heap.get(1);
            long last = heap.get(heap.size() - 1);
            assertThat(last).as("heap after GC, first vs last sample").isLessThan(first * 2 + (16 << 20));
        }
        Thread.sleep(200); // sockets closed above are destroyed asynchronously
        Map<String, Integer> after = Engine.get().mapEntryCounts();
        System.out.println("maps after the soak: " + after);
        assertThat(after.get("socks")).as("socket state removed when sockets close").isLessThanOrEqualTo(2);
        assertThat(after.get("tx_skbs")).as("no skb left in flight").isLessThanOrEqualTo(2);
    }
}
