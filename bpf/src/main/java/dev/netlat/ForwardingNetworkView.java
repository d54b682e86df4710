// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.List;
import java.util.Map;

/**
 * A {@link NetworkView} that answers every read from another view: the base of the views that narrow a trace or stand
 * in for one (a window, a port of it, the ports a test traces), so the reads are forwarded in one place rather than
 * once per view. {@link #delegate(Metric)} is asked on every read, with the metric read (null for counters and
 * events): a live view can then answer each read from a fresh snapshot that waited for that metric alone.
 */
public abstract class ForwardingNetworkView implements NetworkView {

    /** The view that answers a read of {@code metric}, or of a counter or the events when it is null. */
    protected abstract NetworkView delegate(Metric metric);

    @Override
    public LatencyDistribution latency(Stage stage) {
        return delegate(Metric.of(stage)).latency(stage);
    }

    @Override
    public LatencyDistribution rtt() {
        return delegate(Metric.RTT).rtt();
    }

    @Override
    public long writes() {
        return delegate(null).writes();
    }

    @Override
    public long bytes() {
        return delegate(null).bytes();
    }

    @Override
    public long packets() {
        return delegate(null).packets();
    }

    @Override
    public long timedWrites() {
        return delegate(null).timedWrites();
    }

    @Override
    public long timedPackets() {
        return delegate(null).timedPackets();
    }

    @Override
    public long retransmits() {
        return delegate(null).retransmits();
    }

    @Override
    public Map<RetransmitKind, Long> retransmitsByKind() {
        return delegate(null).retransmitsByKind();
    }

    @Override
    public long retransmittedBytes() {
        return delegate(null).retransmittedBytes();
    }

    @Override
    public long drops() {
        return delegate(null).drops();
    }

    @Override
    public Map<String, Long> dropsByReason() {
        return delegate(null).dropsByReason();
    }

    @Override
    public long resetsSent() {
        return delegate(null).resetsSent();
    }

    @Override
    public long resetsReceived() {
        return delegate(null).resetsReceived();
    }

    @Override
    public long connectionsOpened() {
        return delegate(null).connectionsOpened();
    }

    @Override
    public long connectionsClosed() {
        return delegate(null).connectionsClosed();
    }

    @Override
    public long listenOverflows() {
        return delegate(null).listenOverflows();
    }

    @Override
    public List<NetworkEvent> events() {
        return delegate(null).events();
    }
}
