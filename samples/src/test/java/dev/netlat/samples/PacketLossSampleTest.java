// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples;

import static dev.netlat.assertj.NetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.netlat.NetworkEvent;
import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.junit.TraceNetwork;
import dev.netlat.lab.DropPoint;
import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.NftCounter;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sample 4 — packet loss: what a lossy link does to a TCP sender, and how netlat shows it.
 *
 * <p>The lab drops every 20th packet from the host to the namespace with an nftables rule at
 * {@link DropPoint#PEER_INGRESS}: the packet left the sender and is lost on the way, which is real loss. TCP notices
 * (duplicate ACKs/SACK, or a timer) and sends the data again.
 *
 * <p>What to learn here:
 * <ul>
 *   <li>{@code trace.retransmits()} counts the segments TCP had to send again, {@code retransmitsByKind()} says why
 *       (FAST after duplicate ACKs/SACK, TIMEOUT when the retransmission timer fired, TAIL_LOSS_PROBE, ...).</li>
 *   <li>{@code trace.events()} lists the most recent retransmits and drops with addresses and sequence numbers:
 *       the first thing to print when a test got slow for no visible reason.</li>
 *   <li>{@code assertThat(trace).hasNoRetransmits()} is the assertion to put in a test that must not see loss; its
 *       failure message carries the counts and the events (printed below).</li>
 *   <li>Loss shows in ACK latency (a write is only acknowledged once its retransmitted copy arrived) and, for the
 *       writes behind it, in SOCKET (TCP shrinks its congestion window after a loss, so later data waits in the
 *       socket). Retransmitted copies themselves are never latency samples.</li>
 * </ul>
 */
@TraceNetwork
class PacketLossSampleTest {

    private static final int PAYLOAD = 2 * 1024 * 1024;
    private static final int WRITE = 16 * 1024;
    private static final Duration MAX_TIME = Duration.ofSeconds(30);

    private static NetworkLab lab;
    private static LabServer sink;

    @BeforeAll
    static void createLossyLab() throws Exception {
        lab = Labs.create(NetworkLab.builder().dropEveryNth(20).dropAt(DropPoint.PEER_INGRESS));
        sink = lab.startSinkServer(0);
        // The rule drops packet 0, 20, 40, ... towards the peer: the very first one would be our connection's SYN,
        // and a lost SYN costs the 1 s initial retransmission timeout. Spend packet 0 on a UDP datagram instead.
        try (DatagramSocket udp = new DatagramSocket()) {
            udp.send(new DatagramPacket(new byte[1], 1, lab.peerAddress(), 9));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> lab.nftDropCounter().packets() >= 1);
    }

    @AfterAll
    static void closeLab() {
        if (sink != null) {
            sink.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void retransmitsOnALossyLink(NetworkTrace trace) throws Exception {
        NftCounter before = lab.nftDropCounter();
        long deadline = System.nanoTime() + MAX_TIME.toNanos();
        long sent = 0;
        try (SocketChannel ch = SocketChannel.open()) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(lab.peerAddress(), sink.port()));
            ByteBuffer buf = ByteBuffer.allocateDirect(WRITE);
            while (sent < PAYLOAD && System.nanoTime() < deadline) {
                buf.clear();
                while (buf.hasRemaining()) {
                    sent += ch.write(buf);
                }
            }
            // Wait until the peer has everything, i.e. until every lost segment was recovered.
            assertThat(sink.awaitBytesReceived(PAYLOAD, Duration.ofSeconds(20))).isTrue();
        }
        long dropped = lab.nftDropCounter().packets() - before.packets();

        System.out.printf("The nft rule dropped %d packets; netlat saw %d retransmitted segments (%d bytes) by kind"
                        + " %s and %d drops by reason %s.%n", dropped, trace.retransmits(),
                trace.retransmittedBytes(), trace.retransmitsByKind(), trace.drops(), trace.dropsByReason());
        System.out.println("Retransmit and drop events (most recent " + trace.events().size() + "):");
        trace.events().stream()
                .filter(e -> e.kind() == NetworkEvent.Kind.RETRANSMIT || e.kind() == NetworkEvent.Kind.DROP)
                .limit(20)
                .forEach(e -> System.out.println("  " + e));
        System.out.println(trace.latency(Stage.ACK).toHistogramText());

        assertThat(sent).isEqualTo(PAYLOAD);
        assertThat(dropped).as("packets the lab dropped").isPositive();
        // Every dropped data packet had to be sent again.
        assertThat(trace.retransmits()).as("retransmitted segments").isPositive();
        // The assertion a loss-sensitive test would make, and what it says when it fails:
        assertThatThrownBy(() -> assertThat(trace).hasNoRetransmits())
                .hasMessageContaining("Expected no TCP retransmits, but measured")
                .satisfies(e -> System.out.println("hasNoRetransmits() fails like this:\n" + e.getMessage()));
    }
}
