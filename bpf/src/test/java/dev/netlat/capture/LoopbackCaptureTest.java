// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 2, test 1: N writes over loopback are all seen, bytes match what the peer read, every stage has samples. */
class LoopbackCaptureTest {
    // 8 KiB writes: even a full 4 MiB send buffer holds fewer writes than a socket's write ring (1024)
    static final int WRITES = 1000;
    static final int SIZE = 8192;

    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"127.0.0.1", "::1", "::ffff:127.0.0.1"})
    void everyWriteIsMeasured(String address) throws Exception {
        InetAddress bind = address.startsWith("::ffff:") ? InetAddress.getByName("::") : InetAddress.getByName(address);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(bind, 0));
            CompletableFuture<Long> received = CompletableFuture.supplyAsync(() -> drain(server));
            long written = 0;
            NetworkTrace trace;
            try (Socket client = new Socket()) {
                client.setTcpNoDelay(true);
                client.connect(new InetSocketAddress(InetAddress.getByName(address), server.getLocalPort()), 5000);
                OutputStream out = client.getOutputStream();
                byte[] chunk = new byte[SIZE];
                try (NetworkTrace t = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true))) {
                    trace = t;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                    for (int i = 0; i < WRITES && System.nanoTime() < deadline; i++) {
                        out.write(chunk);
                        written += SIZE;
                    }
                    assertThat(t.writes()).as("writes seen while open").isEqualTo(WRITES);
                    assertThat(t.latency(Stage.ACK).count()).isEqualTo(WRITES);
                }
            }
            long peer = received.get(20, TimeUnit.SECONDS);
            assertThat(written).isEqualTo((long) WRITES * SIZE);
            assertThat(trace.writes()).isEqualTo(WRITES);
            assertThat(trace.bytes()).as("bytes() against bytes the peer read").isEqualTo(peer);
            assertThat(trace.port(server.getLocalPort()).writes()).as("port view of the server port").isEqualTo(WRITES);
            assertThat(trace.port(server.getLocalPort()).latency(Stage.ACK).count()).isEqualTo(WRITES);
            assertThat(trace.port(1).writes()).as("port view of an unused port").isZero();
            for (Stage s : new Stage[] {Stage.SOCKET, Stage.DEVICE, Stage.TOTAL, Stage.ACK}) {
                LatencyDistribution d = trace.latency(s);
                assertThat(d.isAvailable()).as(s + " " + d.reason()).isTrue();
                assertThat(d.count()).as(s + " samples").isGreaterThan(0);
                if (s.unit() == Stage.Unit.WRITE) {
                    assertThat(d.count()).as(s + " one sample per write").isEqualTo(WRITES);
                } else {
                    assertThat(d.count()).as(s + " one sample per packet").isEqualTo(trace.packets());
                }
                System.out.println(address + " " + d.summary());
            }
            LatencyDistribution q = trace.latency(Stage.QDISC);
            assertThat(q.status()).as("QDISC on lo").isEqualTo(LatencyDistribution.Status.NOT_APPLICABLE);
            assertThat(q.reason()).contains("noqueue");
            assertThat(trace.lostEvents()).as("lost " + trace.lostEventsByCause()).isZero();
            assertThat(trace.rtt().count()).isEqualTo(trace.packets());
            assertThat(trace.rtt().p50()).isLessThan(Duration.ofMillis(50));
        }
    }

    static long drain(ServerSocket server) {
        try {
            return drain(server.accept());
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** Reads the socket to its end, then closes it: the bytes read. */
    static long drain(Socket accepted) {
        try (Socket s = accepted; InputStream in = s.getInputStream()) {
            byte[] buf = new byte[65536];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                total += n;
            }
            return total;
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }
}
