// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real traffic from the host to servers in the lab's namespace. */
class NetworkLabTrafficTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static NetworkLab lab;

    @BeforeAll
    static void createLab() {
        LabTestSupport.assumeLabAvailable();
        lab = NetworkLab.builder().ipv6(true).create();
    }

    @AfterAll
    static void closeLab() {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void bytesReceivedByThePeerEqualBytesSent() throws Exception {
        byte[] chunk = new byte[64 * 1024];
        int chunks = 64; // 4 MiB, bounded
        long sent = 0;
        try (LabServer sink = lab.startSinkServer(0)) {
            try (Socket s = new Socket()) {
                s.connect(sink.socketAddress(), 5000);
                s.setSoTimeout(5000);
                assertThat(s.getLocalAddress()).isEqualTo(lab.hostAddress());
                OutputStream out = s.getOutputStream();
                for (int i = 0; i < chunks; i++) {
                    out.write(chunk);
                    sent += chunk.length;
                }
            }
            assertThat(sink.awaitBytesReceived(sent, WAIT)).isTrue();
            assertThat(sink.awaitConnectionsFinished(WAIT)).isTrue();
            assertThat(sink.bytesReceived()).isEqualTo(sent).isEqualTo(4L << 20);
            assertThat(sink.connectionsAccepted()).isEqualTo(1);
        }
    }

    @Test
    void echoServerReturnsWhatItGets() throws Exception {
        byte[] msg = new byte[100_000];
        new Random(42).nextBytes(msg);
        try (LabServer echo = lab.startEchoServer(0); Socket s = new Socket()) {
            assertThat(echo.echoes()).isTrue();
            s.connect(echo.socketAddress(), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            Thread writer = new Thread(() -> {
                try {
                    out.write(msg);
                    s.shutdownOutput();
                } catch (Exception ignored) {
                    // the read below fails then
                }
            });
            writer.start();
            byte[] back = new byte[msg.length];
            new DataInputStream(in).readFully(back);
            writer.join(10_000);
            assertThat(back).isEqualTo(msg);
            assertThat(echo.bytesReceived()).isEqualTo(msg.length);
        }
    }

    @Test
    void ipv6AddressesReachTheSameServer() throws Exception {
        try (LabServer sink = lab.startSinkServer(0);
             Socket s = new Socket(lab.peerAddress6().orElseThrow(), sink.port())) {
            assertThat(s.getLocalAddress()).isEqualTo(lab.hostAddress6().orElseThrow());
            s.getOutputStream().write(new byte[12345]);
            s.shutdownOutput();
            assertThat(sink.awaitBytesReceived(12345, WAIT)).isTrue();
            assertThat(sink.bytesReceived()).isEqualTo(12345);
        }
    }

    @Test
    void socketsMadeInNamespaceBelongToIt() throws Exception {
        // The peer address exists only inside the namespace: binding to it works there and nowhere else.
        InetSocketAddress peer = new InetSocketAddress(lab.peerAddress(), 0);
        try (ServerSocket inside = lab.inNamespace(() -> {
            ServerSocket ss = new ServerSocket();
            ss.bind(peer);
            return ss;
        })) {
            assertThat(inside.getInetAddress()).isEqualTo(lab.peerAddress());
            try (Socket c = new Socket(lab.peerAddress(), inside.getLocalPort()); Socket a = inside.accept()) {
                assertThat(a.getInetAddress()).isEqualTo(lab.hostAddress());
                assertThat(c.isConnected()).isTrue();
            }
        }
        assertThatThrownBy(() -> {
            try (ServerSocket outside = new ServerSocket()) {
                outside.bind(peer);
            }
        }).isInstanceOf(BindException.class);
    }

    @Test
    void inNamespaceRethrowsTheTasksException() {
        assertThatThrownBy(() -> lab.inNamespace(() -> {
            throw new java.io.IOException("boom");
        })).isInstanceOf(java.io.IOException.class).hasMessage("boom");
    }

    @Test
    void commandsRunInsideTheNamespace() {
        String out = lab.execInNamespace("ip", "-br", "addr");
        assertThat(out).contains(lab.peerInterface()).contains(lab.peerAddress().getHostAddress())
                .doesNotContain(lab.hostInterface());
        assertThatThrownBy(() -> lab.execInNamespace("ip", "link", "show", "no-such-dev"))
                .isInstanceOf(NetworkLabException.class)
                .hasMessageContaining("no-such-dev")
                .hasMessageContaining("does not exist");
    }

    @Test
    void nstatCountsTheNamespaceOnly() throws Exception {
        Map<String, Long> before = lab.nstat();
        try (LabServer sink = lab.startSinkServer(0)) {
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket(lab.peerAddress(), sink.port())) {
                    s.getOutputStream().write(new byte[1000]);
                }
            }
            assertThat(sink.awaitBytesReceived(3000, WAIT)).isTrue();
        }
        Map<String, Long> after = lab.nstat();
        assertThat(after).containsKeys("TcpInSegs", "TcpRetransSegs", "TcpExtTCPOFOQueue", "IpExtInOctets",
                "Ip6InReceives");
        assertThat(after.get("TcpPassiveOpens") - before.get("TcpPassiveOpens")).isEqualTo(3);
        assertThat(after.get("TcpActiveOpens")).isZero(); // the namespace only accepted
        assertThat(NetworkLab.hostNstat().get("TcpActiveOpens")).isGreaterThanOrEqualTo(3);
        assertThat(Arrays.asList(after.get("TcpInSegs"), after.get("IpExtInOctets"))).allMatch(v -> v > 0);
    }
}
