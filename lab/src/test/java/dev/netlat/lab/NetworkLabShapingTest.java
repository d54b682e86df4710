// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sanity checks that the tbf qdisc shapes host-to-namespace traffic: what the qdisc counts matches what was sent,
 * and the rate implies a minimum duration. Generous bounds: this checks the lab, not timing of our code.
 */
class NetworkLabShapingTest {

    @BeforeAll
    static void available() {
        LabTestSupport.assumeLabAvailable();
    }

    @Test
    void tbfRateLimitsTheTransferAndCountsItsBytes() throws Exception {
        long payload = 1536 * 1024; // 1.5 MiB at 16 mbit/s: at least ~0.8 s
        try (NetworkLab lab = NetworkLab.builder().rate("16mbit").burst("32kbit").limit("1mb").create();
             LabServer sink = lab.startSinkServer(0)) {
            long rateBytes = lab.rateBitsPerSecond().orElseThrow() / 8;
            assertThat(rateBytes).isEqualTo(2_000_000);
            assertThat(lab.burstBytes()).hasValue(4096);
            assertThat(lab.limitBytes()).hasValue(1 << 20);
            QdiscStats before = lab.qdiscStats();
            assertThat(before.kind()).isEqualTo("tbf");

            long start = System.nanoTime();
            CompletableFuture<Void> send = CompletableFuture.runAsync(() -> {
                try (NativeTcpClient c = NativeTcpClient.connect((Inet4Address) lab.peerAddress(), sink.port(),
                        "cubic", Duration.ofSeconds(20))) {
                    c.sendAll(new byte[(int) payload]);
                    c.shutdownOutput();
                }
            });
            // Sample the queue while the transfer runs (bounded by count and time).
            long maxBacklog = 0;
            for (int i = 0; i < 400 && sink.bytesReceived() < payload; i++) {
                maxBacklog = Math.max(maxBacklog, lab.qdiscStats().backlogBytes());
                Thread.sleep(5);
            }
            assertThat(sink.awaitBytesReceived(payload, Duration.ofSeconds(20))).isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;
            send.get(20, TimeUnit.SECONDS);
            QdiscStats after = lab.qdiscStats();

            assertThat(sink.bytesReceived()).isEqualTo(payload);
            long sentBytes = after.sentBytes() - before.sentBytes();
            long sentPackets = after.sentPackets() - before.sentPackets();
            // Every payload byte went through the qdisc, plus headers (about 66 bytes per 1448-byte segment).
            assertThat(sentBytes).isBetween(payload, payload + payload / 10 + 100_000);
            assertThat(sentPackets).isGreaterThanOrEqualTo(payload / 1448);
            assertThat(after.overlimits()).isPositive();
            assertThat(maxBacklog).as("backlog seen during the transfer").isPositive();
            assertThat(after.backlogBytes()).isZero();
            assertThat(after.backlogPackets()).isZero();
            double minimum = (double) (payload - lab.burstBytes().orElseThrow()) / rateBytes;
            assertThat(seconds).as("transfer time vs. minimum %.2f s implied by the rate", minimum)
                    .isGreaterThan(minimum * 0.8);
        }
    }

    @Test
    void smallLimitMakesQdiscDrops() throws Exception {
        int datagrams = 300;
        try (NetworkLab lab = NetworkLab.builder().rate("1mbit").burst("4kb").limit("8kb").create();
             LabServer echo = lab.startEchoServer(0)) {
            // Resolve the peer's MAC first, or the neighbour layer (not the qdisc) would drop the first datagrams.
            try (Socket s = new Socket(lab.peerAddress(), echo.port())) {
                s.getOutputStream().write(1);
                s.setSoTimeout(5000);
                assertThat(s.getInputStream().read()).isEqualTo(1);
            }
            QdiscStats before = lab.qdiscStats();
            try (DatagramSocket udp = new DatagramSocket()) {
                byte[] b = new byte[1200];
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                for (int i = 0; i < datagrams && System.nanoTime() < deadline; i++) {
                    udp.send(new DatagramPacket(b, b.length, lab.peerAddress(), 9));
                }
            }
            QdiscStats after = lab.qdiscStats();
            long drops = after.drops() - before.drops();
            long passedOrQueued = after.sentPackets() - before.sentPackets() + after.backlogPackets();
            assertThat(drops).isPositive();
            assertThat(drops + passedOrQueued).isGreaterThanOrEqualTo(datagrams);
            assertThat(after.backlogBytes()).isLessThanOrEqualTo(8 * 1024);
        }
    }
}
