// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.QdiscStats;
import dev.netlat.truth.TcpInfo;
import dev.netlat.truth.TimestampingSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 2, test 2: the QDISC stage on a shaped link. A lab with a {@code tbf} qdisc of rate R on the host side; one
 * cubic TCP socket pushes B bytes to a sink in the namespace inside a trace window; QDISC p50/p99 are checked against
 * the range that R, the tbf limit L and the frame size imply. The same link without tbf (a plain {@code pfifo}, which
 * never holds packets because veth never refuses one) must give QDISC p99 below 1 ms. Packets and bytes are checked
 * against the qdisc's own counters and the sink.
 *
 * <h2>The range (derivation)</h2>
 * Notation: R = tbf rate in bytes/s, L = tbf limit in bytes, b = tbf burst in bytes, F = 1514 bytes = the wire size
 * (qdisc_pkt_len: 14 Ethernet + 20 IPv4 + 32 TCP with timestamps + 1448 payload) of a full segment.
 * <ul>
 *   <li>tbf counts qdisc_pkt_len (frame bytes) against both L and R, and enqueues a packet (or, for a GSO skb it
 *       has to segment, each segment) only while its backlog stays within L: every byte ahead of a newly enqueued
 *       packet is one of at most L - F bytes queued. The tracer's QDISC sample of a packet ends at the first
 *       {@code net_dev_start_xmit} of it (of its first segment when tbf segments it), so it waits for at most the
 *       bytes ahead of it, drained at R, minus what the tokens (at most b) let pass at once:
 *       <b>QDISC &le; (L - F) / R &lt; L / R</b> for every packet. Measurement slack on top: the tbf watchdog is an
 *       hrtimer (µs), the histogram is within 1 %, and the tracer's own programs cost µs per hop; 1 ms covers it.</li>
 *   <li>Lower end. One cubic socket does <em>not</em> keep a qdisc full up to L: TCP small queues limit the bytes
 *       one socket may have below TCP (in the qdisc or the device) to about max(2 skb truesizes, 1 ms at the pacing
 *       rate), and cubic's cwnd (HyStart leaves slow start as soon as the RTT grows) limits the rest. So a "large
 *       fraction of L/R" is not something B and R imply for a single flow; what they do imply: the link is the
 *       bottleneck (the sender can write far faster than R, the transfer of B bytes takes at least (B - b)/R), so a
 *       packet is only released by an ACK of an earlier segment, and at that moment the rest of the window (at
 *       least one more full segment: TSO never builds skbs of fewer than 2 segments for bulk data and the initial
 *       window is 10) is still queued ahead of it: <b>QDISC p50 &ge; F / R</b>. Anything below that would mean the
 *       tracer does not see the queue at all (for comparison: the unshaped link gives a few µs).</li>
 *   <li>Packets and bytes. netlat counts packets at {@code net_dev_queue}, before tbf splits GSO skbs; the qdisc
 *       counts what it handed to the device, after segmentation, with headers. So packets are compared as
 *       {@code packets() <= qdisc packets} (each skb gives at least one frame) and bytes exactly: with no qdisc drop,
 *       the window's qdisc bytes minus 66 header bytes per frame (every frame in the window is a data segment of this
 *       socket: the sink never sends data, so the host sends no pure ACKs, and FIN comes after the window) is the
 *       payload that passed, which must equal {@code bytes()} plus retransmitted payload.</li>
 * </ul>
 * With R = 20 Mbit/s (2.5 MB/s), L = 256 KiB, b = 4 KiB, F = 1514: QDISC p99 &le; 104.3 ms (+1 ms slack) and p50
 * &ge; 0.61 ms. L is large enough that a single cubic flow does not reach it (no qdisc drops, so the byte
 * accounting is exact). Measured here: p50 ≈ 17 ms, p99 ≈ 35 ms.
 *
 * <p>Timing on the shared 2-core machine is noisy; the bounds above are physical, not tuned to a run.
 */
@Timeout(180)
class ShapedLinkQdiscTest {
    static final String RATE = "20mbit";
    static final String BURST = "32kbit";
    static final String LIMIT = "256kb";
    static final long PAYLOAD = 3L << 20; // B = 3 MiB: about 1.3 s at 20 Mbit/s
    static final int WRITE = 64 * 1024;
    static final int FRAME = 1514;
    static final int HEADERS = 66; // Ethernet 14 + IPv4 20 + TCP 20 + timestamps option 12
    static final Duration BOUND = Duration.ofSeconds(60);

    @BeforeAll
    static void available() {
        CaptureTestSupport.assumeTracingAndLab();
    }

    record Run(NetworkTrace trace, NetworkView view, QdiscStats before, QdiscStats after, long sinkBytes,
               long maxBacklog, TcpInfo tcpInfo, double seconds) {
        long qdiscPackets() {
            return after.sentPackets() - before.sentPackets();
        }

        long qdiscBytes() {
            return after.sentBytes() - before.sentBytes();
        }

        long qdiscDrops() {
            return after.drops() - before.drops();
        }

        String describe() {
            return String.format(Locale.ROOT, "%.2f s; trace writes=%d bytes=%d packets=%d retransmits=%d drops=%d"
                            + " lost=%s; qdisc frames=%d bytes=%d drops=%d overlimits=%d max backlog=%d; sink=%d;"
                            + " tcp_info retrans=%d bytes_retrans=%d rtt=%dus cwnd=%d%n%s%n%s",
                    seconds, trace.writes(), trace.bytes(), trace.packets(), trace.retransmits(), trace.drops(),
                    trace.lostEventsByCause(), qdiscPackets(), qdiscBytes(), qdiscDrops(),
                    after.overlimits() - before.overlimits(), maxBacklog, sinkBytes, tcpInfo.totalRetrans(),
                    tcpInfo.bytesRetrans(), tcpInfo.rttMicros(), tcpInfo.sndCwnd(),
                    view.latency(Stage.QDISC).toHistogramText(), view.latency(Stage.SOCKET).summary());
        }
    }

    /** Pushes PAYLOAD bytes in 64 KiB writes through one cubic socket inside a trace window. */
    static Run push(NetworkLab lab) throws Exception {
        try (LabServer sink = lab.startSinkServer(0);
             TimestampingSocket socket = TimestampingSocket.connect(new InetSocketAddress(lab.peerAddress(), sink.port()))) {
            socket.setCongestionControl("cubic"); // BBR would move the queue from the qdisc into the socket
            assertThat(socket.congestionControl()).isEqualTo("cubic");
            socket.setDrainOnSend(false); // stamps are not used here; 48 writes fit the error queue
            AtomicBoolean sampling = new AtomicBoolean(true);
            AtomicLong maxBacklog = new AtomicLong();
            Thread sampler = new Thread(() -> {
                for (int i = 0; i < 3000 && sampling.get(); i++) { // bounded: count and (via the flag) time
                    maxBacklog.accumulateAndGet(lab.qdiscStats().backlogBytes(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "qdisc-backlog-sampler");
            sampler.setDaemon(true);
            byte[] chunk = new byte[WRITE];
            QdiscStats before = lab.qdiscStats();
            long start = System.nanoTime();
            long sent = 0;
            NetworkTrace trace;
            long readMillis = -1;
            try (NetworkTrace t = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true))) {
                trace = t;
                sampler.start();
                while (sent < PAYLOAD && System.nanoTime() - start < BOUND.toNanos()) {
                    sent += socket.send(chunk, false);
                }
                assertThat(sink.awaitBytesReceived(PAYLOAD, BOUND)).as("sink received %d bytes", PAYLOAD).isTrue();
                // reading waits (bounded) until every write has passed the stages
                long read = System.nanoTime();
                t.port(socket.localPort()).latency(Stage.ACK);
                readMillis = (System.nanoTime() - read) / 1_000_000;
            } finally {
                sampling.set(false);
                sampler.join(5000);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.println("[push] first read after the last byte arrived took " + readMillis + " ms");
            QdiscStats after = lab.qdiscStats(); // before close: no FIN in the counted frames
            return new Run(trace, trace.port(socket.localPort()), before, after, sink.bytesReceived(),
                    maxBacklog.get(), socket.tcpInfo(), seconds);
        }
    }

    @Test
    void qdiscLatencyFollowsRateAndLimit() throws Exception {
        try (NetworkLab lab = NetworkLab.builder().rate(RATE).burst(BURST).limit(LIMIT).create()) {
            double rate = lab.rateBitsPerSecond().orElseThrow() / 8.0; // bytes per second
            long limit = lab.limitBytes().orElseThrow();
            long burst = lab.burstBytes().orElseThrow();
            Run r = push(lab);
            System.out.println("[shaped " + RATE + " limit " + LIMIT + "] " + r.describe());

            LatencyDistribution q = r.view().latency(Stage.QDISC);
            double upper = (limit - FRAME) / rate * 1e9 + 1_000_000; // (L - F)/R + 1 ms slack
            double lower = FRAME / rate * 1e9; // F/R
            double minSeconds = (PAYLOAD - burst) / rate;
            System.out.printf(Locale.ROOT, "[shaped] QDISC p50=%s p99=%s; implied range: p50 >= %s, p99 <= %s"
                            + " ((L-F)/R + 1 ms); transfer %.2f s >= %.2f s ((B-b)/R)%n",
                    CaptureTestSupport.micros(q.percentileNanosOrNaN(50)),
                    CaptureTestSupport.micros(q.percentileNanosOrNaN(99)), CaptureTestSupport.micros(lower),
                    CaptureTestSupport.micros(upper), r.seconds(), minSeconds);

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(q.isAvailable()).as("QDISC available: " + q.reason()).isTrue();
            long skipped = CaptureTestSupport.kernelSkips(r.trace());
            soft.assertThat(q.count()).as("one QDISC sample per packet (kernel skipped %d program runs)", skipped)
                    .isBetween(r.view().packets() - skipped, r.view().packets());
            soft.assertThat(r.seconds()).as("the link was the bottleneck").isGreaterThanOrEqualTo(minSeconds * 0.95);
            soft.assertThat(r.after().overlimits() - r.before().overlimits()).as("tbf held packets back").isPositive();
            soft.assertThat(q.percentileNanosOrNaN(99)).as("QDISC p99 <= (L-F)/R + 1 ms").isLessThanOrEqualTo(upper);
            soft.assertThat(q.percentileNanosOrNaN(50)).as("QDISC p50 >= F/R").isGreaterThanOrEqualTo(lower);
            soft.assertThat(r.maxBacklog()).as("sampled backlog within L").isLessThanOrEqualTo(limit);
            checkCounts(soft, r);
            soft.assertAll();
        }
    }

    @Test
    void unshapedLinkHasNoQdiscDelay() throws Exception {
        try (NetworkLab lab = NetworkLab.builder().create()) {
            // veth defaults to noqueue (QDISC not applicable); give it a qdisc that never has to hold packets back.
            CaptureTestSupport.run("tc", "qdisc", "replace", "dev", lab.hostInterface(), "root", "pfifo", "limit",
                    "1000");
            assertThat(lab.qdiscStats().kind()).isEqualTo("pfifo");
            Run r = push(lab);
            System.out.println("[unshaped pfifo] " + r.describe());
            LatencyDistribution q = r.view().latency(Stage.QDISC);
            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(q.isAvailable()).as("QDISC available: " + q.reason()).isTrue();
            long skipped = CaptureTestSupport.kernelSkips(r.trace());
            soft.assertThat(q.count()).as("one QDISC sample per packet (kernel skipped %d program runs)", skipped)
                    .isBetween(r.view().packets() - skipped, r.view().packets());
            soft.assertThat(q.percentileNanosOrNaN(99)).as("QDISC p99 without tbf").isLessThan(1_000_000);
            checkCounts(soft, r);
            soft.assertAll();
        }
    }

    private static void checkCounts(SoftAssertions soft, Run r) {
        NetworkView v = r.view();
        // lostEvents() is printed, not asserted: the kernel skips tracing programs under recursion now and then
        // (kernel-notes: 7..746 per 5 s here), also for other sockets' events. The counts below show whether any
        // of this socket's events were lost.
        soft.assertThat(v.writes()).as("writes").isEqualTo(PAYLOAD / WRITE);
        soft.assertThat(v.bytes()).as("bytes() against bytes the sink received").isEqualTo(r.sinkBytes());
        soft.assertThat(r.sinkBytes()).isEqualTo(PAYLOAD);
        soft.assertThat(v.retransmits()).as("retransmits against tcpi_total_retrans")
                .isEqualTo(r.tcpInfo().totalRetrans());
        soft.assertThat(v.drops()).as("drops against the qdisc's drops").isEqualTo(r.qdiscDrops());
        // packets are skbs at net_dev_queue; the qdisc counts frames after segmentation: never fewer frames
        soft.assertThat(v.packets()).as("packets() <= qdisc frames").isPositive().isLessThanOrEqualTo(r.qdiscPackets());
        long payloadThroughQdisc = r.qdiscBytes() - HEADERS * r.qdiscPackets();
        if (r.qdiscDrops() == 0) {
            // The only other frames that can pass the host side in the window are ARP (42 bytes: neighbour
            // re-confirmation, seen once in a 10 s run): each makes the difference exactly 66 - 42 = 24 bytes.
            long missing = v.bytes() + r.tcpInfo().bytesRetrans() - payloadThroughQdisc;
            soft.assertThat(missing).as("payload the qdisc passed (bytes - 66 per frame) = %d, bytes() = %d,"
                    + " retransmitted %d: difference must be 0 or whole ARP frames (24 each)", payloadThroughQdisc,
                    v.bytes(), r.tcpInfo().bytesRetrans()).isBetween(0L, 4L * 24).matches(d -> d % 24 == 0);
        } else {
            // dropped segments are re-sent: each byte passed at least once, retransmitted bytes at most twice
            soft.assertThat(payloadThroughQdisc).as("payload the qdisc passed, with drops")
                    .isBetween(v.bytes(), v.bytes() + r.tcpInfo().bytesRetrans());
        }
    }
}
