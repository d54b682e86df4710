// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A hand-filled {@link NetworkTrace} for tests that must not need the kernel engine. */
public class FakeTrace implements NetworkTrace {
    public final Map<Stage, LatencyDistribution> latencies = new EnumMap<>(Stage.class);
    public LatencyDistribution rtt = LatencyDistribution.ofSamples(Metric.RTT);
    public long writes;
    public long bytes;
    public long packets;
    /** -1: the same as writes / packets (every write timed) */
    public long timedWrites = -1;
    public long timedPackets = -1;
    public long retransmittedBytes;
    public long resetsSent;
    public long resetsReceived;
    public long connectionsOpened;
    public long connectionsClosed;
    public long listenOverflows;
    public long lostEvents;
    public long eventsNotKept;
    public final Map<RetransmitKind, Long> retransmitsByKind = new EnumMap<>(RetransmitKind.class);
    public final Map<String, Long> dropsByReason = new TreeMap<>();
    public final Map<LostCause, Long> lostEventsByCause = new EnumMap<>(LostCause.class);
    public final Map<Metric, Long> unresolvedAtRead = new EnumMap<>(Metric.class);
    public final List<NetworkEvent> events = new ArrayList<>();
    public final Map<Integer, FakeTrace> ports = new HashMap<>();
    public volatile int closeCount;
    private final long startNanos = System.nanoTime();
    private volatile long endNanos;

    public FakeTrace() {
        for (Stage s : Stage.values()) {
            latencies.put(s, LatencyDistribution.ofSamples(Metric.of(s)));
        }
        for (RetransmitKind k : RetransmitKind.values()) {
            retransmitsByKind.put(k, 0L);
        }
    }

    /** Sets a stage's samples. */
    public FakeTrace with(Stage stage, long... nanos) {
        latencies.put(stage, LatencyDistribution.ofSamples(Metric.of(stage), nanos));
        return this;
    }

    public FakeTrace with(Stage stage, LatencyDistribution d) {
        latencies.put(stage, d);
        return this;
    }

    /** n samples spread evenly over [fromNanos, toNanos]. */
    public static long[] spread(int n, long fromNanos, long toNanos) {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
            v[i] = n == 1 ? fromNanos : fromNanos + (toNanos - fromNanos) * i / (n - 1);
        }
        return v;
    }

    public FakeTrace retransmits(RetransmitKind kind, long n) {
        retransmitsByKind.put(kind, n);
        return this;
    }

    public FakeTrace drops(String reason, long n) {
        dropsByReason.put(reason, n);
        return this;
    }

    public FakeTrace port(int port, FakeTrace view) {
        ports.put(port, view);
        return this;
    }

    @Override
    public NetworkView port(int port) {
        return ports.computeIfAbsent(port, p -> new FakeTrace());
    }

    @Override
    public long lostEvents() {
        return lostEvents;
    }

    @Override
    public Map<LostCause, Long> lostEventsByCause() {
        return lostEventsByCause;
    }

    @Override
    public Map<Metric, Long> unresolvedAtRead() {
        return unresolvedAtRead;
    }

    @Override
    public long eventsNotKept() {
        return eventsNotKept;
    }

    @Override
    public Duration elapsed() {
        return Duration.ofNanos((endNanos != 0 ? endNanos : System.nanoTime()) - startNanos);
    }

    @Override
    public boolean isClosed() {
        return closeCount > 0;
    }

    @Override
    public synchronized void close() {
        if (closeCount == 0) {
            endNanos = System.nanoTime();
        }
        closeCount++;
    }

    @Override
    public LatencyDistribution latency(Stage stage) {
        return latencies.get(stage);
    }

    @Override
    public LatencyDistribution rtt() {
        return rtt;
    }

    @Override
    public long writes() {
        return writes;
    }

    @Override
    public long bytes() {
        return bytes;
    }

    @Override
    public long packets() {
        return packets;
    }

    @Override
    public long timedWrites() {
        return timedWrites < 0 ? writes : timedWrites;
    }

    @Override
    public long timedPackets() {
        return timedPackets < 0 ? packets : timedPackets;
    }

    @Override
    public long retransmits() {
        return retransmitsByKind.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public Map<RetransmitKind, Long> retransmitsByKind() {
        return retransmitsByKind;
    }

    @Override
    public long retransmittedBytes() {
        return retransmittedBytes;
    }

    @Override
    public long drops() {
        return dropsByReason.values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public Map<String, Long> dropsByReason() {
        return dropsByReason;
    }

    @Override
    public long resetsSent() {
        return resetsSent;
    }

    @Override
    public long resetsReceived() {
        return resetsReceived;
    }

    @Override
    public long connectionsOpened() {
        return connectionsOpened;
    }

    @Override
    public long connectionsClosed() {
        return connectionsClosed;
    }

    @Override
    public long listenOverflows() {
        return listenOverflows;
    }

    @Override
    public List<NetworkEvent> events() {
        return events;
    }
}
