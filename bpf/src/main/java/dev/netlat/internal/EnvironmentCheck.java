package dev.netlat.internal;

import dev.netlat.Availability;
import java.util.List;
import java.util.Map;

/** Checks privileges, BTF, libbpf and tracepoints without loading anything. (Being written.) */
public final class EnvironmentCheck {
    public static Availability check() {
        return new Availability(List.of("engine not yet written"), Map.of());
    }
}
