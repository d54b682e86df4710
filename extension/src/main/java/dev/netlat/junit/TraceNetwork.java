package dev.netlat.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Traces the TCP sockets of each test with netlat: the test gets a {@link dev.netlat.NetworkTrace} parameter,
 * {@link LatencyBudget}s are checked after it, a one-line summary per stage is printed and a JSON report is written
 * (see {@link ReportWriter}).
 *
 * <p>On a class (inherited by subclasses and applying to {@code @Nested} classes) or a method; the annotation on the
 * method wins. Usable as a meta-annotation.
 *
 * <p><b>When tracing cannot run</b> (no privileges, no BTF, …) the test is aborted (reported as skipped) with the
 * reason; configuration parameter or system property {@code netlat.unavailable=fail} fails it instead. See
 * {@link NetlatConfig} for every parameter.
 *
 * <p><b>Parallel execution.</b> A trace sees every socket of the JVM, so traced tests without {@link #ports()} run
 * exclusively: while one runs, no other traced test does. Tests narrowed to ports only see their ports and run in
 * parallel with each other (but not with an unnarrowed one). The lock is taken by the extension at
 * {@code beforeEach} and released at {@code afterEach}; untraced tests are not affected, so their traffic can still
 * appear in an unnarrowed trace — narrow with {@link #ports()} when other tests run in parallel.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NetlatExtension.class)
public @interface TraceNetwork {

    /** What the window covers; default the test method only. */
    Window window() default Window.TEST;

    /**
     * Only sockets whose local or remote port is one of these are injected, asserted and reported (1..65535). Empty:
     * all TCP sockets of the JVM. A connection between two listed ports is counted once per listed port.
     */
    int[] ports() default {};
}
