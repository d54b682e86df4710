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
import org.openjdk.jmh.annotations.Warmup;

/**
 * One connection streaming 16 KiB writes to a sink: ops/s x 16 KiB = bytes/s. Run it with and without
 * {@code -prof dev.netlat.jmh.NetLatProfiler}. {@code path=loopback} uses lo; {@code path=tbf200mbit} a veth into a
 * namespace with a 200 mbit/s tbf on the host side (QDISC stage measured there).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class StreamBench {
    public static final int WRITE_BYTES = 16 * 1024;

    @Param({Target.LOOPBACK, Target.TBF})
    public String path;

    private Target target;
    private SocketChannel channel;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(WRITE_BYTES);

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        target = Target.open(path, false);
        channel = Servers.connect(target.address());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        channel.close();
        target.close();
    }

    @Benchmark
    public int write16k() throws IOException {
        return Servers.writeFully(channel, buf);
    }
}
