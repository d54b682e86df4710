// SPDX-License-Identifier: Apache-2.0
package com.example;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** A 64-byte request/response over loopback TCP: the traffic a service's client makes, measured with netlat. */
@State(Scope.Thread)
public class EchoBenchmark {
    private ServerSocket server;
    private Thread echo;
    private Socket client;
    private OutputStream out;
    private DataInputStream in;
    private final byte[] message = new byte[64];

    @Setup(Level.Trial)
    public void connect() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        echo = new Thread(() -> {
            try (Socket s = server.accept(); InputStream i = s.getInputStream(); OutputStream o = s.getOutputStream()) {
                s.setTcpNoDelay(true);
                byte[] b = new byte[64];
                for (int n; (n = i.readNBytes(b, 0, b.length)) == b.length; ) {
                    o.write(b, 0, n);
                }
            } catch (IOException closed) {
                // the client went away: the trial is over
            }
        }, "echo");
        echo.start();
        client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
        client.setTcpNoDelay(true);
        out = client.getOutputStream();
        in = new DataInputStream(client.getInputStream());
    }

    @Benchmark
    public byte[] roundTrip() throws IOException {
        out.write(message);
        in.readFully(message);
        return message;
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        client.close();
        server.close();
        echo.join(5_000);
    }
}
