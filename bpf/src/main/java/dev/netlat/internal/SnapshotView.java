// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import dev.netlat.HistogramBuckets;
import dev.netlat.LatencyDistribution;
import dev.netlat.Metric;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Results of a window (a diff of two snapshots), for all traced sockets or for those of one port. */
class SnapshotView implements NetworkView {
    private static final int COUNTER_KIND = PortKey.COUNTER;

    final Engine engine;
    final Snapshot diff;
    final Integer port;
    final List<NetworkEvent> events;

    SnapshotView(Engine engine, Snapshot diff, Integer port, List<NetworkEvent> events) {
        this.engine = engine;
        this.diff = diff;
        this.port = port;
        this.events = port == null ? events
                : events.stream().filter(e -> e.local().getPort() == port || e.remote().getPort() == port).toList();
    }

    @Override
    public LatencyDistribution latency(Stage stage) {
        String reason = engine.unavailableStages().get(stage);
        if (reason != null) {
            return LatencyDistribution.unavailable(Metric.of(stage), reason);
        }
        LatencyDistribution d = histogram(Metric.of(stage), stage.ordinal());
        if (stage == Stage.QDISC && d.count() == 0) {
            long bypass = counter(Counter.NOQUEUE_PACKETS);
            if (bypass > 0) {
                return LatencyDistribution.notApplicable(Metric.QDISC, "all " + bypass
                        + " packets followed went to devices without a qdisc (noqueue, e.g. lo): there is no qdisc stage"
                        + " to measure");
            }
        }
        return d;
    }

    @Override
    public LatencyDistribution rtt() {
        if (!engine.rttAvailable()) {
            return LatencyDistribution.unavailable(Metric.RTT, engine.whyRttUnavailable());
        }
        return histogram(Metric.RTT, Counter.HIST_RTT);
    }

    private LatencyDistribution histogram(Metric metric, int hist) {
        boolean perWrite = metric.unit() == Stage.Unit.WRITE;
        long all = perWrite ? writes() : packets();
        long timed = perWrite ? timedWrites() : timedPackets();
        return counts(metric, hist).timed(Math.min(timed, all), all);
    }

    private LatencyDistribution counts(Metric metric, int hist) {
        if (port == null) {
            return LatencyDistribution.of(metric, diff.hist[hist], diff.sums[hist]);
        }
        long[] counts = new long[HistogramBuckets.SLOTS];
        double sum = 0;
        for (Map.Entry<Long, Long> e : diff.ports.entrySet()) {
            PortKey k = PortKey.unpack(e.getKey());
            if (k.kind() == PortKey.HIST + hist && k.touches(port) && k.bucket() < counts.length) {
                counts[k.bucket()] += e.getValue();
                sum += e.getValue() * HistogramBuckets.representative(k.bucket());
            }
        }
        return LatencyDistribution.of(metric, counts, (long) sum);
    }

    long counter(int index) {
        if (port == null) {
            return diff.counters[index];
        }
        long total = 0;
        for (Map.Entry<Long, Long> e : diff.ports.entrySet()) {
            PortKey k = PortKey.unpack(e.getKey());
            if (k.kind() == COUNTER_KIND + index && k.touches(port)) {
                total += e.getValue();
            }
        }
        return total;
    }

    @Override
    public long writes() {
        return counter(Counter.WRITES);
    }

    @Override
    public long bytes() {
        return counter(Counter.BYTES);
    }

    @Override
    public long packets() {
        return counter(Counter.PACKETS);
    }

    @Override
    public long timedWrites() {
        return counter(Counter.TIMED_WRITES);
    }

    @Override
    public long timedPackets() {
        return counter(Counter.TIMED_PACKETS);
    }

    @Override
    public long retransmits() {
        return counter(Counter.RETRANS);
    }

    @Override
    public Map<RetransmitKind, Long> retransmitsByKind() {
        Map<RetransmitKind, Long> m = new EnumMap<>(RetransmitKind.class);
        for (RetransmitKind k : RetransmitKind.values()) {
            m.put(k, counter(Counter.RETRANS_KIND + k.ordinal()));
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public long retransmittedBytes() {
        return counter(Counter.RETRANS_BYTES);
    }

    @Override
    public long drops() {
        return counter(Counter.DROPS);
    }

    @Override
    public Map<String, Long> dropsByReason() {
        Map<String, Long> out = new TreeMap<>();
        if (port == null) {
            for (int r = 0; r < diff.drops.length; r++) {
                if (diff.drops[r] != 0) {
                    out.merge(reasonName(r), diff.drops[r], Long::sum);
                }
            }
        } else {
            for (Map.Entry<Long, Long> e : diff.ports.entrySet()) {
                PortKey k = PortKey.unpack(e.getKey());
                if (k.kind() == PortKey.DROP_REASON && k.touches(port)) {
                    out.merge(reasonName(k.bucket()), e.getValue(), Long::sum);
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private String reasonName(int value) {
        return engine.dropReasonName(value);
    }

    @Override
    public long resetsSent() {
        return counter(Counter.RST_SENT);
    }

    @Override
    public long resetsReceived() {
        return counter(Counter.RST_RECV);
    }

    @Override
    public long connectionsOpened() {
        return counter(Counter.CONN_OPENED);
    }

    @Override
    public long connectionsClosed() {
        return counter(Counter.CONN_CLOSED);
    }

    @Override
    public long listenOverflows() {
        return counter(Counter.LISTEN_OVERFLOW);
    }

    @Override
    public List<NetworkEvent> events() {
        return events;
    }
}
