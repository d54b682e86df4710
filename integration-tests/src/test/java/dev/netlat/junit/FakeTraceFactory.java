// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.NetworkTrace;
import dev.netlat.TraceOptions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/** Plugged in with {@code netlat.traceFactory}: hands out {@link FakeTrace}s made by {@link #next}. */
public class FakeTraceFactory implements Function<TraceOptions, NetworkTrace> {
    public static volatile Supplier<FakeTrace> next = FakeTrace::new;
    public static final List<FakeTrace> started = new CopyOnWriteArrayList<>();

    public static void reset(Supplier<FakeTrace> supplier) {
        next = supplier;
        started.clear();
    }

    @Override
    public NetworkTrace apply(TraceOptions options) {
        FakeTrace t = next.get();
        started.add(t);
        return t;
    }
}
