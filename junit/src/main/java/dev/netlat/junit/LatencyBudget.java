// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.Stage;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Repeatable;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A latency budget checked after the test: the {@link #percentile()} of {@link #stage()} in the trace window must
 * be below {@link #below()}. Fails the test with the histogram otherwise, or when the window holds too few samples
 * for the percentile (see {@link dev.netlat.assertj.MinSamples}), or when the window lost events: a percentile over a
 * partial sample can hide the tail, so the budget fails naming the loss by cause unless {@link #allowLostSamples()}
 * or the configuration parameter {@code netlat.lostEvents=warn} accepts it.
 *
 * <p>On a method, or on a class where it applies to every test. Implies {@link TraceNetwork} with defaults when that
 * is absent.
 *
 * <pre>{@code @LatencyBudget(stage = Stage.QDISC, percentile = 99, below = "1ms")}</pre>
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Repeatable(LatencyBudgets.class)
@ExtendWith(NetlatExtension.class)
@ResourceLock(providers = NetlatResourceLocks.class)
public @interface LatencyBudget {
    Stage stage();

    /** Percentile in (0, 100), default 99. */
    double percentile() default 99;

    /** The limit, a number and a unit: {@code 500ns}, {@code 250us} or {@code 250µs}, {@code 1.5ms}, {@code 2s}. */
    String below();

    /**
     * Accept lost events in the window (a full socket table, full per-socket rings, skipped program runs): the
     * percentile is judged over the samples that were measured, and the report still shows the loss. Default
     * {@code false}: a budget over a window with lost events fails.
     */
    boolean allowLostSamples() default false;
}
