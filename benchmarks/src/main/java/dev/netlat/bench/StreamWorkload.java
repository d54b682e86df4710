// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One connection writing {@link StreamBench#WRITE_BYTES} at a time to a sink in this JVM, in bytes/s. Sender-bound:
 * one writer thread, so every per-packet program runs on the path that sets the rate (benchmarks/README.md).
 */
final class StreamWorkload extends LoopbackWorkload {
    private final SocketChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocateDirect(StreamBench.WRITE_BYTES);
    private long writes;

    StreamWorkload() throws IOException {
        super(Servers.sink(), 1, "GB/s", 1e9);
        ch = channels.get(0);
    }

    @Override
    public String name() {
        return "stream";
    }

    @Override
    public double pass(long nanos) throws IOException {
        long t0 = System.nanoTime();
        long end = t0 + nanos;
        long bytes = 0;
        long now;
        do {
            writes += Servers.writeFully(ch, buf);
            bytes += StreamBench.WRITE_BYTES;
            now = System.nanoTime();
        } while (now < end);
        return bytes * 1e9 / (now - t0);
    }

    @Override
    public long writesIssued() {
        return writes;
    }
}
