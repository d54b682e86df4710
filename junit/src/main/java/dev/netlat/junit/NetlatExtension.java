// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.Availability;
import dev.netlat.NetlatUnavailableException;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.TraceOptions;
import dev.netlat.assertj.LostEvents;
import dev.netlat.assertj.MinSamples;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.BeforeTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.opentest4j.TestAbortedException;

/**
 * The JUnit 5 extension behind {@link TraceNetwork} and {@link LatencyBudget}; registering it directly
 * ({@code @ExtendWith(NetlatExtension.class)}) traces with the defaults.
 *
 * <p>Per test: validate the annotations (invalid values fail the test with {@link ExtensionConfigurationException});
 * check that tracing can run (else abort, or fail with {@code netlat.unavailable=fail}); take the
 * {@linkplain TraceNetwork parallel-execution lock}; open the window (before {@code @BeforeEach} methods for
 * {@link Window#LIFECYCLE}, right before the test method for {@link Window#TEST}); inject it; close it; check the
 * budgets; print the summary, publish it as report entries and write the JSON report. The window lives in the
 * test's {@link ExtensionContext.Store} and is closed and the lock released even if the test throws.
 */
public class NetlatExtension implements BeforeEachCallback, BeforeTestExecutionCallback, AfterTestExecutionCallback,
        AfterEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(NetlatExtension.class);
    private static final String SESSION = "session";

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        TraceSettings settings = TraceSettings.resolve(context);
        Double factor = NetlatConfig.get(context, NetlatConfig.MIN_SAMPLES_FACTOR).map(v -> {
            try {
                return MinSamples.parseFactor(v, "configuration parameter " + NetlatConfig.MIN_SAMPLES_FACTOR);
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(settings.testName + ": " + e.getMessage());
            }
        }).orElse(null);
        LostEvents.Policy lostPolicy = NetlatConfig.get(context, NetlatConfig.LOST_EVENTS).map(v -> {
            try {
                return LostEvents.parse(v, "configuration parameter " + NetlatConfig.LOST_EVENTS);
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(settings.testName + ": " + e.getMessage());
            }
        }).orElse(null);
        Function<TraceOptions, NetworkTrace> starter = starter(context, settings);
        TraceSession session = new TraceSession(settings, starter, factor, lostPolicy);
        store(context).put(SESSION, session);
        session.begin();
        if (settings.window == Window.LIFECYCLE) {
            session.open();
        }
    }

    @Override
    public void beforeTestExecution(ExtensionContext context) {
        TraceSession session = session(context);
        if (session != null && session.settings.window == Window.TEST) {
            session.open();
        }
    }

    @Override
    public void afterTestExecution(ExtensionContext context) {
        TraceSession session = session(context);
        if (session != null && session.settings.window == Window.TEST) {
            session.finish(context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        TraceSession session = session(context);
        if (session == null) {
            return;
        }
        try {
            if (session.settings.window == Window.LIFECYCLE) {
                session.finish(context);
            }
        } finally {
            session.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Class<?> type = parameterContext.getParameter().getType();
        return type == NetworkTrace.class || type == NetworkView.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        Executable executable = parameterContext.getDeclaringExecutable();
        Optional<Method> testMethod = extensionContext.getTestMethod();
        String type = parameterContext.getParameter().getType().getSimpleName();
        if (!(executable instanceof Method) || testMethod.isEmpty()) {
            throw new ParameterResolutionException("netlat: a " + type + " can only be injected into test methods"
                    + " (and into @BeforeEach/@AfterEach methods with @TraceNetwork(window = Window.LIFECYCLE)), not into "
                    + executable);
        }
        TraceSession session = session(extensionContext);
        String name = TraceSettings.testName(extensionContext);
        if (session == null) {
            throw new ParameterResolutionException("netlat: no trace for " + name + " (is it annotated with @TraceNetwork?)");
        }
        boolean lifecycleMethod = !executable.equals(testMethod.get());
        if (lifecycleMethod && session.settings.window == Window.TEST) {
            throw new ParameterResolutionException("netlat: " + executable.getName() + "() of " + name + " asks for a "
                    + type + ", but the trace window of " + name + " is the test method only;"
                    + " use @TraceNetwork(window = Window.LIFECYCLE) to trace @BeforeEach/@AfterEach as well");
        }
        NetworkTrace trace = session.injected();
        if (trace == null) {
            throw new ParameterResolutionException("netlat: the trace window of " + name + " is not open");
        }
        return trace;
    }

    private static ExtensionContext.Store store(ExtensionContext context) {
        return context.getStore(NAMESPACE);
    }

    private static TraceSession session(ExtensionContext context) {
        return store(context).get(SESSION, TraceSession.class);
    }

    /** How windows are started for this test, or abort/fail when tracing cannot run. */
    @SuppressWarnings("unchecked")
    private static Function<TraceOptions, NetworkTrace> starter(ExtensionContext context, TraceSettings settings) {
        Optional<String> simulated = NetlatConfig.get(context, NetlatConfig.SIMULATE_UNAVAILABLE);
        if (simulated.isPresent()) {
            String reason = new Availability(List.of(simulated.get()), Map.of()).reason()
                    + " (simulated by " + NetlatConfig.SIMULATE_UNAVAILABLE + ")";
            throw unavailable(context, settings, reason, null);
        }
        Optional<String> factoryClass = NetlatConfig.get(context, NetlatConfig.TRACE_FACTORY);
        if (factoryClass.isPresent()) {
            return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("factory:" + factoryClass.get(),
                    k -> loadFactory(factoryClass.get()), Function.class);
        }
        unavailablePolicy(context); // a bad value is said now, not only once tracing turns out to be unavailable
        Availability availability;
        try {
            availability = context.getRoot().getStore(NAMESPACE)
                    .getOrComputeIfAbsent("availability", k -> checkAvailability(), Availability.class);
        } catch (IllegalArgumentException e) {
            throw new ExtensionConfigurationException(e.getMessage(), e);
        }
        if (!availability.isAvailable()) {
            throw unavailable(context, settings, availability.reason(), null);
        }
        return options -> {
            try {
                return NetworkTracer.start(options);
            } catch (NetlatUnavailableException e) {
                throw unavailable(context, settings, e.getMessage(), e);
            } catch (IllegalArgumentException e) {
                throw new ExtensionConfigurationException(e.getMessage(), e);
            }
        };
    }

    private static Availability checkAvailability() {
        try {
            Availability a = NetworkTracer.availability();
            // once per run (the root store keeps the result): what on this kernel can make counts short unseen
            for (dev.netlat.KernelCaveat caveat : a.caveats()) {
                System.out.println("[netlat] caveat: " + caveat.description());
            }
            return a;
        } catch (IllegalArgumentException e) {
            throw e; // a configuration error (e.g. netlat.maps.sockets=abc), not unavailability
        } catch (RuntimeException | LinkageError e) {
            return new Availability(List.of("the availability check failed: " + e), Map.of());
        }
    }

    private static Function<TraceOptions, NetworkTrace> loadFactory(String className) {
        try {
            ClassLoader cl = Optional.ofNullable(Thread.currentThread().getContextClassLoader())
                    .orElse(NetlatExtension.class.getClassLoader());
            Object f = Class.forName(className, true, cl).getConstructor().newInstance();
            @SuppressWarnings("unchecked")
            Function<TraceOptions, NetworkTrace> fn = (Function<TraceOptions, NetworkTrace>) f;
            return fn;
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new ExtensionConfigurationException(NetlatConfig.TRACE_FACTORY + "=" + className + " must name a class"
                    + " with a public no-argument constructor implementing Function<TraceOptions, NetworkTrace>: " + e, e);
        }
    }

    /** {@code netlat.unavailable}, validated. */
    static String unavailablePolicy(ExtensionContext context) {
        Optional<String> set = NetlatConfig.get(context, NetlatConfig.UNAVAILABLE);
        String ci = ciEnvironment(System.getenv());
        String policy = set.orElse(ci != null ? "fail" : "skip").toLowerCase(Locale.ROOT);
        if (!policy.equals("skip") && !policy.equals("fail")) {
            throw new ExtensionConfigurationException(NetlatConfig.UNAVAILABLE + " must be 'skip' or 'fail', was '"
                    + policy + "'");
        }
        // said once per run: which policy a green build was judged by
        context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent("policy-said", k -> {
            System.out.println("[netlat] " + NetlatConfig.UNAVAILABLE + "=" + policy + (set.isPresent() ? " (configured)"
                    : ci != null ? " (default in CI: " + ci + " is set)" : " (default outside CI)"));
            return Boolean.TRUE;
        }, Boolean.class);
        return policy;
    }

    /**
     * The variable that says this runs in CI, or null: where tracing cannot run there, a traced test fails by default
     * (a suite that traced nothing must not go green); elsewhere it is skipped.
     */
    static String ciEnvironment(java.util.Map<String, String> env) {
        for (String v : List.of("CI", "GITHUB_ACTIONS", "GITLAB_CI", "BUILDKITE", "JENKINS_URL", "TF_BUILD", "TEAMCITY_VERSION")) {
            String value = env.get(v);
            if (value != null && !value.isBlank() && !value.equalsIgnoreCase("false") && !value.equals("0")) {
                return v;
            }
        }
        return null;
    }

    /** The exception for "tracing cannot run", following {@code netlat.unavailable}. */
    static RuntimeException unavailable(ExtensionContext context, TraceSettings settings, String reason, Throwable cause) {
        String policy = unavailablePolicy(context);
        switch (policy) {
            case "skip":
                // Surefire prints only "Skipped: 1"; the reason belongs where the build shows it
                System.out.println("[netlat] skipped " + settings.testName + ": " + reason);
                return new TestAbortedException(reason + " — skipped " + settings.testName + " (@TraceNetwork); set "
                        + NetlatConfig.UNAVAILABLE + "=fail to fail instead", cause);
            case "fail":
                return new NetlatUnavailableException(reason + " — failing " + settings.testName + " (@TraceNetwork)"
                        + " because " + NetlatConfig.UNAVAILABLE + "=fail", cause);
            default:
                return new ExtensionConfigurationException(NetlatConfig.UNAVAILABLE + " must be 'skip' or 'fail', was '"
                        + policy + "' (while " + reason + ")");
        }
    }
}
