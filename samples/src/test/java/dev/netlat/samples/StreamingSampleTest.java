// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples;

import static dev.netlat.assertj.NetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.junit.LatencyBudget;
import dev.netlat.junit.TraceNetwork;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Sample 2 — streaming over NIO {@link SocketChannel}s, and looking at one connection at a time.
 *
 * <p>What to learn here:
 * <ul>
 *   <li>{@code trace.port(p)} is a view of the sockets whose local or remote port is {@code p}: one trace window,
 *       several connections, each judged on its own. A bulk stream and a chatty request/response connection have
 *       very different latency profiles; mixed together, the bulk stream's writes dominate the percentiles.</li>
 *   <li>{@code @TraceNetwork(ports = ...)} narrows the whole test to fixed ports: only those sockets are injected,
 *       asserted, budgeted and reported, and traffic of anything else in the JVM (another test running in
 *       parallel, a metrics exporter, a database pool) stays out of the numbers. Narrowed tests may also run in
 *       parallel with each other.</li>
 *   <li>Every write of a blocking {@code SocketChannel} is one sample of the per-write stages (SOCKET, TOTAL, ACK):
 *       the write size is what you budget for.</li>
 * </ul>
 */
class StreamingSampleTest {

    /** A fixed port for the narrowed test (annotation values must be constants): pick one free on your CI, below the
     * ephemeral range (net.ipv4.ip_local_port_range, 32768-60999 by default) so no client socket can hold it. */
    static final int STREAM_PORT = 29931;

    private static final Duration MAX_TIME = Duration.ofSeconds(20);

    /**
     * Two connections in one window: a bulk stream of 32 KiB writes and a ping-pong of 64-byte messages. The port
     * views tell them apart.
     */
    @Test
    @TraceNetwork
    void bulkAndChattyConnectionsSeparatedByPort(NetworkTrace trace) throws Exception {
        try (Sink bulkSink = Sink.start(0); Echo echo = Echo.start()) {
            long deadline = System.nanoTime() + MAX_TIME.toNanos();
            int bulkWrites = stream(bulkSink.port(), 800, 32 * 1024, deadline);
            int pings = pingPong(echo.port(), 400, 64, deadline);
            assertThat(bulkSink.awaitBytes((long) bulkWrites * 32 * 1024, deadline)).isTrue();

            NetworkView bulk = trace.port(bulkSink.port());
            NetworkView chatty = trace.port(echo.port());
            // The bulk view holds the client's writes only (the sink never writes back) ...
            assertThat(bulk.writes()).isEqualTo(bulkWrites);
            assertThat(bulk.bytes()).isEqualTo((long) bulkWrites * 32 * 1024);
            // ... the chatty one both directions: each ping and its echo.
            assertThat(chatty.writes()).isGreaterThanOrEqualTo(2L * pings);
            // The whole trace: both connections (and whatever else this JVM wrote meanwhile).
            assertThat(trace.writes()).isGreaterThanOrEqualTo(bulk.writes() + chatty.writes());

            // Each connection on its own. The ping-pong writes are tiny and never wait for buffer space: a tight
            // tail budget holds. The bulk writes are 32 KiB and wait whenever the send buffer is full, i.e. whenever
            // the reader falls behind: their SOCKET time is the reader's speed, not the network's.
            assertThat(chatty.latency(Stage.SOCKET)).p99Below(Duration.ofMillis(20));
            assertThat(bulk.latency(Stage.SOCKET).p50()).isGreaterThan(chatty.latency(Stage.SOCKET).p50());
            HttpClientSampleTest.assertNothingLost(bulk);
            HttpClientSampleTest.assertNothingLost(chatty);

            System.out.printf("bulk   (port %5d): %s%n", bulkSink.port(), bulk.latency(Stage.SOCKET).summary());
            System.out.printf("chatty (port %5d): %s%n", echo.port(), chatty.latency(Stage.SOCKET).summary());
        }
    }

    /**
     * The whole test narrowed to {@link #STREAM_PORT}: the second connection (to a port the kernel picks) is not
     * part of this trace at all, so the counters and the budgets only see the stream.
     *
     * <p>Budgeting a bulk stream: its SOCKET tail is set by the reader (when it falls behind, the receive window
     * closes and writes wait in the socket; on a busy machine that is tens of milliseconds), so budget the median
     * there, and the tail of the per-packet DEVICE stage, which the reader does not influence.
     */
    @Test
    @TraceNetwork(ports = STREAM_PORT)
    @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "50ms")
    @LatencyBudget(stage = Stage.DEVICE, percentile = 90, below = "5ms")
    void narrowedToOnePort(NetworkTrace trace) throws Exception {
        try (Sink sink = Sink.start(STREAM_PORT); Sink other = Sink.start(0)) {
            long deadline = System.nanoTime() + MAX_TIME.toNanos();
            int writes = stream(STREAM_PORT, 1000, 8 * 1024, deadline);
            int otherWrites = stream(other.port(), 300, 8 * 1024, deadline);
            assertThat(sink.awaitBytes((long) writes * 8 * 1024, deadline)).isTrue();
            assertThat(otherWrites).isPositive();

            // Only the STREAM_PORT connection is in the trace: exactly our writes, not the other connection's.
            assertThat(trace.writes()).isEqualTo(writes);
            assertThat(trace.bytes()).isEqualTo((long) writes * 8 * 1024);
            HttpClientSampleTest.assertNothingLost(trace);
        }
    }

    // ------------------------------------------------------------------------------------ the traffic helpers

    /** Connects to 127.0.0.1:port and writes {@code count} buffers of {@code size} bytes (until the deadline). */
    static int stream(int port, int count, int size, long deadline) throws IOException {
        try (SocketChannel ch = SocketChannel.open()) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            ByteBuffer buf = ByteBuffer.allocateDirect(size);
            int done = 0;
            while (done < count && System.nanoTime() < deadline) {
                buf.clear();
                while (buf.hasRemaining()) {
                    ch.write(buf); // blocking: one write call per buffer unless the kernel takes less
                }
                done++;
            }
            return done;
        }
    }

    /** Sends {@code count} messages of {@code size} bytes and reads each echo back (until the deadline). */
    static int pingPong(int port, int count, int size, long deadline) throws IOException {
        try (SocketChannel ch = SocketChannel.open()) {
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            ByteBuffer out = ByteBuffer.allocate(size);
            ByteBuffer in = ByteBuffer.allocate(size);
            int done = 0;
            while (done < count && System.nanoTime() < deadline) {
                out.clear();
                while (out.hasRemaining()) {
                    ch.write(out);
                }
                in.clear();
                while (in.hasRemaining()) {
                    if (ch.read(in) < 0) {
                        throw new IOException("echo server closed the connection");
                    }
                }
                done++;
            }
            return done;
        }
    }

    /** Servers get their own threads (the common pool may have a single thread on a small machine). */
    static void daemon(Runnable r) {
        Thread t = new Thread(r, "sample-server");
        t.setDaemon(true);
        t.start();
    }

    /** A loopback server that reads and discards, counting bytes. */
    static final class Sink implements AutoCloseable {
        private final ServerSocketChannel server;
        private final AtomicLong bytes = new AtomicLong();
        private final CompletableFuture<Void> loop;

        private Sink(ServerSocketChannel server) {
            this.server = server;
            this.loop = CompletableFuture.runAsync(this::serve, StreamingSampleTest::daemon);
        }

        static Sink start(int port) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            return new Sink(s);
        }

        int port() {
            return server.socket().getLocalPort();
        }

        private void serve() {
            ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024);
            while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                    buf.clear();
                    for (int r; (r = c.read(buf)) >= 0; buf.clear()) {
                        bytes.addAndGet(r);
                    }
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        /** Waits (bounded by the deadline) until {@code n} bytes arrived. */
        boolean awaitBytes(long n, long deadline) throws InterruptedException {
            while (bytes.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(2);
            }
            return bytes.get() >= n;
        }

        @Override
        public void close() throws Exception {
            server.close();
            loop.get(5, TimeUnit.SECONDS);
        }
    }

    /** A loopback server that echoes one connection at a time. */
    static final class Echo implements AutoCloseable {
        private final ServerSocketChannel server;
        private final CompletableFuture<Void> loop;

        private Echo(ServerSocketChannel server) {
            this.server = server;
            this.loop = CompletableFuture.runAsync(this::serve, StreamingSampleTest::daemon);
        }

        static Echo start() throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return new Echo(s);
        }

        int port() {
            return server.socket().getLocalPort();
        }

        private void serve() {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                    c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    buf.clear();
                    while (c.read(buf) >= 0) {
                        buf.flip();
                        while (buf.hasRemaining()) {
                            c.write(buf);
                        }
                        buf.clear();
                    }
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        @Override
        public void close() throws Exception {
            server.close();
            loop.get(5, TimeUnit.SECONDS);
        }
    }
}
