// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 2, test 4: another process sending on loopback at the same time contributes nothing. */
class ScopeTest {
    @BeforeAll
    static void kernel() {
        KernelRequired.assumeTracingAvailable();
    }

    @Test
    void anotherProcessIsNotTraced() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            AtomicLong received = new AtomicLong();
            pool.submit(() -> {
                for (int c = 0; c < 2; c++) {
                    Socket s = server.accept();
                    pool.submit(() -> {
                        try (s; InputStream in = s.getInputStream()) {
                            byte[] b = new byte[65536];
                            for (int n; (n = in.read(b)) >= 0; ) {
                                received.addAndGet(n);
                            }
                        }
                        return null;
                    });
                }
                return null;
            });
            int port = server.getLocalPort();
            long otherBytes = 8L << 20;
            try (NetworkTrace trace = NetworkTracer.start()) {
                // the other process: bash writing 8 MiB to our server through /dev/tcp
                Process other = new ProcessBuilder("bash", "-c",
                        "exec 3<>/dev/tcp/127.0.0.1/" + port + "; head -c " + otherBytes + " /dev/zero >&3; exec 3>&-")
                        .redirectErrorStream(true).start();
                int writes = 300;
                int size = 4096;
                try (Socket own = new Socket()) {
                    own.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
                    OutputStream out = own.getOutputStream();
                    for (int i = 0; i < writes; i++) {
                        out.write(new byte[size]);
                    }
                    assertThat(other.waitFor(30, TimeUnit.SECONDS)).as("other process finished").isTrue();
                    assertThat(trace.writes()).as("only our own writes").isEqualTo(writes);
                    assertThat(trace.bytes()).isEqualTo((long) writes * size);
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (received.get() < otherBytes + 300 * 4096 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(received.get()).as("both senders delivered").isEqualTo(otherBytes + 300 * 4096);
        } finally {
            pool.shutdownNow();
        }
    }
}
