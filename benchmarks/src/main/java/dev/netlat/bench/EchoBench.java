// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Request/response: 1 KiB written, the 1 KiB echo read back, TCP_NODELAY, one connection per benchmark thread
 * (4 threads). Score: round trips per second (all threads).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Threads(4)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class EchoBench {
    public static final int MESSAGE_BYTES = 1024;

    @State(Scope.Benchmark)
    public static class Server {
        @Param({Target.LOOPBACK, Target.TBF})
        public String path;

        Target target;

        @Setup(Level.Trial)
        public void setUp() throws IOException {
            target = Target.open(path, true);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            target.close();
        }
    }

    @State(Scope.Thread)
    public static class Connection {
        SocketChannel channel;
        final ByteBuffer out = ByteBuffer.allocateDirect(MESSAGE_BYTES);
        final ByteBuffer in = ByteBuffer.allocateDirect(MESSAGE_BYTES);

        @Setup(Level.Trial)
        public void setUp(Server server) throws IOException {
            channel = Servers.connect(server.target.address());
        }

        @TearDown(Level.Trial)
        public void tearDown() throws IOException {
            channel.close();
        }
    }

    @Benchmark
    public int roundTrip1k(Connection c) throws IOException {
        int calls = Servers.writeFully(c.channel, c.out);
        Servers.readFully(c.channel, c.in);
        return calls;
    }
}
