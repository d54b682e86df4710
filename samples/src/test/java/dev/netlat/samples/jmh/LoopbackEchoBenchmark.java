// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples.jmh;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sample 5 — a JMH benchmark of a request/response round trip over a loopback TCP connection.
 *
 * <p>Run with netlat's JMH profiler ({@code -prof dev.netlat.jmh.NetLatProfiler} on the command line, or
 * {@code OptionsBuilder.addProfiler(...)} as {@link JmhProfilerSampleTest} does) and every iteration's result gets
 * secondary metrics next to the score: per-stage latency percentiles and retransmit/drop counters of the sockets
 * the benchmark used. What to learn here: a benchmark score (µs per round trip) tells you <em>that</em> something got
 * slower; the per-stage numbers tell you <em>where</em>, the socket layer, the queue, the device, or the peer.
 *
 * <p>The connection is set up once per trial, outside the measured method, like a connection pool would be; the
 * benchmark method is one write and one blocking read of the echo.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LoopbackEchoBenchmark {

    @Param({"64", "4096"})
    public int size;

    private ServerSocketChannel server;
    private Thread echo;
    private SocketChannel client;
    private ByteBuffer out;
    private ByteBuffer in;

    @Setup(Level.Trial)
    public void connect() throws IOException {
        server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        echo = new Thread(this::serve, "echo");
        echo.setDaemon(true);
        echo.start();
        client = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                server.socket().getLocalPort()));
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        out = ByteBuffer.allocateDirect(size);
        in = ByteBuffer.allocateDirect(size);
    }

    private void serve() {
        try (SocketChannel c = server.accept()) {
            c.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (c.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    c.write(buf);
                }
                buf.clear();
            }
        } catch (IOException e) {
            // closed by tearDown
        }
    }

    @Benchmark
    public int roundTrip() throws IOException {
        out.clear();
        while (out.hasRemaining()) {
            client.write(out);
        }
        in.clear();
        while (in.hasRemaining()) {
            if (client.read(in) < 0) {
                throw new IOException("echo closed");
            }
        }
        return in.get(0);
    }

    @TearDown(Level.Trial)
    public void close() throws Exception {
        client.close();
        server.close();
        echo.join(5_000);
    }
}
