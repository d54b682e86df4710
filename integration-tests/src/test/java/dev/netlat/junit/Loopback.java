// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/** Real TCP traffic on 127.0.0.1 only, bounded by a write count and a deadline. */
final class Loopback {
    private Loopback() {
    }

    /**
     * Listens on {@code port} (0: any free port), connects, writes up to {@code writes} chunks of {@code size} bytes
     * (stopping at {@code maxTime}), closes; the server side only reads. Returns the number of writes made.
     */
    static int send(int port, int writes, int size, Duration maxTime) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + maxTime.toNanos();
        try (ServerSocket server = new ServerSocket()) {
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
            Thread drain = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    byte[] buf = new byte[64 * 1024];
                    while (in.read(buf) >= 0) {
                        // discard
                    }
                } catch (IOException ignored) {
                    // the client closed
                }
            }, "loopback-drain");
            drain.setDaemon(true);
            drain.start();
            int done = 0;
            try (Socket client = new Socket()) {
                client.setTcpNoDelay(true);
                client.connect(server.getLocalSocketAddress(), 2_000);
                client.setSoTimeout(2_000);
                OutputStream out = client.getOutputStream();
                byte[] chunk = new byte[size];
                while (done < writes && System.nanoTime() < deadline) {
                    out.write(chunk);
                    done++;
                }
                out.flush();
            }
            drain.join(Math.max(1, maxTime.toMillis()));
            return done;
        }
    }
}
