// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Request/response: {@link EchoBench#MESSAGE_BYTES} written and the echo read back, TCP_NODELAY, one client thread
 * per connection, in round trips/s over all connections: the small-message, latency-bound case.
 */
final class EchoWorkload extends LoopbackWorkload {
    private final ExecutorService pool;
    private final AtomicLong writes = new AtomicLong();

    EchoWorkload(int connections) throws IOException {
        super(Servers.echo(), connections, "k round trips/s", 1e3);
        pool = Executors.newFixedThreadPool(connections, r -> {
            Thread t = new Thread(r, "echo-client");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String name() {
        return "echo(" + channels.size() + " conns)";
    }

    /** The rate runs until the last connection's last round trip, so a slow connection cannot inflate it. */
    @Override
    public double pass(long nanos) throws Exception {
        long t0 = System.nanoTime();
        long end = t0 + nanos;
        List<Future<long[]>> fs = new ArrayList<>();
        for (SocketChannel ch : channels) {
            fs.add(pool.submit(() -> {
                ByteBuffer out = ByteBuffer.allocate(EchoBench.MESSAGE_BYTES);
                ByteBuffer in = ByteBuffer.allocate(EchoBench.MESSAGE_BYTES);
                long ops = 0;
                long w = 0;
                long now;
                do {
                    w += Servers.writeFully(ch, out);
                    Servers.readFully(ch, in);
                    ops++;
                    now = System.nanoTime();
                } while (now < end);
                writes.addAndGet(w);
                return new long[] {ops, now};
            }));
        }
        long ops = 0;
        long last = t0;
        for (Future<long[]> f : fs) {
            long[] r = f.get(nanos / 1_000_000 + 10_000, TimeUnit.MILLISECONDS);
            ops += r[0];
            last = Math.max(last, r[1]);
        }
        return ops * 1e9 / (last - t0);
    }

    @Override
    public long writesIssued() {
        return writes.get();
    }

    @Override
    public void close() {
        pool.shutdownNow();
        super.close();
    }
}
