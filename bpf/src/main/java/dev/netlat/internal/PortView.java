// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import dev.netlat.ForwardingNetworkView;
import dev.netlat.Metric;
import dev.netlat.NetworkView;

/**
 * A live view of one port of a {@link TraceWindow}: like the window itself, every read sees the window as it is then
 * (or frozen after close), having waited for the metric read.
 */
final class PortView extends ForwardingNetworkView {
    private final TraceWindow window;
    private final int port;

    PortView(TraceWindow window, int port) {
        this.window = window;
        this.port = port;
    }

    @Override
    protected NetworkView delegate(Metric metric) {
        // the kernel's histogram ids are the Metric ordinals (BpfObjectGuardTest)
        return metric == null ? window.portView(port) : window.portView(port, metric.ordinal());
    }

    @Override
    public String toString() {
        return "NetworkView{port=" + port + ", writes=" + writes() + "}";
    }
}
