// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.junit.NetlatConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.launcher.core.LauncherConfig;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Runs {@code @TestKitScenario} classes through a JUnit launcher, as a build runs a suite, with a
 * {@link NetlatReportListener} whose environment and output the test holds. The discovery listeners stay
 * auto-registered, so {@code netlat.report} is checked as in a build; the preload session listener does not run.
 */
final class ListenerRun {
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final NetlatReportListener listener;
    private final SummaryGeneratingListener outcome = new SummaryGeneratingListener();

    /** A listener that reads {@code GITHUB_STEP_SUMMARY} from {@code env} and takes files since {@code since}. */
    ListenerRun(Map<String, String> env, Instant since) {
        listener = new NetlatReportListener(env, new PrintStream(printed, true, StandardCharsets.UTF_8), since);
    }

    /**
     * Runs the selected tests with these configuration parameters (over {@code netlat.testkit=true}, which enables
     * the scenarios, and {@code netlat.unavailable=skip}); returns what the listener printed so far.
     */
    String run(Map<String, String> params, DiscoverySelector... selectors) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("netlat.testkit", "true");
        all.put(NetlatConfig.UNAVAILABLE, "skip");
        all.putAll(params);
        LauncherFactory.create(LauncherConfig.builder()
                        .enableTestExecutionListenerAutoRegistration(false)
                        .enableLauncherSessionListenerAutoRegistration(false)
                        .addTestExecutionListeners(listener, outcome)
                        .build())
                .execute(LauncherDiscoveryRequestBuilder.request().selectors(selectors).configurationParameters(all)
                        .build());
        return printed.toString(StandardCharsets.UTF_8);
    }

    /** JUnit's counts of the last run. */
    TestExecutionSummary outcome() {
        return outcome.getSummary();
    }
}
