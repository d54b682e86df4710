// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A loopback TCP server in this JVM that discards (sink) or echoes what it reads; one daemon thread per connection. */
public final class Servers implements AutoCloseable {
    private final ServerSocket server;
    private final boolean echo;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private Servers(boolean echo) throws IOException {
        this.echo = echo;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        Thread t = new Thread(this::acceptLoop, echo ? "bench-echo-accept" : "bench-sink-accept");
        t.setDaemon(true);
        t.start();
    }

    public static Servers sink() throws IOException {
        return new Servers(false);
    }

    public static Servers echo() throws IOException {
        return new Servers(true);
    }

    public int port() {
        return server.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                connections.add(s);
                Thread t = new Thread(() -> serve(s), "bench-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        byte[] buf = new byte[256 * 1024];
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (echo) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // closed
        } finally {
            connections.remove(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // ignore
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException e) {
                // ignore
            }
        }
    }

    /** A blocking client channel with TCP_NODELAY. */
    public static SocketChannel connect(InetSocketAddress to) throws IOException {
        SocketChannel ch = SocketChannel.open();
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        ch.connect(to);
        return ch;
    }

    /** Writes all of buf (rewinding it first); returns the number of write calls that moved bytes. */
    public static int writeFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        buf.clear();
        int calls = 0;
        while (buf.hasRemaining()) {
            if (ch.write(buf) > 0) {
                calls++;
            }
        }
        return calls;
    }

    /** Reads exactly buf.capacity() bytes. */
    public static void readFully(SocketChannel ch, ByteBuffer buf) throws IOException {
        buf.clear();
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("connection closed by the server");
            }
        }
    }
}
