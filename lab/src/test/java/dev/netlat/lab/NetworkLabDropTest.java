// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Inet4Address;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The nftables drop rule: its counter, and what each drop point does to a TCP sender. */
class NetworkLabDropTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @BeforeAll
    static void available() {
        LabTestSupport.assumeLabAvailable();
    }

    @Test
    void peerIngressDropsCauseRealRetransmits() throws Exception {
        int payload = 2 << 20;
        try (NetworkLab lab = NetworkLab.builder().dropEveryNth(20).dropAt(DropPoint.PEER_INGRESS).create();
             LabServer sink = lab.startSinkServer(0)) {
            long hostRetransBefore = NetworkLab.hostNstat().get("TcpRetransSegs");
            NativeTcpClient.TcpInfo info;
            try (NativeTcpClient c = NativeTcpClient.connect((Inet4Address) lab.peerAddress(), sink.port(),
                    "cubic", WAIT)) {
                c.sendAll(new byte[payload]);
                assertThat(sink.awaitBytesReceived(payload, WAIT)).isTrue();
                info = c.tcpInfo();
            }
            NftCounter dropped = lab.nftDropCounter();
            long hostRetrans = NetworkLab.hostNstat().get("TcpRetransSegs") - hostRetransBefore;

            assertThat(sink.bytesReceived()).isEqualTo(payload);
            assertThat(dropped.packets()).isPositive();
            assertThat(dropped.bytes()).isGreaterThanOrEqualTo(dropped.packets() * 40);
            assertThat(info.totalRetrans()).as("TCP_INFO total_retrans").isPositive();
            assertThat(info.bytesRetrans()).isPositive();
            assertThat(info.bytesAcked()).isGreaterThanOrEqualTo(payload);
            // The host-wide counter includes this socket's retransmits (and maybe other sockets').
            assertThat(hostRetrans).isGreaterThanOrEqualTo(info.totalRetrans());
        }
    }

    @Test
    void hostEgressDropsAreLocalAndTheTransferStillCompletes() throws Exception {
        int payload = 1 << 20;
        try (NetworkLab lab = NetworkLab.builder().dropEveryNth(10).dropAt(DropPoint.HOST_EGRESS).create();
             LabServer sink = lab.startSinkServer(0)) {
            assertThat(LabTestSupport.nftTables()).contains(lab.nftTable());
            try (NativeTcpClient c = NativeTcpClient.connect((Inet4Address) lab.peerAddress(), sink.port(),
                    "cubic", WAIT)) {
                c.sendAll(new byte[payload]);
                assertThat(sink.awaitBytesReceived(payload, WAIT)).isTrue();
            }
            assertThat(sink.bytesReceived()).isEqualTo(payload);
            assertThat(lab.nftDropCounter().packets()).isPositive();
        }
    }

    @Test
    void randomFractionDropsSome() throws Exception {
        int payload = 1 << 20;
        // tbf splits GSO packets into MTU-sized ones, so ~750 packets pass the rule: P(no drop) is ~1e-17.
        try (NetworkLab lab = NetworkLab.builder().rate("200mbit").dropFraction(0.05).create();
             LabServer sink = lab.startSinkServer(0)) {
            try (NativeTcpClient c = NativeTcpClient.connect((Inet4Address) lab.peerAddress(), sink.port(),
                    "cubic", WAIT)) {
                c.sendAll(new byte[payload]);
                assertThat(sink.awaitBytesReceived(payload, WAIT)).isTrue();
            }
            NftCounter dropped = lab.nftDropCounter();
            QdiscStats q = lab.qdiscStats();
            assertThat(dropped.packets()).isPositive().isLessThan(q.sentPackets() / 4);
        }
    }
}
