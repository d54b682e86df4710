// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Step {@code lost}: small writes on several TCP_NODELAY connections, the highest packet rate loopback gives, under
 * one window. The counters must equal what the clients issued, every histogram's buckets must sum to its count, and
 * any sample the tracer could not keep must show up in {@code lostEvents()} by cause: the stress case for "nothing
 * is silently dropped".
 */
final class NothingLostCheck {
    private final OverheadOptions opts;

    NothingLostCheck(OverheadOptions opts) {
        this.opts = opts;
    }

    List<String> run() throws Exception {
        int conns = opts.lostConns();
        int size = opts.lostBytes();
        long nanos = TimeUnit.SECONDS.toNanos(opts.lostSeconds());
        List<String> lines = new ArrayList<>();
        try (Servers server = Servers.sink()) {
            List<SocketChannel> chans = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                chans.add(Servers.connect(server.address()));
            }
            ExecutorService pool = Executors.newFixedThreadPool(conns);
            long issued = 0;
            NetworkTrace trace = NetworkTracer.start();
            long t0 = System.nanoTime();
            long end = t0 + nanos;
            List<Future<Long>> fs = new ArrayList<>();
            for (SocketChannel ch : chans) {
                fs.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(size);
                    long n = 0;
                    while (System.nanoTime() < end) {
                        n += Servers.writeFully(ch, buf);
                    }
                    return n;
                }));
            }
            for (Future<Long> f : fs) {
                issued += f.get(nanos / 1_000_000 + 30_000, TimeUnit.MILLISECONDS);
            }
            long elapsed = System.nanoTime() - t0;
            trace.close();
            pool.shutdownNow();
            NetworkView v = trace.port(server.port());
            lines.add(String.format(Locale.ROOT, "%d connections x %d-byte writes, TCP_NODELAY, loopback, %.1f s: %d writes issued (%.0f k writes/s)",
                    conns, size, elapsed / 1e9, issued, issued / (elapsed / 1e9) / 1e3));
            lines.add(String.format(Locale.ROOT, "writes(): %d (port view) / %d (whole trace)  -> %s", v.writes(), trace.writes(),
                    v.writes() == issued ? "equal" : "DIFFERENT by " + (issued - v.writes())));
            lines.add(String.format(Locale.ROOT, "bytes(): %d, expected %d; packets(): %d", v.bytes(), issued * size, v.packets()));
            for (Stage s : Stage.values()) {
                LatencyDistribution d = v.latency(s);
                long bucketSum = Arrays.stream(d.bucketCounts()).sum();
                String expected = s.unit() == Stage.Unit.WRITE ? "timed writes " + v.timedWrites() + " of " + v.writes()
                        : "followed packets " + v.timedPackets() + " of " + v.packets();
                lines.add(String.format(Locale.ROOT, "  %-6s %-15s count=%d bucket-sum=%d expected(%s) %s", s.name(),
                        d.status(), d.count(), bucketSum, expected, d.isAvailable() && d.count() > 0
                                ? "p50=" + d.p50().toNanos() / 1000.0 + "us p99=" + d.p99().toNanos() / 1000.0 + "us" : d.reason()));
            }
            lines.add("lostEvents(): " + trace.lostEvents() + " " + trace.lostEventsByCause());
            for (SocketChannel ch : chans) {
                ch.close();
            }
        }
        NetworkTracer.unload();
        return lines;
    }
}
