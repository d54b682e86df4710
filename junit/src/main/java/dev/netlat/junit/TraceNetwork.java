// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.ReportWriter;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.parallel.ResourceLock;

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
 * <p><b>Parallel execution.</b> A trace sees every socket of the JVM, so a traced test without {@link #ports()}
 * takes JUnit's {@link org.junit.jupiter.api.parallel.Resources#GLOBAL GLOBAL} resource lock in {@code READ_WRITE}
 * mode, as {@link org.junit.jupiter.api.parallel.Isolated @Isolated} does: no other test, traced or not, runs beside
 * it, so its counts are its own. (JUnit takes a global read-write lock for the whole top-level class, whose tests then
 * run one after another.) A test narrowed to ports locks only {@code netlat.port.<n>} for each of its ports and runs
 * in parallel with everything but tests on the same port and unnarrowed traced tests. The locks are declared through
 * {@link NetlatResourceLocks}, a {@code ResourceLocksProvider} meta-present on this annotation and on
 * {@link LatencyBudget}; registering {@link NetlatExtension} directly ({@code @ExtendWith}) declares none, and then
 * only an internal lock keeps traced tests apart from each other.
 */
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(NetlatExtension.class)
@ResourceLock(providers = NetlatResourceLocks.class)
public @interface TraceNetwork {

    /** What the window covers; default the test method only. */
    Window window() default Window.TEST;

    /**
     * Only sockets whose local or remote port is one of these are injected, asserted and reported (1..65535). Empty:
     * all TCP sockets of the JVM. A connection between two listed ports is counted once per listed port.
     */
    int[] ports() default {};

    /**
     * Time every write (default false: each socket's timing budget, 256 writes refilled at 1000 a second, busy
     * sockets together at most 2000 a second; see
     * {@link dev.netlat.TraceOptions#timeEveryWrite(boolean)}). Counts are exact either way; a test that writes
     * thousands of times fast and needs a sample of each, or a p99.99 of them, sets this. Configuration parameter
     * {@code netlat.timeEveryWrite=true} sets it for every traced test.
     */
    boolean timeEveryWrite() default false;
}
