// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP server listening inside a {@link NetworkLab}'s namespace that either discards ({@link
 * NetworkLab#startSinkServer(int)}) or echoes ({@link NetworkLab#startEchoServer(int)}) what it receives, counting
 * every byte it read. Connections are served one thread each; closing the server closes them all.
 */
public final class LabServer implements AutoCloseable {
    private final ServerSocket serverSocket;
    private final boolean echo;
    private final InetAddress address;
    private final String name;
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicInteger connectionsAccepted = new AtomicInteger();
    private final AtomicInteger connectionsOpen = new AtomicInteger();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final Runnable onClose;
    private volatile boolean closed;

    LabServer(ServerSocket serverSocket, boolean echo, InetAddress address, String name, Runnable onClose) {
        this.serverSocket = serverSocket;
        this.echo = echo;
        this.address = address;
        this.name = name;
        this.onClose = onClose;
        this.acceptor = new Thread(this::acceptLoop, name + "-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** The port the server listens on (the one chosen by the kernel when started with port 0). */
    public int port() {
        return serverSocket.getLocalPort();
    }

    /** The lab's namespace-side IPv4 address: where clients on the host connect to. */
    public InetAddress address() {
        return address;
    }

    /** {@link #address()} and {@link #port()} together. */
    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(address, port());
    }

    /** Whether the server echoes what it reads (true) or discards it (false). */
    public boolean echoes() {
        return echo;
    }

    /** Payload bytes read from all connections so far. */
    public long bytesReceived() {
        return bytesReceived.get();
    }

    /** Connections accepted so far. */
    public int connectionsAccepted() {
        return connectionsAccepted.get();
    }

    /** Connections accepted and not yet finished (the peer has not closed them yet). */
    public int connectionsOpen() {
        return connectionsOpen.get();
    }

    /**
     * Waits until at least {@code bytes} were received or the timeout passed.
     *
     * @return whether the count was reached
     */
    public boolean awaitBytesReceived(long bytes, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (bytesReceived.get() < bytes) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /**
     * Waits until every accepted connection was closed by its peer (all its bytes read) or the timeout passed.
     *
     * @return whether all connections finished
     */
    public boolean awaitConnectionsFinished(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (connectionsOpen.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                return; // closed
            }
            connectionsAccepted.incrementAndGet();
            connectionsOpen.incrementAndGet();
            connections.add(s);
            Thread t = new Thread(() -> serve(s), name + "-conn-" + connectionsAccepted.get());
            t.setDaemon(true);
            t.start();
        }
    }

    private void serve(Socket s) {
        byte[] buf = new byte[64 * 1024];
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                bytesReceived.addAndGet(n);
                if (echo) {
                    out.write(buf, 0, n);
                }
            }
        } catch (SocketException e) {
            // reset by peer or closed by close()
        } catch (IOException e) {
            // same: the connection is over
        } finally {
            connections.remove(s);
            connectionsOpen.decrementAndGet();
        }
    }

    /** Stops listening and closes all connections. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            serverSocket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        onClose.run();
    }

    @Override
    public String toString() {
        return (echo ? "echo" : "sink") + " server " + address.getHostAddress() + ":" + port() + " (" + name + ")";
    }
}
