// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A tiny benchmark for the real-run test: 1 KiB writes over loopback to a discarding server in the same JVM. */
@State(Scope.Benchmark)
public class LoopbackWriteBench {
    private ServerSocket server;
    private Socket client;
    private OutputStream out;
    private final byte[] data = new byte[1024];

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread drain = new Thread(() -> {
            try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                byte[] buf = new byte[64 * 1024];
                while (in.read(buf) >= 0) {
                    // discard
                }
            } catch (IOException ignored) {
                // closed
            }
        }, "drain");
        drain.setDaemon(true);
        drain.start();
        client = new Socket();
        client.setTcpNoDelay(true);
        client.connect(server.getLocalSocketAddress(), 5000);
        out = client.getOutputStream();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        client.close();
        server.close();
    }

    @Benchmark
    public void write1k() throws IOException {
        out.write(data);
    }
}
