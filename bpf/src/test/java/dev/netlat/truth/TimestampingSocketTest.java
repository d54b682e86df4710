// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Real kernel, loopback only. Every loop is bounded in count and time. */
@Timeout(60)
class TimestampingSocketTest {

    private static final Duration COLLECT = Duration.ofSeconds(5);
    /** tcpi_bytes_acked of an active opener includes its SYN: data bytes acked = bytes_acked - 1. */
    private static final long SYN = 1;

    static Stream<Arguments> targets() {
        return Stream.of(
                Arguments.of("127.0.0.1", false),
                Arguments.of("::1", false),
                Arguments.of("127.0.0.1", true)); // AF_INET6 socket, v4-mapped ::ffff:127.0.0.1
    }

    private static byte[] payload(int size, int seed) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    @ParameterizedTest(name = "{0} dualStack={1}")
    @MethodSource("targets")
    void everyEorWriteGetsSchedSoftwareAndAckStampsKeyedByItsLastByte(String host, boolean dualStack)
            throws Exception {
        try (LoopbackSink sink = new LoopbackSink(InetAddress.getByName(host));
             TimestampingSocket s = TimestampingSocket.connect(sink.address(), dualStack, Duration.ofSeconds(5))) {
            assertThat(s.family()).isEqualTo(host.contains(":") || dualStack ? 10 : 2);
            assertThat(s.remotePort()).isEqualTo(sink.address().getPort());
            assertThat(s.localPort()).isPositive();
            s.setTcpNoDelay(true);
            // Linux counts the SYN in tcpi_bytes_acked of the active opener (the SYN-ACK advances snd_una by 1).
            assertThat(awaitBytesAcked(s.fd(), SYN)).isEqualTo(SYN);

            int n = 60;
            long expectedBytes = 0;
            long[] expectedKeys = new long[n];
            for (int i = 0; i < n; i++) {
                int size = 1 + (i * 977) % 9000; // distinct sizes: 1 .. ~9000 bytes
                assertThat(s.send(payload(size, i), true)).isEqualTo(size);
                expectedBytes += size;
                expectedKeys[i] = expectedBytes - 1;
            }
            List<WriteTimestamps> w = s.collect(COLLECT);

            assertThat(w).hasSize(n);
            assertThat(w).allSatisfy(t -> assertThat(t.complete()).as("write %s complete", t).isTrue());
            for (int i = 0; i < n; i++) {
                WriteTimestamps t = w.get(i);
                assertThat(t.index()).isEqualTo(i);
                assertThat(t.key()).isEqualTo(expectedKeys[i]);
                assertThat(t.callNanos()).isLessThanOrEqualTo(t.schedNanos());
                assertThat(t.schedNanos()).isLessThanOrEqualTo(t.softwareNanos());
                assertThat(t.softwareNanos()).isLessThanOrEqualTo(t.ackStampNanos());
                assertThat(t.socketStageNanos()).isNotNegative();
                assertThat(t.totalNanos()).isGreaterThanOrEqualTo(t.socketStageNanos());
                assertThat(t.ackNanos()).isGreaterThanOrEqualTo(t.totalNanos());
            }
            // The keys the kernel reported are exactly "cumulative bytes - 1" of each write: not the first byte,
            // not the cumulative count, and nothing else.
            assertThat(s.stampKeys()).containsExactly(expectedKeys);
            assertThat(s.unmatchedStamps()).isZero();
            assertThat(s.truncatedMessages()).isZero();
            assertThat(s.stampMessages()).isGreaterThanOrEqualTo(3L * n);
            System.out.printf("[%s dualStack=%s] cmsgs SOL_IP/IP_RECVERR=%d SOL_IPV6/IPV6_RECVERR=%d%n", host,
                    dualStack, s.ipRecvErrCmsgs(), s.ipv6RecvErrCmsgs());
            assertThat(s.ipRecvErrCmsgs() + s.ipv6RecvErrCmsgs()).isEqualTo(s.stampMessages());

            assertThat(s.bytesSent()).isEqualTo(expectedBytes);
            assertThat(sink.awaitReceived(expectedBytes, Duration.ofSeconds(5))).isEqualTo(expectedBytes);
            assertThat(awaitBytesAcked(s.fd(), expectedBytes + SYN)).isEqualTo(expectedBytes + SYN);
            TcpInfo info = s.tcpInfo();
            assertThat(info.state()).isEqualTo(1); // ESTABLISHED
            assertThat(info.unacked()).isZero();
            assertThat(info.bytesSent()).isGreaterThanOrEqualTo(expectedBytes);
            assertThat(info.rttMicros()).isPositive();
            assertThat(info.totalRetrans()).isNotNegative();

            // Peer side, fd found without --add-opens.
            assertThat(sink.accepted()).hasSize(1);
            int peerFd = SocketFds.fdOf(sink.accepted().get(0));
            TcpInfo peer = TcpInfo.of(peerFd);
            assertThat(peer.bytesReceived()).isEqualTo(expectedBytes);
            System.out.printf("[%s dualStack=%s] client bytes_acked=%d, passive peer bytes_acked=%d%n", host,
                    dualStack, s.tcpInfo().bytesAcked(), peer.bytesAcked());

            long[] socket = TimestampingSocket.values(w, WriteTimestamps::socketStageNanos);
            long[] total = TimestampingSocket.values(w, WriteTimestamps::totalNanos);
            long[] ack = TimestampingSocket.values(w, WriteTimestamps::ackNanos);
            System.out.printf("[%s dualStack=%s] n=%d socket p50=%dns p99=%dns total p50=%dns ack p50=%dns"
                            + " p99=%dns rtt=%dus%n", host, dualStack, n,
                    TimestampingSocket.percentile(socket, 50), TimestampingSocket.percentile(socket, 99),
                    TimestampingSocket.percentile(total, 50), TimestampingSocket.percentile(ack, 50),
                    TimestampingSocket.percentile(ack, 99), info.rttMicros());
        }
    }

    @ParameterizedTest(name = "{0} dualStack={1}")
    @MethodSource("targets")
    void backToBackSmallWritesWithoutEorLoseStampsWithEorDoNot(String host, boolean dualStack) throws Exception {
        int n = 300;
        int size = 20;
        try (LoopbackSink sink = new LoopbackSink(InetAddress.getByName(host))) {
            long stampedWithEor;
            long stampedWithout;
            try (TimestampingSocket s = TimestampingSocket.connect(sink.address(), dualStack, Duration.ofSeconds(5))) {
                for (int i = 0; i < n; i++) {
                    s.send(payload(size, i), true);
                }
                List<WriteTimestamps> w = s.collect(COLLECT);
                stampedWithEor = w.stream().filter(t -> !t.unstamped()).count();
                assertThat(w).allSatisfy(t -> assertThat(t.complete()).isTrue());
            }
            try (TimestampingSocket s = TimestampingSocket.connect(sink.address(), dualStack, Duration.ofSeconds(5))) {
                // Nagle on (default): small writes pile up in the unsent tail skb while a segment is in flight;
                // each later write re-keys that skb, so only the last write of each skb keeps stamps.
                for (int i = 0; i < n; i++) {
                    s.send(payload(size, i), false);
                }
                List<WriteTimestamps> w = s.collect(Duration.ofSeconds(1)); // never all complete: bounded wait
                stampedWithout = w.stream().filter(t -> !t.unstamped()).count();
                // Whatever survived is keyed by the last byte of some write.
                assertThat(s.unmatchedStamps()).isZero();
                assertThat(sink.awaitReceived(2L * n * size, Duration.ofSeconds(5))).isEqualTo(2L * n * size);
                assertThat(awaitBytesAcked(s.fd(), (long) n * size + SYN)).isEqualTo((long) n * size + SYN);
            }
            System.out.printf("[%s dualStack=%s] %d back-to-back %d-byte writes: stamped with MSG_EOR %d,"
                    + " without %d%n", host, dualStack, n, size, stampedWithEor, stampedWithout);
            assertThat(stampedWithEor).isEqualTo(n);
            assertThat(stampedWithout).isLessThanOrEqualTo(n).isPositive();
        }
    }

    @Test
    void oneLargeEorWriteIsOneKeyAtItsLastByte() throws Exception {
        try (LoopbackSink sink = new LoopbackSink(InetAddress.getByName("127.0.0.1"));
             TimestampingSocket s = TimestampingSocket.connect(sink.address())) {
            s.setSendBuffer(32 * 1024); // the 1 MiB write spans many skbs and blocks on the send buffer
            s.send(payload(1000, 1), true);
            s.send(payload(1 << 20, 2), true);
            s.send(payload(1000, 3), true);
            List<WriteTimestamps> w = s.collect(COLLECT);
            assertThat(w).extracting(WriteTimestamps::key).containsExactly(999L, 999L + (1 << 20), 1999L + (1 << 20));
            assertThat(w).allSatisfy(t -> assertThat(t.complete()).isTrue());
            // Only the skb holding the last byte is stamped: no stamps for keys inside the large write.
            assertThat(s.stampKeys()).containsExactly(999L, 999L + (1 << 20), 1999L + (1 << 20));
            assertThat(sink.awaitReceived(2000 + (1 << 20), Duration.ofSeconds(5))).isEqualTo(2000 + (1 << 20));
        }
    }

    @Test
    void socketOptions() throws Exception {
        try (LoopbackSink sink = new LoopbackSink(InetAddress.getLoopbackAddress());
             TimestampingSocket s = TimestampingSocket.connect(sink.address())) {
            s.setCongestionControl("cubic");
            assertThat(s.congestionControl()).isEqualTo("cubic");
            s.setCongestionControl("reno");
            assertThat(s.congestionControl()).isEqualTo("reno");
            assertThatThrownBy(() -> s.setCongestionControl("no-such-cc")).isInstanceOf(java.io.IOException.class);
            s.setSendBuffer(64 * 1024);
            assertThat(s.sendBuffer()).isEqualTo(128 * 1024); // the kernel doubles it
            s.setTcpNoDelay(true);
            s.setTcpNoDelay(false);
            assertThat(s.fd()).isNotNegative();
            s.close();
            assertThatThrownBy(s::fd).isInstanceOf(IllegalStateException.class);
            s.close(); // idempotent
        }
    }

    @Test
    void fdOfJdkSocketsAndTheirTcpInfo() throws Exception {
        for (String host : List.of("127.0.0.1", "::1")) {
            try (LoopbackSink sink = new LoopbackSink(InetAddress.getByName(host))) {
                int bytes = 100_000;
                try (Socket socket = new Socket()) {
                    socket.connect(sink.address(), 5000);
                    OutputStream out = socket.getOutputStream();
                    out.write(new byte[bytes]);
                    out.flush();
                    int fd = SocketFds.fdOf(socket);
                    assertThat(sink.awaitReceived(bytes, Duration.ofSeconds(5))).isEqualTo(bytes);
                    assertThat(awaitBytesAcked(fd, bytes + SYN)).isEqualTo(bytes + SYN);
                    assertThat(SocketFds.fdOf(sink.accepted().get(0))).isNotEqualTo(fd);
                }
                try (SocketChannel ch = SocketChannel.open(sink.address())) {
                    ByteBuffer buf = ByteBuffer.allocate(bytes);
                    for (int i = 0; i < 1000 && buf.hasRemaining(); i++) {
                        ch.write(buf);
                    }
                    int fd = SocketFds.fdOf(ch);
                    assertThat(sink.awaitReceived(2L * bytes, Duration.ofSeconds(5))).isEqualTo(2L * bytes);
                    assertThat(awaitBytesAcked(fd, bytes + SYN)).isEqualTo(bytes + SYN);
                }
            }
        }
    }

    @Test
    void percentileIsNearestRank() {
        long[] v = {15, 20, 35, 40, 50};
        assertThat(TimestampingSocket.percentile(v, 0)).isEqualTo(15);
        assertThat(TimestampingSocket.percentile(v, 5)).isEqualTo(15);
        assertThat(TimestampingSocket.percentile(v, 30)).isEqualTo(20);
        assertThat(TimestampingSocket.percentile(v, 40)).isEqualTo(20);
        assertThat(TimestampingSocket.percentile(v, 50)).isEqualTo(35);
        assertThat(TimestampingSocket.percentile(v, 100)).isEqualTo(50);
        long[] unsorted = {50, 15, 40, 20, 35};
        assertThat(TimestampingSocket.percentile(unsorted, 50)).isEqualTo(35);
        assertThat(unsorted).containsExactly(50, 15, 40, 20, 35); // untouched
        long[] hundred = new long[100];
        Arrays.setAll(hundred, i -> i + 1);
        assertThat(TimestampingSocket.percentile(hundred, 99)).isEqualTo(99);
        assertThat(TimestampingSocket.percentile(hundred, 99.5)).isEqualTo(100);
        assertThat(TimestampingSocket.percentile(new long[] {7}, 99.9)).isEqualTo(7);
        assertThatThrownBy(() -> TimestampingSocket.percentile(new long[0], 50))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimestampingSocket.percentile(v, 101)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void derivedStagesAreMinusOneWhenAStampIsMissing() {
        WriteTimestamps t = new WriteTimestamps(0, 9, 10, false, 100, 150, -1, 400);
        assertThat(t.socketStageNanos()).isEqualTo(50);
        assertThat(t.totalNanos()).isEqualTo(-1);
        assertThat(t.qdiscStageNanos()).isEqualTo(-1);
        assertThat(t.ackNanos()).isEqualTo(300);
        assertThat(t.complete()).isFalse();
        assertThat(t.unstamped()).isFalse();
        assertThat(TimestampingSocket.values(List.of(t), WriteTimestamps::totalNanos)).isEmpty();
    }

    /** Polls TCP_INFO (bounded: 5 s) until tcpi_bytes_acked reaches {@code expected}; returns the last value. */
    private static long awaitBytesAcked(int fd, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        long acked = TcpInfo.of(fd).bytesAcked();
        while (acked < expected && System.nanoTime() < deadline) {
            Thread.sleep(2);
            acked = TcpInfo.of(fd).bytesAcked();
        }
        return acked;
    }
}
