package dev.netlat.internal;

import dev.netlat.NetworkTrace;
import dev.netlat.TraceOptions;

/** Loads the kernel programs once per JVM and hands out trace windows. (Being written.) */
public final class Engine {
    public static Engine get() {
        throw new UnsupportedOperationException("engine not yet written");
    }

    public NetworkTrace startWindow(TraceOptions options) {
        throw new UnsupportedOperationException("engine not yet written");
    }
}
