// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.internal.Engine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A traced socket with nothing in flight gives its per-socket state (the write and packet rings, ~60 KiB of kernel
 * memory) back 100-200 ms after its last write, keeping only its scope entry; its next write creates a new state
 * and is measured like the first. Counted against the entries of the kernel's {@code socks} map.
 */
@Tag("kernel-matrix")
class IdleStateReleaseTest {
    static final int SOCKETS = 200;
    static final Duration RELEASED_WITHIN = Duration.ofSeconds(5);

    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void quietSocketsGiveTheirStateBackAndAreMeasuredAgainOnTheNextWrite() throws Exception {
        List<Socket> clients = new ArrayList<>();
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket server = new ServerSocket(0, SOCKETS, InetAddress.getLoopbackAddress());
             NetworkTrace t = NetworkTracer.start()) {
            CompletableFuture<Void> accepting = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < SOCKETS; i++) {
                        accepted.add(server.accept());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            for (int i = 0; i < SOCKETS; i++) {
                Socket c = new Socket();
                c.setTcpNoDelay(true);
                c.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()), 5000);
                clients.add(c);
            }
            accepting.get();
            for (int round = 1; round <= 2; round++) {
                for (Socket c : clients) {
                    c.getOutputStream().write(new byte[100]);
                }
                int live = Engine.get().mapEntryCounts().get("socks");
                assertThat(live).as("states right after round %d's writes", round).isPositive();
                long writes = (long) round * SOCKETS;
                await().atMost(Duration.ofSeconds(10)).until(() -> t.latency(Stage.ACK).count() == writes);
                await().atMost(RELEASED_WITHIN).alias("no state left (socks entries)")
                        .until(() -> Engine.get().mapEntryCounts(), m -> {
                            System.out.println("kernel maps: " + m);
                            return m.get("socks") == 0;
                        });
                assertThat(Engine.get().mapEntryCounts().get("traced_socks")).as("scope entries kept")
                        .isGreaterThanOrEqualTo(SOCKETS);
                assertThat(t.writes()).isEqualTo(writes);
                for (Stage s : new Stage[] {Stage.SOCKET, Stage.TOTAL, Stage.ACK}) {
                    assertThat(t.latency(s).count()).as("%s samples after round %d", s, round).isEqualTo(writes);
                }
                assertThat(t.lostEventsByCause()).as("nothing lost").isEmpty();
                System.out.printf("round %d: %d states right after the writes, 0 within %s; %d writes, all measured%n",
                        round, live, RELEASED_WITHIN, writes);
            }
        } finally {
            for (Socket s : clients) {
                s.close();
            }
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
