// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.Stage;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** The validated {@link TraceNetwork} and {@link LatencyBudget}s of one test. */
final class TraceSettings {

    /** A validated budget. */
    record Budget(Stage stage, double percentile, String below, Duration limit, boolean allowLostSamples) {
        String describe() {
            return "@LatencyBudget(stage = " + stage + ", percentile = " + dev.netlat.Percentiles.number(percentile) + ", below = \""
                    + below + "\"" + (allowLostSamples ? ", allowLostSamples = true" : "") + ")";
        }
    }

    final String testName;
    final Window window;
    final int[] ports;
    final List<Budget> budgets;
    final boolean timeEveryWrite;

    private TraceSettings(String testName, Window window, int[] ports, List<Budget> budgets, boolean timeEveryWrite) {
        this.testName = testName;
        this.window = window;
        this.ports = ports;
        this.budgets = budgets;
        this.timeEveryWrite = timeEveryWrite;
    }

    List<Integer> portList() {
        return Arrays.stream(ports).boxed().collect(Collectors.toList());
    }

    static String testName(ExtensionContext context) {
        Class<?> c = context.getRequiredTestClass();
        String cls = c.getName().substring(c.getName().lastIndexOf('.') + 1).replace('$', '.');
        return cls + "." + context.getTestMethod().map(Method::getName).orElse("?") + "()";
    }

    /** The class of the test and, for {@code @Nested} (inner) classes, the classes enclosing it, innermost first. */
    static List<Class<?>> classChain(Class<?> testClass) {
        List<Class<?>> chain = new ArrayList<>();
        Class<?> c = testClass;
        while (c != null) {
            chain.add(c);
            boolean inner = c.getEnclosingClass() != null && !java.lang.reflect.Modifier.isStatic(c.getModifiers());
            c = inner ? c.getEnclosingClass() : null;
        }
        return chain;
    }

    /**
     * The {@link TraceNetwork} that applies to a test method: the method's (directly or as a meta-annotation), else
     * the innermost class's of {@code classChain} (test class first, then the classes enclosing a {@code @Nested}
     * one; inherited from superclasses through {@code @Inherited}). Empty when none has one (e.g. only a
     * {@link LatencyBudget} or {@code @ExtendWith(NetlatExtension.class)}: traced with the defaults).
     */
    static Optional<TraceNetwork> findTraceNetwork(Method method, List<Class<?>> classChain) {
        Optional<TraceNetwork> tn = AnnotationSupport.findAnnotation(method, TraceNetwork.class);
        for (Class<?> c : classChain) {
            if (tn.isPresent()) {
                break;
            }
            tn = AnnotationSupport.findAnnotation(c, TraceNetwork.class);
        }
        return tn;
    }

    static TraceSettings resolve(ExtensionContext context) {
        String name = testName(context);
        Method method = context.getRequiredTestMethod();
        List<Class<?>> chain = classChain(context.getRequiredTestClass());

        Optional<TraceNetwork> tn = findTraceNetwork(method, chain);
        Window window = tn.map(TraceNetwork::window).orElse(Window.TEST);
        int[] ports = tn.map(TraceNetwork::ports).orElse(new int[0]);
        for (int p : ports) {
            if (p < 1 || p > 65535) {
                throw new ExtensionConfigurationException("Invalid @TraceNetwork(ports = " + Arrays.toString(ports)
                        .replace('[', '{').replace(']', '}') + ") on test " + name + ": port " + p
                        + " is outside 1..65535");
            }
        }
        ports = Arrays.stream(ports).distinct().toArray();

        Set<LatencyBudget> found = new LinkedHashSet<>(AnnotationSupport.findRepeatableAnnotations(method, LatencyBudget.class));
        for (Class<?> c : chain) {
            found.addAll(AnnotationSupport.findRepeatableAnnotations(c, LatencyBudget.class));
        }
        List<Budget> budgets = new ArrayList<>();
        for (LatencyBudget b : found) {
            String where = "Invalid @LatencyBudget(stage = " + b.stage() + ", percentile = " + dev.netlat.Percentiles.number(b.percentile())
                    + ", below = \"" + b.below() + "\") on test " + name + ": ";
            double p = b.percentile();
            if (!(p > 0 && p < 100)) {
                throw new ExtensionConfigurationException(where + "percentile " + dev.netlat.Percentiles.number(p)
                        + " is outside (0, 100); use e.g. 50, 99 or 99.9");
            }
            Duration limit;
            try {
                limit = DurationParser.parse(b.below());
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(where + "below " + e.getMessage());
            }
            budgets.add(new Budget(b.stage(), p, b.below(), limit, b.allowLostSamples()));
        }
        boolean everyWrite = tn.map(TraceNetwork::timeEveryWrite).orElse(false)
                || NetlatConfig.get(context, NetlatConfig.TIME_EVERY_WRITE).map(v -> {
                    if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                        throw new ExtensionConfigurationException("Invalid configuration parameter "
                                + NetlatConfig.TIME_EVERY_WRITE + "=" + v + " for test " + name
                                + ": expected true or false");
                    }
                    return Boolean.parseBoolean(v);
                }).orElse(false);
        return new TraceSettings(name, window, ports, List.copyOf(budgets), everyWrite);
    }
}
