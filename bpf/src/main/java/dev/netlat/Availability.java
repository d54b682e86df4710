// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Whether tracing can run in this JVM, and what a load does on this kernel. When it cannot, {@link #problems()} says
 * why in words a person can act on; stages whose hooks this kernel lacks (no tracepoint and no function to attach
 * to) or refused (the verifier) are listed in {@link #unavailableStages()} while the other stages still work.
 */
public final class Availability {
    private final List<String> problems;
    private final Map<Stage, String> unavailableStages;
    private final Map<Stage, String> stageHooks;
    private final Map<String, String> hooks;
    private final Set<KernelCaveat> caveats;

    public Availability(List<String> problems, Map<Stage, String> unavailableStages) {
        this(problems, unavailableStages, Map.of(), Map.of());
    }

    /**
     * @param stageHooks per stage, the attach points it is measured with here ({@code fentry/tcp_sendmsg_locked, ...})
     * @param hooks      per hook, the program attached and what was passed over or refused, and why
     */
    public Availability(List<String> problems, Map<Stage, String> unavailableStages, Map<Stage, String> stageHooks,
                        Map<String, String> hooks) {
        this(problems, unavailableStages, stageHooks, hooks, Set.of());
    }

    /** @param caveats conditions of this kernel under which counts can be short with nothing reported lost */
    public Availability(List<String> problems, Map<Stage, String> unavailableStages, Map<Stage, String> stageHooks,
                        Map<String, String> hooks, Set<KernelCaveat> caveats) {
        this.caveats = caveats.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(caveats));
        this.problems = List.copyOf(problems);
        this.stageHooks = stageHooks.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(stageHooks));
        this.hooks = Collections.unmodifiableMap(new java.util.LinkedHashMap<>(hooks));
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

    /** Per stage, the kernel attach points it is measured with on this kernel (tracepoint or fentry/fexit). */
    public Map<Stage, String> stageHooks() {
        return stageHooks;
    }

    /**
     * Per hook, what this kernel runs: e.g. {@code write_start -> fentry/tcp_sendmsg_locked (nl_sendmsg_fentry);
     * tp_btf/tcp_sendmsg_locked (nl_sendmsg): this kernel has no tracepoint tcp_sendmsg_locked ...}, or
     * {@code unavailable; ...} with every variant's reason (a verifier rejection names the program and quotes the log).
     */
    public Map<String, String> hooks() {
        return hooks;
    }

    /**
     * What this kernel does that can make counts short without netlat seeing it happen ({@link KernelCaveat}); empty
     * on the kernels netlat is tested on (6.1, 6.12).
     */
    public Set<KernelCaveat> caveats() {
        return caveats;
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
