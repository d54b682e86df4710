// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.QdiscStats;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The kernel matrix check of the Done-when: on this kernel, all five stages have samples for 500 writes
 * through a qdisc, with {@code writes()} and {@code bytes()} exact. Each test is one row of the table kernel × check
 * (run inside QEMU guests with other kernels, see the tag): passed → works; aborted → the kernel lacks what the
 * stage needs (the trace reports the stage {@link LatencyDistribution.Status#UNAVAILABLE} and says why); failed →
 * netlat measured wrong.
 *
 * <p>Traffic: one TCP connection (TCP_NODELAY) from the host to a sink inside a {@link NetworkLab} namespace, 500
 * writes of 1 KiB inside one trace window, each write's data read by the sink. {@code lo} is {@code noqueue} (no
 * QDISC stage), so the traffic goes over the lab's veth pair, whose host side gets a {@code pfifo} root qdisc (a real
 * qdisc that never holds packets back: veth never refuses one). One run per address family, shared by that family's
 * rows; the lab is removed right after its run (host loopback is never touched).
 *
 * <p>Per-write stages (SOCKET, TOTAL, ACK) must have exactly one sample per write; per-packet stages (QDISC, DEVICE)
 * one per packet ({@code packets()}, > 0). A row of its own checks that the trace lost no events. Budget: well under
 * a second of traffic per family on the host (2–8 s for the class with lab set-up and the engine's first load); under
 * TCG (10–20× slower) well within the bounds below, which are only there so a hang cannot stall the matrix.
 */
@Tag("kernel-matrix")
@DisplayName("kernel matrix: 500 writes through a qdisc")
@Timeout(300)
class KernelMatrixTest {
    static final int WRITES = 500;
    static final int SIZE = 1024;
    /** Bound of each wait on the traffic (connect, all writes, the sink reading everything). */
    static final Duration BOUND = Duration.ofSeconds(60);
    /**
     * Reads wait for every write to pass the stage; generous for a JVM under TCG (default 5 s). Stages the kernel
     * cannot measure are not read inside the window; closing the window still waits this long when such a stage's
     * samples begin but can never end (e.g. no tcp_probe: ACK), and reports them as lost.
     */
    static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    enum Family {
        IPV4("IPv4"), IPV6("IPv6");

        private final String label;

        Family(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /** What one traffic run measured, read after the window closed (frozen). */
    record Run(Family family, String link, long written, long peerReceived, long writes, long bytes, long packets,
               Map<Stage, LatencyDistribution> stages, long lostEvents, Map<LostCause, Long> lostByCause,
               long retransmits, Map<String, Long> drops, QdiscStats before, QdiscStats after, double seconds) {

        long qdiscFrames() {
            return after.sentPackets() - before.sentPackets();
        }

        long qdiscDrops() {
            return after.drops() - before.drops();
        }

        String describe() {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                    "[%s over %s] %.2f s; wrote %d bytes in %d writes, peer received %d; trace writes=%d bytes=%d"
                            + " packets=%d retransmits=%d drops=%s lost=%d %s; qdisc %s frames=%d drops=%d",
                    family, link, seconds, written, WRITES, peerReceived, writes, bytes, packets, retransmits, drops,
                    lostEvents, lostByCause, after.kind(), qdiscFrames(), qdiscDrops()));
            for (LatencyDistribution d : stages.values()) {
                sb.append("\n  ")
                        .append(d.isAvailable() ? d.summary() : d.name() + " " + d.status() + ": " + d.reason());
            }
            return sb.toString();
        }
    }

    /** One run per family, shared by its rows; a run that failed fails every row of its family with the cause. */
    private static final Map<Family, Object> RUNS = new ConcurrentHashMap<>();

    @BeforeEach
    void available() {
        // per test, not @BeforeAll: an abort there would drop the rows from the report instead of marking them
        CaptureTestSupport.assumeTracingAndLab();
    }

    static Run run(Family family) {
        Object r = RUNS.computeIfAbsent(family, f -> {
            try {
                Run run = traffic(f);
                System.out.println(run.describe());
                return run;
            } catch (Throwable t) {
                return t;
            }
        });
        if (r instanceof Run run) {
            return run;
        }
        Throwable t = (Throwable) r;
        throw new AssertionError("the " + family + " traffic run failed: " + t, t);
    }

    /** One traffic run over a fresh lab (also looped by {@link EveryWriteAckedRoundsTest}). */
    static Run traffic(Family family) throws Exception {
        try (NetworkLab lab = NetworkLab.builder().ipv6(family == Family.IPV6).commandTimeout(BOUND).create()) {
            // veth defaults to noqueue (QDISC not applicable); pfifo is a real qdisc that never holds packets back
            CaptureTestSupport.run("tc", "qdisc", "replace", "dev", lab.hostInterface(), "root", "pfifo", "limit",
                    "1000");
            InetAddress peer = family == Family.IPV6 ? lab.peerAddress6().orElseThrow() : lab.peerAddress();
            String link = lab.hostInterface() + " -> " + peer.getHostAddress() + " (pfifo)";
            try (LabServer sink = lab.startSinkServer(0); Socket socket = new Socket()) {
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(peer, sink.port()), (int) BOUND.toMillis());
                OutputStream out = socket.getOutputStream();
                byte[] chunk = new byte[SIZE];
                for (int i = 0; i < SIZE; i++) {
                    chunk[i] = (byte) i;
                }
                Map<Stage, String> unavailable = NetworkTracer.availability().unavailableStages();
                QdiscStats before = lab.qdiscStats();
                assertThat(before.kind()).as("root qdisc on " + lab.hostInterface()).isEqualTo("pfifo");
                long start = System.nanoTime();
                long deadline = start + BOUND.toNanos();
                long written = 0;
                int writes = 0;
                NetworkTrace trace;
                try (NetworkTrace t = NetworkTracer.start(TraceOptions.defaults().readTimeout(READ_TIMEOUT).timeEveryWrite(true))) {
                    trace = t;
                    for (; writes < WRITES && System.nanoTime() < deadline; writes++) {
                        out.write(chunk); // one write call: a blocking socket takes all 1 KiB at once
                        written += SIZE;
                    }
                    if (writes < WRITES) {
                        throw new AssertionError("only " + writes + " of " + WRITES + " writes within " + BOUND);
                    }
                    if (!sink.awaitBytesReceived(written, BOUND)) {
                        throw new AssertionError("the peer received " + sink.bytesReceived() + " of " + written
                                + " bytes within " + BOUND);
                    }
                    for (Stage s : Stage.values()) {
                        if (!unavailable.containsKey(s)) { // an unavailable stage's read would only wait in vain
                            t.latency(s); // waits (bounded by READ_TIMEOUT) until every write has passed the stage
                        }
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                QdiscStats after = lab.qdiscStats(); // before the socket closes: no FIN counted
                Map<Stage, LatencyDistribution> stages = new EnumMap<>(Stage.class);
                for (Stage s : Stage.values()) {
                    stages.put(s, trace.latency(s));
                }
                return new Run(family, link, written, sink.bytesReceived(), trace.writes(), trace.bytes(),
                        trace.packets(), stages, trace.lostEvents(), trace.lostEventsByCause(), trace.retransmits(),
                        trace.dropsByReason(), before, after, seconds);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- the rows

    @ParameterizedTest(name = "SOCKET over {0}: 500 writes through a qdisc, every write sampled")
    @EnumSource(Family.class)
    @DisplayName("SOCKET: write call -> net_dev_queue")
    void socketStage(Family family) {
        perWrite(Stage.SOCKET, run(family));
    }

    @ParameterizedTest(name = "QDISC over {0}: 500 writes through a pfifo qdisc, every packet sampled")
    @EnumSource(Family.class)
    @DisplayName("QDISC: net_dev_queue -> net_dev_start_xmit")
    void qdiscStage(Family family) {
        Run r = run(family);
        perPacket(Stage.QDISC, r, soft -> soft.assertThat(r.qdiscFrames())
                .as("frames the pfifo passed in the window (every packet went through the qdisc)")
                .isGreaterThanOrEqualTo(r.packets()));
    }

    @ParameterizedTest(name = "DEVICE over {0}: 500 writes through a qdisc, every packet sampled")
    @EnumSource(Family.class)
    @DisplayName("DEVICE: net_dev_start_xmit -> device done")
    void deviceStage(Family family) {
        perPacket(Stage.DEVICE, run(family), soft -> { });
    }

    @ParameterizedTest(name = "TOTAL over {0}: 500 writes through a qdisc, every write sampled")
    @EnumSource(Family.class)
    @DisplayName("TOTAL: write call -> device done")
    void totalStage(Family family) {
        perWrite(Stage.TOTAL, run(family));
    }

    @ParameterizedTest(name = "ACK over {0}: 500 writes through a qdisc, an ACK sample for every write")
    @EnumSource(Family.class)
    @DisplayName("ACK: write call -> covering ACK")
    void ackStage(Family family) {
        perWrite(Stage.ACK, run(family));
    }

    @ParameterizedTest(name = "writes() and bytes() over {0}: 500 writes through a qdisc, exact against the peer")
    @EnumSource(Family.class)
    @DisplayName("writes() and bytes() exact")
    void writesAndBytesExact(Family family) {
        Run r = run(family);
        // writes() and bytes() are counted at the write's end (sock:sock_send_length, or fexit/tcp_sendmsg_locked where
        // the tracepoint is missing); a kernel with neither shows it in the stages' reasons, which name the hook
        // (write_end): the only case in which this row is not a failure
        for (LatencyDistribution d : r.stages().values()) {
            if (d.status() == LatencyDistribution.Status.UNAVAILABLE && d.reason().contains("write_end:")) {
                unavailable("writes() and bytes() cannot be counted: " + d.reason());
            }
        }
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(r.written()).as("bytes written").isEqualTo((long) WRITES * SIZE);
        soft.assertThat(r.peerReceived()).as("bytes the peer received").isEqualTo(r.written());
        soft.assertThat(r.writes()).as("writes() against the write calls\n%s", r.describe()).isEqualTo(WRITES);
        soft.assertThat(r.bytes()).as("bytes() against the bytes the peer received\n%s", r.describe())
                .isEqualTo(r.peerReceived());
        soft.assertAll();
    }

    @ParameterizedTest(name = "lost events over {0}: none for 500 writes through a qdisc")
    @EnumSource(Family.class)
    @DisplayName("no lost events")
    void noLostEvents(Family family) {
        Run r = run(family);
        // its own row: a stage row checks its own sample count (exact counts show nothing of it was lost); this
        // row checks the trace's claim that nothing at all was lost (lostEvents() == 0 means complete)
        assertThat(r.lostEvents()).as("lostEvents(), by cause: %s\n%s", r.lostByCause(), r.describe()).isZero();
    }

    // ------------------------------------------------------------------------------------------------ checks

    private static void perWrite(Stage stage, Run r) {
        LatencyDistribution d = availableOrAbort(stage, r);
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(d.count()).as("%s samples, one per write (%d writes)\n%s", stage, WRITES, r.describe())
                .isEqualTo(WRITES);
        soft.assertThat(r.writes()).as("writes()").isEqualTo(WRITES);
        soft.assertAll();
    }

    private static void perPacket(Stage stage, Run r, Consumer<SoftAssertions> more) {
        LatencyDistribution d = availableOrAbort(stage, r);
        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(r.packets()).as("packets() with first-transmitted data\n%s", r.describe()).isPositive();
        soft.assertThat(d.count()).as("%s samples, one per packet (packets() = %d)\n%s", stage, r.packets(),
                r.describe()).isEqualTo(r.packets());
        more.accept(soft);
        soft.assertAll();
    }

    /**
     * The stage's distribution when measured. When the trace reports it unavailable (this kernel lacks a tracepoint
     * it needs), {@link NetworkTracer#availability()} must say the same, and the row aborts with the trace's reason
     * (fails with it under {@code netlat.unavailable=fail}). Any other status (e.g. QDISC not applicable, although the
     * link has a qdisc) is a failure.
     */
    private static LatencyDistribution availableOrAbort(Stage stage, Run r) {
        LatencyDistribution d = r.stages().get(stage);
        String listed = NetworkTracer.availability().unavailableStages().get(stage);
        if (d.status() == LatencyDistribution.Status.UNAVAILABLE || listed != null) {
            assertThat(d.status()).as("availability() lists %s as unavailable (%s): the trace must report it so too",
                    stage, listed).isEqualTo(LatencyDistribution.Status.UNAVAILABLE);
            assertThat(listed).as("the trace reports %s unavailable (%s): availability() must list it too", stage,
                    d.reason()).isNotNull();
            unavailable(d.reason());
        }
        assertThat(d.status()).as("%s status (%s)\n%s", stage, d.reason(), r.describe())
                .isEqualTo(LatencyDistribution.Status.AVAILABLE);
        return d;
    }

    /** Aborts the row with the reason, or fails it under {@code netlat.unavailable=fail} (what .ci/run sets). */
    private static void unavailable(String reason) {
        KernelRequired.unavailable(reason);
    }
}
