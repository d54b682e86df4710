// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.LostCause;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.truth.TimestampingSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * An ACK whose {@code tcp_probe} run the kernel skipped (a recursion miss: the ACK hook has no nested twin; or the
 * PID-1 skip of {@code Availability.caveats()}) must not time its writes with a later ACK's time. The next ACK, or the
 * socket's state change out of ESTABLISHED, finds it by {@code snd_una}: its writes' ACK samples and its packets' RTT
 * samples are lost as {@code ACK_NOT_SEEN}, each, and every other sample is taken. A child JVM with {@code
 * -Dnetlat.test.hideAckEvery=3} makes the ACK hook act as if its run had been skipped for every third segment that ACKs
 * new data of a socket, on any kernel; everything else is real: loopback sockets, the kernel's ACKs. (Hiding every
 * third segment of all hit only the sink's window updates in one burst of the kernel matrix: nothing to find.) Before the ACK hook looked at
 * {@code snd_una}, all 30 ACK samples of the first scenario were taken, the hidden ones at the next ACK's time.
 * <ul>
 *   <li>One packet a write, each ACKed before the next write: a hidden ACK is found by the next write's ACK, the last
 *   one by the close.</li>
 *   <li>A burst of 300 writes of 16 KiB: ACKs cover several packets, hidden ones in the middle of it.</li>
 * </ul>
 */
@Tag("kernel-matrix")
class HiddenAckTest {
    static final int HIDE_EVERY = 3;

    @Test
    void samplesOfAnAckNoProgramSawAreLostByCauseNotMistimed() throws Exception {
        String out = CaptureTestSupport.runChildJvm(Child.class, "-Dnetlat.test.hideAckEvery=" + HIDE_EVERY);
        assertThat(out).as("one packet a write, each ACKed").contains("acked: writes 30, exact");
        assertThat(out).as("a burst").contains("burst: writes 300, exact");
    }

    /** Runs both scenarios on loopback and prints one line each. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            try (ServerSocket server = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
                CaptureTestSupport.drainAll(server);
                InetSocketAddress target = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort());
                scenario("acked", target, 30, 1000, true);
                scenario("burst", target, 300, 16 * 1024, false);
            }
        }

        /**
         * Writes {@code writes} chunks (each ACKed before the next when {@code oneByOne}), closes the socket inside the
         * window (the state change finds a last hidden ACK), then checks that every write has its ACK sample or an
         * {@code ACK_NOT_SEEN} loss, every followed packet its RTT sample or one, and that some ACKs were hidden.
         */
        private static void scenario(String name, InetSocketAddress target, int writes, int size, boolean oneByOne)
                throws Exception {
            try (NetworkTrace t = NetworkTracer.start(TraceOptions.defaults().timeEveryWrite(true))) {
                try (TimestampingSocket s = CaptureTestSupport.connectNoDelay(target)) {
                    CaptureTestSupport.sendAll(s, writes, size, oneByOne);
                }
                // the lost causes first: their read waits for the samples in flight, as a stage's does
                Map<LostCause, Long> lost = t.lostEventsByCause();
                long ack = t.latency(Stage.ACK).count(), rtt = t.rtt().count();
                long packets = t.timedPackets(), counted = lost.getOrDefault(LostCause.ACK_NOT_SEEN, 0L);
                long missing = (t.writes() - ack) + (packets - rtt);
                boolean exact = t.writes() == writes && lost.keySet().equals(Set.of(LostCause.ACK_NOT_SEEN))
                        && ack < writes && counted == missing;
                System.out.println(name + ": writes " + t.writes() + (exact ? ", exact" : ", UNEXPLAINED") + " (ACK "
                        + ack + ", followed packets " + packets + ", RTT " + rtt + ", lost " + lost + ")");
            }
        }
    }
}
