// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/** Runs {@link TestKitScenario} classes with EngineTestKit and digs out results. */
final class TestKit {
    static final String MARKER = "netlat.testkit";

    private TestKit() {
    }

    /** Runs with the fake engine, skip policy and the report dir given; extra parameters override. */
    static EngineExecutionResults runFake(Class<?> scenario, Path reportDir, String... keyValues) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(NetlatConfig.TRACE_FACTORY, FakeTraceFactory.class.getName());
        params.put(NetlatConfig.REPORT_DIR, reportDir.toString());
        return run(scenario, params, keyValues);
    }

    /** Runs with the real engine (no trace factory). */
    static EngineExecutionResults runReal(Class<?> scenario, Path reportDir, String... keyValues) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(NetlatConfig.REPORT_DIR, reportDir.toString());
        return run(scenario, params, keyValues);
    }

    static EngineExecutionResults run(Class<?> scenario, Map<String, String> base, String... keyValues) {
        return run(List.of(scenario), base, keyValues);
    }

    /** Runs several scenario classes in one engine run (e.g. a traced and an untraced class side by side). */
    static EngineExecutionResults run(List<Class<?>> scenarios, Map<String, String> base, String... keyValues) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(MARKER, "true");
        // the outer run may carry netlat.unavailable=fail as a system property; scenarios choose explicitly
        params.put(NetlatConfig.UNAVAILABLE, "skip");
        params.put(NetlatConfig.MIN_SAMPLES_FACTOR, "1");
        params.putAll(base);
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            params.put(keyValues[i], keyValues[i + 1]);
        }
        return EngineTestKit.engine("junit-jupiter")
                .selectors(scenarios.stream().map(c -> selectClass(c)).toArray(org.junit.platform.engine.DiscoverySelector[]::new))
                .configurationParameters(params)
                .execute();
    }

    static Throwable throwable(Event e) {
        return e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
    }

    static List<Throwable> failures(EngineExecutionResults r) {
        return r.testEvents().failed().stream().map(TestKit::throwable).collect(Collectors.toList());
    }

    static List<Throwable> aborts(EngineExecutionResults r) {
        return r.testEvents().aborted().stream().map(TestKit::throwable).collect(Collectors.toList());
    }

    /** The failure of the test with this method name. */
    static Throwable failureOf(EngineExecutionResults r, String method) {
        return r.testEvents().failed().stream()
                .filter(e -> e.getTestDescriptor().getUniqueId().toString().contains("[method:" + method + "("))
                .map(TestKit::throwable).findFirst()
                .orElseThrow(() -> new AssertionError("no failure of " + method + "; failures: " + failures(r)
                        + "; aborts: " + aborts(r)));
    }
}
