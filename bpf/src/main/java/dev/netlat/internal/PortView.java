// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.util.List;
import java.util.Map;

/**
 * A live view of one port of a {@link TraceWindow}: like the window itself, every read sees the window as it is then
 * (or frozen after close).
 */
final class PortView implements NetworkView {
    private final TraceWindow window;
    private final int port;

    PortView(TraceWindow window, int port) {
        this.window = window;
        this.port = port;
    }

    @Override
    public LatencyDistribution latency(Stage stage) {
        return window.portView(port, stage.ordinal()).latency(stage);
    }

    @Override
    public LatencyDistribution rtt() {
        return window.portView(port, Counter.HIST_RTT).rtt();
    }

    @Override
    public long writes() {
        return window.portView(port).writes();
    }

    @Override
    public long bytes() {
        return window.portView(port).bytes();
    }

    @Override
    public long packets() {
        return window.portView(port).packets();
    }

    @Override
    public long retransmits() {
        return window.portView(port).retransmits();
    }

    @Override
    public Map<RetransmitKind, Long> retransmitsByKind() {
        return window.portView(port).retransmitsByKind();
    }

    @Override
    public long retransmittedBytes() {
        return window.portView(port).retransmittedBytes();
    }

    @Override
    public long drops() {
        return window.portView(port).drops();
    }

    @Override
    public Map<String, Long> dropsByReason() {
        return window.portView(port).dropsByReason();
    }

    @Override
    public long resetsSent() {
        return window.portView(port).resetsSent();
    }

    @Override
    public long resetsReceived() {
        return window.portView(port).resetsReceived();
    }

    @Override
    public long connectionsOpened() {
        return window.portView(port).connectionsOpened();
    }

    @Override
    public long connectionsClosed() {
        return window.portView(port).connectionsClosed();
    }

    @Override
    public long listenOverflows() {
        return window.portView(port).listenOverflows();
    }

    @Override
    public List<NetworkEvent> events() {
        return window.portView(port).events();
    }

    @Override
    public String toString() {
        return "NetworkView{port=" + port + ", writes=" + writes() + "}";
    }
}
