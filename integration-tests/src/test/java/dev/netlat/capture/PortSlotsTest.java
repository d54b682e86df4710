// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.TraceOptions;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Port views stay exact however a socket's counts are kept: in a slot of its own (port_hot), in the per-port table
 * once the slots run out, or in a slot recycled by a later window. A child JVM runs with {@code
 * -Dnetlat.maps.portSlots=4} (map sizes are fixed at load, once per JVM): each of three windows traces six
 * connections, so some sockets get no slot, and the second and third windows start with more than half of the slots
 * taken, which recycles them. Each connection's port view must show exactly its writes and bytes, and the window's
 * totals all of them.
 */
class PortSlotsTest {
    static final int WINDOWS = 3;
    static final int CONNECTIONS = 6;

    @Test
    void portViewsAreExactWithSlotsFullAndRecycled() throws Exception {
        String out = CaptureTestSupport.runChildJvm(Child.class, "-Dnetlat.maps.portSlots=4");
        assertThat(out.lines().filter(l -> l.startsWith("window ")).count()).as(out).isEqualTo(WINDOWS);
        assertThat(out).as("every port view and total as written").doesNotContain("MISMATCH");
    }

    /** Traces WINDOWS windows of CONNECTIONS connections each; prints one line per window, MISMATCH on any difference. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            for (int w = 0; w < WINDOWS; w++) {
                List<String> lines = new ArrayList<>();
                try (ServerSocket server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
                     NetworkTrace trace = NetworkTracer.start(TraceOptions.defaults())) {
                    Thread accept = CaptureTestSupport.drainAll(server);
                    long writes = 0;
                    long bytes = 0;
                    List<int[]> expected = new ArrayList<>(); // local port, writes, bytes
                    for (int c = 0; c < CONNECTIONS; c++) {
                        int n = 50 + 17 * c;
                        int size = 100 + c;
                        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                            OutputStream o = s.getOutputStream();
                            for (int i = 0; i < n; i++) {
                                o.write(new byte[size]);
                            }
                            expected.add(new int[] {s.getLocalPort(), n, n * size});
                        }
                        writes += n;
                        bytes += (long) n * size;
                    }
                    for (int[] e : expected) {
                        long pw = trace.port(e[0]).writes();
                        long pb = trace.port(e[0]).bytes();
                        if (pw != e[1] || pb != e[2]) {
                            lines.add("MISMATCH window " + w + " port " + e[0] + ": writes " + pw + " of " + e[1]
                                    + ", bytes " + pb + " of " + e[2]);
                        }
                    }
                    long tw = trace.port(server.getLocalPort()).writes();
                    long tb = trace.port(server.getLocalPort()).bytes();
                    if (tw != writes || tb != bytes || trace.writes() != writes || trace.bytes() != bytes) {
                        lines.add("MISMATCH window " + w + " totals: server port writes " + tw + ", bytes " + tb
                                + ", trace writes " + trace.writes() + ", bytes " + trace.bytes() + "; written "
                                + writes + " writes, " + bytes + " bytes");
                    }
                    lines.add("window " + w + ": " + CONNECTIONS + " connections, " + writes + " writes, " + bytes
                            + " bytes; server port view " + tw + " writes, " + tb + " bytes");
                    server.close();
                    accept.join(5_000);
                }
                lines.forEach(System.out::println);
            }
        }
    }
}
