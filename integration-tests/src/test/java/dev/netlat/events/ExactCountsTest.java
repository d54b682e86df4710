// SPDX-License-Identifier: Apache-2.0
package dev.netlat.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.LostCause;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.capture.KernelRequired;
import dev.netlat.lab.DropPoint;
import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.QdiscStats;
import dev.netlat.truth.Pid1Events;
import dev.netlat.truth.TimestampingSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retransmits equal the kernel's own count ({@code tcpi_total_retrans}), QDISC drops the root qdisc's counter
 * ({@code tc -s qdisc}), and the SOCKET, TOTAL and ACK sample counts the writes, in every round, no tolerance, on a
 * link that makes retransmits and drops: 2 % random loss at the peer's ingress
 * (real loss) and tbf 10 mbit (2 in the kernel matrix), burst 32 kbit (tbf segments every 16 KiB GSO skb), 30 kB limit (the local qdisc drops
 * first transmissions and retransmissions; the kernel counts those retransmissions although the tracepoint says
 * err=1). ftrace (not BPF) counts the QDISC_DROP frees beside it: they must equal tc's counter, and netlat must equal
 * it less the drops that ran while a thread of PID 1 was current on a kernel that hides those from every BPF program
 * (netlat's caveats; none on 6.1 and 6.12). Retransmits stay exact there too: netlat picks up total_retrans at
 * the next retransmit event or ACK it sees. Samples there: a write whose packet's net_dev_queue (or device-done) was
 * hidden has no SOCKET (or TOTAL) sample; each such write must be counted as {@code QUEUE_NOT_SEEN} (or
 * {@code DEVICE_DONE_NOT_SEEN}, or {@code QUEUE_NOT_SEEN} where only the ACK showed the hidden packet) and ftrace must have seen that hook's events run while PID 1 was current (for
 * device-done: consume_skb, or the link's start_xmit, inside which the veth's netif_rx runs). An ACK sample is
 * missing only for an ACK whose tcp_probe run the kernel skipped (hidden while PID 1 ran, or a recursion miss it
 * counted): counted as {@code ACK_NOT_SEEN}. A shortfall in one round of five is what this is for:
 * {@code -Dnetlat.stress.rounds=20} for a stress run, 3 in the suite.
 */
@Timeout(600)
@Tag("kernel-matrix")
class ExactCountsTest {
    static final int ROUNDS = Integer.getInteger("netlat.stress.rounds", 3);
    /**
     * 300 writes of 16 KiB at 10 mbit, ~4 s a round: the writer overflows the queue in every round. In the kernel
     * matrix ({@code netlat.matrix}: guests run the JVM under QEMU's TCG, 10-20x slower) it does not always: at
     * 10 mbit tc counted no drop in 6 of 20 rounds on 6.1, at 2 mbit in 1 of 3 (why the slow sender leaves the queue
     * short is not established). There the rounds are 100 writes at 2 mbit, drops are checked exact whenever
     * there are any, and a round without any is no failure (TcpEventsTest's qdisc test made 3-21 drops on each kernel in
     * the matrix runs here).
     */
    static final boolean MATRIX = TcpEventsTest.MATRIX;
    static final int WRITES = MATRIX ? 100 : 300;
    static final String RATE = MATRIX ? "2mbit" : "10mbit";

    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void retransmitsDropsAndSamplesAreExactInEveryRound() throws Exception {
        List<String> rounds = new ArrayList<>();
        boolean exact = true;
        boolean hidden = TcpEventsTest.blindWhilePid1();
        try (NetworkLab lab = NetworkLab.builder().rate(RATE).burst("32kbit").limit("30kb")
                .dropFraction(0.02).dropAt(DropPoint.PEER_INGRESS).create()) {
            for (int i = 0; i < ROUNDS; i++) {
                QdiscStats before = lab.qdiscStats();
                try (LabServer sink = lab.startSinkServer(0);
                     Pid1Events ftrace = Pid1Events.start("skb/kfree_skb", "reason: QDISC_DROP");
                     Pid1Events retransmits = Pid1Events.start("tcp/tcp_retransmit_skb", "tcp_retransmit_skb:");
                     Pid1Events queued = Pid1Events.start("net/net_dev_queue", "dev=" + lab.hostInterface() + " ");
                     Pid1Events consumed = Pid1Events.start("skb/consume_skb", "consume_skb:");
                     // the veth hands each skb on (netif_rx) inside its start_xmit, in the same context: a hidden
                     // start_xmit on the link hides that device-done too
                     Pid1Events xmitted = Pid1Events.start("net/net_dev_start_xmit", "dev=" + lab.hostInterface() + " ");
                     Pid1Events probed = Pid1Events.start("tcp/tcp_probe", "tcp_probe:");
                     NetworkTrace t = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true));
                     TimestampingSocket s = TimestampingSocket.connect(sink.socketAddress())) {
                    s.setTcpNoDelay(true);
                    s.setDrainOnSend(false);
                    byte[] chunk = new byte[16 * 1024];
                    long sent = 0;
                    int writes = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    for (; writes < WRITES && System.nanoTime() < deadline; writes++) {
                        sent += s.send(chunk, false);
                    }
                    assertThat(sink.awaitBytesReceived(sent, Duration.ofSeconds(60))).as("the peer got every byte").isTrue();
                    s.awaitAllAcked(Duration.ofSeconds(10));
                    long netlat = t.port(s.localPort()).retransmits(); // this socket only: the sink is traced too
                    long kernel = s.tcpInfo().totalRetrans();
                    long drops = t.dropsByReason().getOrDefault("QDISC_DROP", 0L);
                    long tc = lab.qdiscStats().drops() - before.drops();
                    long unseen = hidden ? ftrace.whilePid1() : 0;
                    // netlat counts a retransmit as the growth of total_retrans at the next retransmit event or ACK
                    // it sees, so events this kernel hid are made up for: exact in every round (printed for a
                    // failing round: how many of the socket's retransmit events ran while PID 1 was current)
                    long hiddenRetransmits = hidden ? retransmits.whilePid1(" sport=" + s.localPort() + " ") : 0;
                    NetworkView own = t.port(s.localPort());
                    long socket = own.latency(Stage.SOCKET).count(), total = own.latency(Stage.TOTAL).count(),
                            ack = own.latency(Stage.ACK).count();
                    Map<LostCause, Long> lost = t.lostEventsByCause();
                    // a program run the kernel skipped and counted (recursion) is reported, not hidden: allowed, as
                    // long as every count and sample above is still exact
                    Set<LostCause> named = EnumSet.noneOf(LostCause.class);
                    named.addAll(lost.keySet());
                    named.remove(LostCause.KERNEL_SKIPPED_RUNS);
                    long skipped = lost.getOrDefault(LostCause.KERNEL_SKIPPED_RUNS, 0L);
                    // an ACK whose tcp_probe run the kernel skipped (a recursion miss it counts, the ACK hook has no
                    // twin; or hidden while PID 1 ran) loses its writes' ACK samples as ACK_NOT_SEEN, found by the
                    // next ACK's snd_una, instead of their being timed by that later ACK
                    boolean acksExact = explained(writes - ack, lost, Set.of(LostCause.ACK_NOT_SEEN),
                            skipped + (hidden ? probed.whilePid1() : 0));
                    boolean samplesExact = own.writes() == writes && acksExact && (hidden
                            ? explained(writes - socket, lost, Set.of(LostCause.QUEUE_NOT_SEEN), queued.whilePid1())
                                    // a hidden queue event that no later packet showed loses TOTAL too (its ACK shows it)
                                    && explained(writes - total, lost,
                                            Set.of(LostCause.DEVICE_DONE_NOT_SEEN, LostCause.QUEUE_NOT_SEEN),
                                            consumed.whilePid1() + xmitted.whilePid1() + queued.whilePid1())
                                    && HIDDEN_CAUSES.containsAll(named)
                            : socket == writes && total == writes
                                    && (named.isEmpty() || named.equals(Set.of(LostCause.ACK_NOT_SEEN)) && skipped > 0));
                    rounds.add("round " + i + ": writes " + writes + ", netlat " + own.writes() + ", samples SOCKET "
                            + socket + " TOTAL " + total + " ACK " + ack + ", lost " + lost + " (net_dev_queue "
                            + queued.whilePid1() + ", net_dev_start_xmit " + xmitted.whilePid1() + " and consume_skb "
                            + consumed.whilePid1() + ", tcp_probe " + probed.whilePid1() + " while PID 1 ran)"
                            + "; retransmits netlat " + netlat + ", tcpi_total_retrans " + kernel
                            + ", by kind " + t.port(s.localPort()).retransmitsByKind() + "; qdisc drops netlat " + drops
                            + ", tc " + tc + ", ftrace " + ftrace.total() + " (" + ftrace.whilePid1()
                            + " while PID 1 ran); retransmit events while PID 1 ran " + hiddenRetransmits);
                    exact &= netlat == kernel && kernel > 0 && (tc > 0 || MATRIX) && ftrace.total() == tc && drops == tc - unseen
                            && samplesExact;
                }
            }
        }
        System.out.println(String.join("\n", rounds));
        assertThat(exact).as("every round with retransmits and drops, each exact (ftrace equal to tc, netlat to tc less"
                + " what this kernel hid from BPF), and a SOCKET, TOTAL and ACK sample for every write (on a kernel"
                + " that hides events, a missing one named by cause, with hidden events of its hook):\n%s",
                String.join("\n", rounds)).isTrue();
    }

    /**
     * Local netfilter drops (every 5th packet at the host's egress, 8 MiB a round) equal the nft rule counter's growth in
     * every round, less on a kernel that hides events what ftrace saw run while PID 1 was current. One connection
     * carries every round, each in a window of its own. With a connection per round the rule was one ahead of netlat
     * in 2 rounds of 80 here, and in none of 120 since: the previous connection's teardown falls into the next round,
     * and the likeliest packet is an ACK the kernel sends from TIME_WAIT through its control socket, which is no
     * traced socket's (not traced down to the packet).
     * ftrace only tells what ran while PID 1 was current: in this setting ftrace itself missed 1 to 3 of 40-140 drops
     * in 21 of 120 rounds here (not at the window's start: a 200 ms pause there did not change it) while netlat and
     * the rule counter agreed in every round, so the rule counter, not ftrace's total, is what netlat must equal.
     */
    @Test
    void netfilterDropsEqualTheRuleCounterInEveryRound() throws Exception {
        List<String> rounds = new ArrayList<>();
        boolean exact = true;
        boolean hidden = TcpEventsTest.blindWhilePid1();
        try (NetworkLab lab = NetworkLab.builder().dropEveryNth(5).dropAt(DropPoint.HOST_EGRESS).create();
             LabServer sink = lab.startSinkServer(0);
             TimestampingSocket s = TimestampingSocket.connect(sink.socketAddress())) {
            TcpEventsTest.push(s, sink, 64 * 1024); // the handshake's and the first packets' drops stay out of the rounds
            s.awaitAllAcked(Duration.ofSeconds(10));
            for (int i = 0; i < ROUNDS; i++) {
                long before = lab.nftDropCounter().packets();
                try (Pid1Events ftrace = Pid1Events.start("skb/kfree_skb", "reason: NETFILTER_DROP");
                     NetworkTrace t = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true))) {
                    TcpEventsTest.push(s, sink, 8L << 20);
                    s.awaitAllAcked(Duration.ofSeconds(10));
                    ftrace.stop();
                    long rule = lab.nftDropCounter().packets() - before;
                    long netlat = t.dropsByReason().getOrDefault("NETFILTER_DROP", 0L);
                    long unseen = hidden ? ftrace.whilePid1() : 0;
                    rounds.add("round " + i + ": netfilter drops netlat " + netlat + " (" + t.drops() + " in all), nft "
                            + rule + ", ftrace " + ftrace.total() + " (" + ftrace.whilePid1() + " while PID 1 ran)");
                    exact &= rule > 0 && netlat == rule - unseen && t.drops() == netlat;
                }
            }
        }
        System.out.println(String.join("\n", rounds));
        assertThat(exact).as("every round with netfilter drops, netlat equal to the nft rule counter (less what this"
                + " kernel hid from BPF):\n%s", String.join("\n", rounds)).isTrue();
    }

    /** Causes a kernel that hides events from BPF programs may leave: the hooks whose runs it skipped. */
    static final Set<LostCause> HIDDEN_CAUSES = EnumSet.of(LostCause.QUEUE_NOT_SEEN, LostCause.START_XMIT_NOT_SEEN,
            LostCause.DEVICE_DONE_NOT_SEEN, LostCause.ACK_NOT_SEEN);

    /** Whether {@code missing} samples are each counted under one of {@code causes} and the kernel hid events of their hooks. */
    static boolean explained(long missing, Map<LostCause, Long> lost, Set<LostCause> causes, long hiddenHookEvents) {
        long counted = causes.stream().mapToLong(c -> lost.getOrDefault(c, 0L)).sum();
        return missing == 0 || (missing > 0 && missing <= counted && hiddenHookEvents > 0);
    }
}
