// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.junit.NetlatExtension;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Modifier;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestIdentifier;

/**
 * Tells, from what a {@link org.junit.platform.launcher.TestExecutionListener} sees, which tests netlat traces and
 * why a traced test was skipped. A skipped test writes no JSON report, so this is the only place its reason is
 * known.
 */
final class TracedTests {
    /**
     * What {@code NetlatExtension} puts into the {@code TestAbortedException} of a traced test it skips because
     * tracing cannot run: {@code <reason> — skipped <test> (@TraceNetwork); set netlat.unavailable=fail …}.
     */
    static final String SKIPPED_MARK = " — skipped ";
    static final String TRACED_MARK = "(@TraceNetwork)";

    private TracedTests() {
    }

    /**
     * The reason netlat gave for skipping a traced test ({@code netlat cannot trace here: …}), or empty when the
     * abort is not netlat's.
     */
    static Optional<String> netlatSkipReason(Throwable t) {
        String m = t == null ? null : t.getMessage();
        int at = m == null ? -1 : m.lastIndexOf(SKIPPED_MARK);
        return at < 0 || m.indexOf(TRACED_MARK, at) < 0 ? Optional.empty() : Optional.of(m.substring(0, at).trim());
    }

    /**
     * Whether {@link NetlatExtension} runs with this test: {@code @TraceNetwork}, {@code @LatencyBudget} or
     * {@code @ExtendWith(NetlatExtension.class)} on the method, on its class (inherited) or on a class enclosing a
     * {@code @Nested} one. A class that cannot be loaded here counts as untraced.
     */
    static boolean traced(TestIdentifier id) {
        Optional<TestSource> source = id.getSource();
        try {
            if (source.isPresent() && source.get() instanceof MethodSource m) {
                return extended(m.getJavaMethod()) || traced(m.getJavaClass());
            }
            if (source.isPresent() && source.get() instanceof ClassSource c) {
                return traced(c.getJavaClass());
            }
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
        return false;
    }

    private static boolean traced(Class<?> type) {
        for (Class<?> c = type; c != null; c = Modifier.isStatic(c.getModifiers()) ? null : c.getEnclosingClass()) {
            if (extended(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean extended(AnnotatedElement element) {
        return AnnotationSupport.findRepeatableAnnotations(element, ExtendWith.class).stream()
                .anyMatch(e -> java.util.Arrays.asList(e.value()).contains(NetlatExtension.class));
    }

    /** The reference a JSON report would have for this test. */
    static TraceReport.TestRef ref(TestIdentifier id) {
        String className = null;
        String methodName = null;
        Optional<TestSource> source = id.getSource();
        if (source.isPresent() && source.get() instanceof MethodSource m) {
            className = m.getClassName();
            methodName = m.getMethodName();
        } else if (source.isPresent() && source.get() instanceof ClassSource c) {
            className = c.getClassName();
        }
        return new TraceReport.TestRef(id.getUniqueId(), className, methodName, id.getDisplayName());
    }
}
