// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.NetworkTrace;
import dev.netlat.WindowLoss;
import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What a percentile, budget or counter assertion does when the trace window it judges lost events
 * ({@link NetworkTrace#lostEventsByCause()}): a percentile over a partial sample can hide the tail (the lost samples
 * may be exactly the slow ones), and a counter may be short, so by default the assertion <b>fails</b>, naming what
 * was lost by cause.
 *
 * <p>The policy is, in this order: {@code allowingLostEvents()} on the assertion (or
 * {@code @LatencyBudget(allowLostSamples = true)}), the JUnit configuration parameter {@value #CONFIG_KEY} (the netlat
 * JUnit extension installs it for the test thread while a traced test runs), the system property of the same name,
 * {@link Policy#FAIL}. {@link Policy#WARN} lets the assertion judge what was measured and prints a warning naming the
 * loss.
 *
 * <p>Which trace a result came from: an assertion on a {@link NetworkTrace} knows it; a distribution or port view
 * got from the trace the JUnit extension injects is {@linkplain #attach(Object, NetworkTrace) attached} to it. A
 * distribution or view taken from a trace started by hand is not; assert it through
 * {@code assertThat(trace).latency(stage)} to have the window's loss checked.
 */
public final class LostEvents {
    /** Configuration parameter / system property: {@code fail} (default) or {@code warn}. */
    public static final String CONFIG_KEY = "netlat.lostEvents";

    /** What to do with an assertion over a window with lost events. */
    public enum Policy {
        /** The assertion fails, naming the loss by cause. */
        FAIL,
        /** The assertion judges what was measured and prints a warning naming the loss. */
        WARN
    }

    private static final ThreadLocal<Policy> THREAD_POLICY = new ThreadLocal<>();
    private static final Map<Object, WeakReference<NetworkTrace>> SOURCES = Collections.synchronizedMap(new WeakHashMap<>());

    private LostEvents() {
    }

    /** The policy in effect for the current thread. */
    public static Policy policy() {
        Policy p = THREAD_POLICY.get();
        if (p != null) {
            return p;
        }
        String prop = System.getProperty(CONFIG_KEY);
        if (prop != null && !prop.isBlank()) {
            return parse(prop, "system property " + CONFIG_KEY);
        }
        return Policy.FAIL;
    }

    /** Sets (or with null clears) the policy of the current thread; used by the JUnit extension around a test. */
    public static void setThreadPolicy(Policy policy) {
        if (policy == null) {
            THREAD_POLICY.remove();
        } else {
            THREAD_POLICY.set(policy);
        }
    }

    /** Parses {@code fail} or {@code warn} (any case) with a message naming where the text came from. */
    public static Policy parse(String text, String source) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "fail":
                return Policy.FAIL;
            case "warn":
                return Policy.WARN;
            default:
                throw new IllegalArgumentException(source + " must be 'fail' or 'warn', was '" + text + "'");
        }
    }

    /**
     * Remembers that {@code derived} (a {@link dev.netlat.LatencyDistribution} or {@link dev.netlat.NetworkView} read
     * from {@code source}) belongs to that trace window, so assertions on it check the window's loss. Weak on both
     * sides; identity of {@code derived}. Returns {@code derived}.
     */
    public static <T> T attach(T derived, NetworkTrace source) {
        if (derived != null && source != null && derived != source) {
            SOURCES.put(derived, new WeakReference<>(source));
        }
        return derived;
    }

    /** The trace window {@code result} was read from, if known: what it is attached to, else itself when it is a trace. */
    static NetworkTrace sourceOf(Object result) {
        if (result == null) {
            return null;
        }
        WeakReference<NetworkTrace> ref = SOURCES.get(result);
        NetworkTrace attached = ref == null ? null : ref.get();
        if (attached != null) {
            return attached;
        }
        return result instanceof NetworkTrace ? (NetworkTrace) result : null;
    }

    /**
     * The non-zero lost events of a window in words, for messages and reports (empty when none or unknown): each
     * cause by its {@link LostCause#description()}, except that samples unresolved at read are named per metric
     * ({@code SOCKET samples still unresolved when read (…)}), so a message says which stage a read gave up on.
     */
    public static Map<String, Long> inWords(NetworkTrace source) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (source == null) {
            return out;
        }
        Map<Metric, Long> unresolved = source.unresolvedAtRead();
        source.lostEventsByCause().forEach((cause, n) -> {
            if (n == null || n <= 0) {
                return;
            }
            if (cause == LostCause.UNRESOLVED_AT_READ && !unresolved.isEmpty()) {
                unresolved.forEach((metric, u) -> {
                    if (u != null && u > 0) {
                        out.put(metric.name() + " " + cause.description(), u);
                    }
                });
            } else {
                out.put(cause.description(), n);
            }
        });
        return out;
    }

    /** The non-zero lost events of a window by cause (empty when none or unknown). */
    static Map<LostCause, Long> byCause(NetworkTrace source) {
        Map<LostCause, Long> out = new EnumMap<>(LostCause.class);
        if (source != null) {
            source.lostEventsByCause().forEach((cause, n) -> {
                if (n != null && n > 0) {
                    out.put(cause, n);
                }
            });
        }
        return out;
    }

    /**
     * "600 events lost in this trace window, by cause {socket table full (netlat.maps.sockets)=600}", from the loss
     * {@linkplain #inWords in words}.
     */
    public static String describe(Map<String, Long> byCause) {
        return WindowLoss.of(byCause).describe();
    }

    static final String HOW_TO_ACCEPT = "remove the cause (the cause names the map to enlarge or the limit that was"
            + " hit), or accept the loss explicitly with allowingLostEvents(), @LatencyBudget(allowLostSamples = true)"
            + " or the configuration parameter " + CONFIG_KEY + "=warn";
}
