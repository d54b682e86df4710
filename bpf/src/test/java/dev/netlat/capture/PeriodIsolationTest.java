// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.Metric;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.internal.Engine;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Samples an earlier window left unfinished (here: writes stuck in the send buffer of a socket whose peer stopped
 * reading, the window closed without waiting) belong to that window's tracing period: the next window neither waits
 * for them nor reports them as its own loss.
 */
class PeriodIsolationTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void samplesLeftUnfinishedByAnEarlierWindowDoNotHoldUpTheNext() throws Exception {
        try (ServerSocketChannel stalled = ServerSocketChannel.open()) {
            stalled.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            long stuck;
            try (SocketChannel writer = SocketChannel.open(stalled.getLocalAddress());
                 SocketChannel neverReads = stalled.accept()) {
                writer.configureBlocking(false);
                try (NetworkTrace first = NetworkTracer.start(TraceOptions.defaults().readTimeout(Duration.ZERO))) {
                    ByteBuffer chunk = ByteBuffer.allocate(16 * 1024);
                    // fill the peer's receive window and then our send buffer: the last writes' data cannot leave
                    for (int i = 0; i < 10_000; i++) {
                        chunk.clear();
                        if (writer.write(chunk) == 0) {
                            break;
                        }
                    }
                    first.latency(Stage.SOCKET); // readTimeout zero: gives up at once, notes what is unresolved
                    stuck = first.unresolvedAtRead().getOrDefault(Metric.SOCKET, 0L);
                }
                assertThat(stuck).as("the first window ends with writes whose data is still in the send buffer")
                        .isPositive();
                assertThat(Engine.get().pendingSamples().get(Metric.SOCKET)).as("pending in the first period")
                        .isGreaterThanOrEqualTo(stuck);

                // a short read bound: the stuck socket's zero-window probing would settle the old samples after
                // ~200 ms (RTO), so a reader that waited for them would give up first and report them as lost
                try (NetworkTrace second = NetworkTracer.start(TraceOptions.defaults().readTimeout(Duration.ofMillis(100)))) {
                    int port = SinkTraffic.writeToSink(10, 100);
                    assertThat(second.port(port).writes()).isEqualTo(10);
                    assertThat(second.port(port).latency(Stage.SOCKET).count()).isEqualTo(10);
                    assertThat(second.latency(Stage.ACK).count()).isGreaterThanOrEqualTo(10);
                    assertThat(second.latency(Stage.TOTAL).count()).isGreaterThanOrEqualTo(10);
                    assertThat(second.lostEventsByCause())
                            .as("the first window's unfinished samples are not this window's loss")
                            .isEmpty();
                    assertThat(Engine.get().pendingSamples().values()).as("nothing pending in the second period")
                            .containsOnly(0L);
                }
            }
        }
    }
}
