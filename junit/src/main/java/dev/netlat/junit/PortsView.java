// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Several port views merged into one: distributions are added ({@link LatencyDistribution#plus}), counters summed,
 * events merged in time order without duplicates. A socket whose local and remote port are both in the set is
 * counted in both port views and therefore twice.
 */
final class PortsView implements NetworkView {
    private final List<NetworkView> views;

    PortsView(List<NetworkView> views) {
        if (views.isEmpty()) {
            throw new IllegalArgumentException("no views");
        }
        this.views = List.copyOf(views);
    }

    private LatencyDistribution merge(Function<NetworkView, LatencyDistribution> f) {
        LatencyDistribution d = null;
        for (NetworkView v : views) {
            LatencyDistribution x = f.apply(v);
            d = d == null ? x : d.plus(x);
        }
        return d;
    }

    private long sum(ToLongFunction<NetworkView> f) {
        long s = 0;
        for (NetworkView v : views) {
            s += f.applyAsLong(v);
        }
        return s;
    }

    @Override
    public LatencyDistribution latency(Stage stage) {
        return merge(v -> v.latency(stage));
    }

    @Override
    public LatencyDistribution rtt() {
        return merge(NetworkView::rtt);
    }

    @Override
    public long writes() {
        return sum(NetworkView::writes);
    }

    @Override
    public long bytes() {
        return sum(NetworkView::bytes);
    }

    @Override
    public long packets() {
        return sum(NetworkView::packets);
    }

    @Override
    public long timedWrites() {
        return sum(NetworkView::timedWrites);
    }

    @Override
    public long timedPackets() {
        return sum(NetworkView::timedPackets);
    }

    @Override
    public long retransmits() {
        return sum(NetworkView::retransmits);
    }

    @Override
    public Map<RetransmitKind, Long> retransmitsByKind() {
        Map<RetransmitKind, Long> out = new EnumMap<>(RetransmitKind.class);
        for (RetransmitKind k : RetransmitKind.values()) {
            out.put(k, 0L);
        }
        for (NetworkView v : views) {
            v.retransmitsByKind().forEach((k, n) -> out.merge(k, n, Long::sum));
        }
        return out;
    }

    @Override
    public long retransmittedBytes() {
        return sum(NetworkView::retransmittedBytes);
    }

    @Override
    public long drops() {
        return sum(NetworkView::drops);
    }

    @Override
    public Map<String, Long> dropsByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (NetworkView v : views) {
            v.dropsByReason().forEach((k, n) -> out.merge(k, n, Long::sum));
        }
        return out;
    }

    @Override
    public long resetsSent() {
        return sum(NetworkView::resetsSent);
    }

    @Override
    public long resetsReceived() {
        return sum(NetworkView::resetsReceived);
    }

    @Override
    public long connectionsOpened() {
        return sum(NetworkView::connectionsOpened);
    }

    @Override
    public long connectionsClosed() {
        return sum(NetworkView::connectionsClosed);
    }

    @Override
    public long listenOverflows() {
        return sum(NetworkView::listenOverflows);
    }

    @Override
    public List<NetworkEvent> events() {
        LinkedHashSet<NetworkEvent> all = new LinkedHashSet<>();
        for (NetworkView v : views) {
            all.addAll(v.events());
        }
        List<NetworkEvent> out = new ArrayList<>(all);
        out.sort(Comparator.comparing(NetworkEvent::time, Comparator.nullsFirst(Comparator.naturalOrder())));
        return out;
    }
}
