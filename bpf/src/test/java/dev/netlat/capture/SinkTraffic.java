// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;

/** Loopback traffic for capture tests: one connection to a sink that reads everything. */
final class SinkTraffic {
    private SinkTraffic() {
    }

    /** Sends {@code writes} writes of {@code bytes} each (TCP_NODELAY), closes, waits for the sink; returns its port. */
    static int writeToSink(int writes, int bytes) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Void> sink = CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // the client closed
                }
            });
            try (Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                c.setTcpNoDelay(true);
                for (int i = 0; i < writes; i++) {
                    c.getOutputStream().write(new byte[bytes]);
                }
            }
            sink.get();
            return server.getLocalPort();
        }
    }
}
