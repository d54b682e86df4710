package dev.netlat;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Whether tracing can run in this JVM, checked without loading anything. When it cannot, {@link #problems()} says
 * why in words a person can act on; stages whose tracepoints this kernel lacks are listed in
 * {@link #unavailableStages()} while the other stages still work.
 */
public final class Availability {
    private final List<String> problems;
    private final Map<Stage, String> unavailableStages;

    public Availability(List<String> problems, Map<Stage, String> unavailableStages) {
        this.problems = List.copyOf(problems);
        this.unavailableStages = unavailableStages.isEmpty()
                ? Collections.unmodifiableMap(new EnumMap<>(Stage.class))
                : Collections.unmodifiableMap(new EnumMap<>(unavailableStages));
    }

    public boolean isAvailable() {
        return problems.isEmpty();
    }

    public List<String> problems() {
        return problems;
    }

    public Map<Stage, String> unavailableStages() {
        return unavailableStages;
    }

    /** All problems in one sentence, or "available". */
    public String reason() {
        return problems.isEmpty() ? "available" : "netlat cannot trace here: " + String.join("; ", problems);
    }

    /** Throws {@link NetlatUnavailableException} with {@link #reason()} unless available. */
    public Availability requireAvailable() {
        if (!isAvailable()) {
            throw new NetlatUnavailableException(this);
        }
        return this;
    }

    @Override
    public String toString() {
        return reason() + (unavailableStages.isEmpty() ? "" : " (unavailable stages: " + unavailableStages + ")");
    }
}
