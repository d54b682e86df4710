// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.TraceOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * netlat: a window open over the B passes. The programs are unloaded for the A passes, so A runs with no BPF program
 * attached at all (not only idle), and each B block pays a full load, timed separately.
 */
final class NetlatTracer implements Tracer {
    private final TraceOptions options;
    private final String name;
    private final List<Long> loadNanos = new ArrayList<>();
    private NetworkTrace trace;
    private long tracedWrites;

    NetlatTracer(String name, TraceOptions options) {
        this.name = name;
        this.options = options;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void on(int port) {
        trace = NetworkTracer.start(options);
        loadNanos.add(LoadedPrograms.loadNanos());
    }

    @Override
    public void off() {
        trace.close();
        tracedWrites += trace.writes();
        trace = null;
        NetworkTracer.unload();
    }

    /** Load + verify + attach time of each B block, in ms. */
    double[] loadMillis() {
        return loadNanos.stream().mapToDouble(x -> x / 1e6).toArray();
    }

    /** Writes netlat counted over all B windows so far. */
    long tracedWrites() {
        return tracedWrites;
    }
}
