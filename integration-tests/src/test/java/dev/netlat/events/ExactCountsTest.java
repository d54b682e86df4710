// SPDX-License-Identifier: Apache-2.0
package dev.netlat.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.capture.KernelRequired;
import dev.netlat.lab.DropPoint;
import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.QdiscStats;
import dev.netlat.truth.Pid1Events;
import dev.netlat.truth.TcpInfo;
import dev.netlat.truth.TimestampingSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Retransmits equal the kernel's own count ({@code tcpi_total_retrans}) and QDISC drops the root qdisc's counter
 * ({@code tc -s qdisc}) in every round, no tolerance, on a link that makes both: 2 % random loss at the peer's ingress
 * (real loss) and tbf 50 mbit, burst 32 kbit (tbf segments every 16 KiB GSO skb), 30 kB limit (the local qdisc drops
 * first transmissions and retransmissions; the kernel counts those retransmissions although the tracepoint says
 * err=1). ftrace (not BPF) counts the QDISC_DROP frees beside it: they must equal tc's counter, and netlat must equal
 * it less the drops that ran while a thread of PID 1 was current on a kernel that hides those from every BPF program
 * (netlat's caveats; none on 6.1 and 6.12). Retransmits stay exact there too: netlat picks up total_retrans at
 * the next retransmit event or ACK it sees. A shortfall in one round of five is what this is for:
 * {@code -Dnetlat.stress.rounds=20} for a stress run, 3 in the suite.
 */
@Timeout(600)
class ExactCountsTest {
    static final int ROUNDS = Integer.getInteger("netlat.stress.rounds", 3);
    static final int WRITES = 500;

    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void retransmitsAndQdiscDropsEqualTheKernelsCountersInEveryRound() throws Exception {
        List<String> rounds = new ArrayList<>();
        boolean exact = true;
        boolean hidden = TcpEventsTest.blindWhilePid1();
        try (NetworkLab lab = NetworkLab.builder().rate("50mbit").burst("32kbit").limit("30kb")
                .dropFraction(0.02).dropAt(DropPoint.PEER_INGRESS).create()) {
            for (int i = 0; i < ROUNDS; i++) {
                QdiscStats before = lab.qdiscStats();
                try (LabServer sink = lab.startSinkServer(0);
                     Pid1Events ftrace = Pid1Events.start("skb/kfree_skb", "reason: QDISC_DROP");
                     Pid1Events retransmits = Pid1Events.start("tcp/tcp_retransmit_skb", "tcp_retransmit_skb:");
                     NetworkTrace t = NetworkTracer.start();
                     TimestampingSocket s = TimestampingSocket.connect(sink.socketAddress())) {
                    s.setTcpNoDelay(true);
                    s.setDrainOnSend(false);
                    byte[] chunk = new byte[16 * 1024];
                    long sent = 0;
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    for (int w = 0; w < WRITES && System.nanoTime() < deadline; w++) {
                        sent += s.send(chunk, false);
                    }
                    assertThat(sink.awaitBytesReceived(sent, Duration.ofSeconds(60))).as("the peer got every byte").isTrue();
                    TcpInfo info = s.tcpInfo();
                    for (long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                         info.unacked() > 0 && System.nanoTime() < end; info = s.tcpInfo()) {
                        Thread.sleep(1);
                    }
                    long netlat = t.port(s.localPort()).retransmits(); // this socket only: the sink is traced too
                    long kernel = s.tcpInfo().totalRetrans();
                    long drops = t.dropsByReason().getOrDefault("QDISC_DROP", 0L);
                    long tc = lab.qdiscStats().drops() - before.drops();
                    long unseen = hidden ? ftrace.whilePid1() : 0;
                    // netlat counts a retransmit as the growth of total_retrans at the next retransmit event or ACK
                    // it sees, so events this kernel hid are made up for: exact in every round (printed for a
                    // failing round: how many of the socket's retransmit events ran while PID 1 was current)
                    long hiddenRetransmits = hidden ? retransmits.whilePid1(" sport=" + s.localPort() + " ") : 0;
                    rounds.add("round " + i + ": retransmits netlat " + netlat + ", tcpi_total_retrans " + kernel
                            + ", by kind " + t.port(s.localPort()).retransmitsByKind() + "; qdisc drops netlat " + drops
                            + ", tc " + tc + ", ftrace " + ftrace.total() + " (" + ftrace.whilePid1()
                            + " while PID 1 ran); retransmit events while PID 1 ran " + hiddenRetransmits);
                    exact &= netlat == kernel && kernel > 0 && tc > 0 && ftrace.total() == tc && drops == tc - unseen;
                }
            }
        }
        System.out.println(String.join("\n", rounds));
        assertThat(exact).as("every round with retransmits and drops, each exact (ftrace equal to tc, netlat to tc less"
                + " what this kernel hid from BPF):\n%s", String.join("\n", rounds)).isTrue();
    }
}
