// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A plain JDK {@link ServerSocket} peer for tests: accepts connections on {@code address} (port chosen by the
 * kernel), reads and discards everything, and counts the bytes. One daemon thread per connection.
 */
public final class LoopbackSink implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicLong received = new AtomicLong();
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public LoopbackSink(InetAddress address) throws IOException {
        server = new ServerSocket(0, 50, address);
        acceptor = new Thread(this::acceptLoop, "loopback-sink-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The address to connect to. */
    public InetSocketAddress address() {
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    /** Bytes read so far over all connections. */
    public long received() {
        return received.get();
    }

    /** Accepted sockets so far (for {@link SocketFds#fdOf(Socket)} and the like). */
    public List<Socket> accepted() {
        return List.copyOf(accepted);
    }

    /** Waits (bounded) until at least {@code bytes} were read; returns the count read. */
    public long awaitReceived(long bytes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (received.get() < bytes && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        return received.get();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.add(s);
                Thread t = new Thread(() -> drain(s), "loopback-sink-read-" + s.getPort());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void drain(Socket s) {
        byte[] buf = new byte[64 * 1024];
        try (InputStream in = s.getInputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                received.addAndGet(n);
            }
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : accepted) {
            s.close();
        }
    }
}
