// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.ForwardingNetworkView;
import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.assertj.LostEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The trace injected into a test: the window's {@link NetworkTrace}, narrowed to {@link TraceNetwork#ports()} when
 * those are given. Counters of the whole trace ({@link #lostEvents()}, {@link #elapsed()}) are not narrowed.
 * {@link #close()} ends the window early; the extension closes it anyway after the test. Distributions and port views
 * read from it are {@linkplain LostEvents#attach attached} to it, so assertions on them check the window's loss.
 */
final class ScopedTrace extends ForwardingNetworkView implements NetworkTrace {
    private final NetworkTrace trace;
    private final int[] ports;
    private final NetworkView view;

    ScopedTrace(NetworkTrace trace, int[] ports) {
        this.trace = trace;
        this.ports = ports.clone();
        if (ports.length == 0) {
            view = trace;
        } else if (ports.length == 1) {
            view = trace.port(ports[0]);
        } else {
            List<NetworkView> views = new ArrayList<>();
            for (int p : ports) {
                views.add(trace.port(p));
            }
            view = new PortsView(views);
        }
    }

    NetworkTrace unwrap() {
        return trace;
    }

    int[] ports() {
        return ports.clone();
    }

    @Override
    public NetworkView port(int port) {
        if (ports.length > 0 && Arrays.stream(ports).noneMatch(p -> p == port)) {
            throw new IllegalArgumentException("port " + port + " is not traced by this test: @TraceNetwork(ports = "
                    + Arrays.toString(ports) + ") narrows the trace to those ports");
        }
        return LostEvents.attach(trace.port(port), this);
    }

    @Override
    public long lostEvents() {
        return trace.lostEvents();
    }

    @Override
    public Map<LostCause, Long> lostEventsByCause() {
        return trace.lostEventsByCause();
    }

    @Override
    public Map<Metric, Long> unresolvedAtRead() {
        return trace.unresolvedAtRead();
    }

    @Override
    public long eventsNotKept() {
        return trace.eventsNotKept();
    }

    @Override
    public Duration elapsed() {
        return trace.elapsed();
    }

    @Override
    public boolean isClosed() {
        return trace.isClosed();
    }

    @Override
    public void close() {
        if (!trace.isClosed()) {
            trace.close();
        }
    }

    @Override
    protected NetworkView delegate(Metric metric) {
        return view;
    }

    @Override
    public LatencyDistribution latency(Stage stage) {
        return LostEvents.attach(super.latency(stage), this);
    }

    @Override
    public LatencyDistribution rtt() {
        return LostEvents.attach(super.rtt(), this);
    }

    @Override
    public String toString() {
        return "NetworkTrace" + (ports.length == 0 ? "" : " of ports " + Arrays.toString(ports)) + " (" + trace + ")";
    }
}
