// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Configuration parameters of the netlat JUnit extension. Each is read from the JUnit configuration parameters
 * ({@code junit-platform.properties}, Surefire's {@code configurationParameters}, EngineTestKit) first, then from
 * the system property of the same name.
 */
public final class NetlatConfig {
    /** {@code skip} (default): abort a traced test when tracing cannot run; {@code fail}: fail it. */
    public static final String UNAVAILABLE = "netlat.unavailable";
    /** Directory of the JSON reports, default {@link #DEFAULT_REPORT_DIR}. */
    public static final String REPORT_DIR = "netlat.reportDir";
    /** Multiplies the samples a percentile needs (default 1.0, 0 = no check); see {@link dev.netlat.assertj.MinSamples}. */
    public static final String MIN_SAMPLES_FACTOR = dev.netlat.assertj.MinSamples.CONFIG_KEY;
    /**
     * {@code fail} (default): a budget, percentile or counter assertion over a window with lost events fails, naming
     * the loss by cause; {@code warn}: it judges what was measured and prints a warning. See
     * {@link dev.netlat.assertj.LostEvents}; per budget {@link LatencyBudget#allowLostSamples()}.
     */
    public static final String LOST_EVENTS = dev.netlat.assertj.LostEvents.CONFIG_KEY;
    /**
     * {@code true}: every traced test times every write, as {@link TraceNetwork#timeEveryWrite()} does for one;
     * {@code false} (default): each socket's timing budget, see {@link dev.netlat.TraceOptions#timeEveryWrite(boolean)}.
     */
    public static final String TIME_EVERY_WRITE = "netlat.timeEveryWrite";
    /**
     * <b>Testing aid.</b> When set, tracing behaves as unavailable with this text as the reason, so the skip/fail
     * policy can be tested anywhere (e.g. with EngineTestKit).
     */
    static final String SIMULATE_UNAVAILABLE = "netlat.simulateUnavailable";
    /**
     * <b>Testing aid.</b> Fully qualified name of a class with a public no-argument constructor implementing
     * {@code java.util.function.Function<dev.netlat.TraceOptions, dev.netlat.NetworkTrace>}; the extension then
     * starts windows with it instead of {@link dev.netlat.NetworkTracer#start(dev.netlat.TraceOptions)} and skips
     * the availability check. Lets the extension be tested with fake traces.
     */
    static final String TRACE_FACTORY = "netlat.traceFactory";

    /**
     * The report directory when {@link #REPORT_DIR} is not set: the build tool's output directory, {@code build/netlat}
     * under Gradle and {@code target/netlat} otherwise (see {@link #defaultReportDir}).
     */
    public static final String DEFAULT_REPORT_DIR = defaultReportDir(System::getProperty, Path.of(""));

    private NetlatConfig() {
    }

    /**
     * {@code build/netlat} when the tests run under Gradle, else {@code target/netlat}. Gradle's test workers set the
     * system property {@code org.gradle.test.worker}; Surefire sets {@code surefire.real.class.path} or
     * {@code surefire.test.class.path}. Without either (an IDE, a console launcher) the working directory decides: a
     * {@code build.gradle(.kts)} or {@code settings.gradle(.kts)} and no {@code pom.xml} is a Gradle project.
     *
     * @param systemProperty  looks up a system property (null when unset)
     * @param workingDirectory where relative report directories resolve
     */
    public static String defaultReportDir(Function<String, String> systemProperty, Path workingDirectory) {
        boolean surefire = systemProperty.apply("surefire.real.class.path") != null
                || systemProperty.apply("surefire.test.class.path") != null;
        boolean gradle = systemProperty.apply("org.gradle.test.worker") != null
                || !surefire && !Files.exists(workingDirectory.resolve("pom.xml"))
                && Stream.of("build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts")
                        .anyMatch(f -> Files.exists(workingDirectory.resolve(f)));
        return gradle ? "build/netlat" : "target/netlat";
    }

    /** A parameter: JUnit configuration parameter first, then system property; blank counts as absent. */
    public static Optional<String> get(ExtensionContext context, String key) {
        Optional<String> v = value(context.getConfigurationParameter(key));
        return v.isPresent() ? v : value(Optional.ofNullable(System.getProperty(key)));
    }

    /**
     * A parameter's value as netlat takes it: trimmed, blank counts as absent. For where there is no
     * {@link ExtensionContext}, e.g. the report listener with the launcher's configuration parameters.
     */
    public static Optional<String> value(Optional<String> raw) {
        return raw.filter(s -> !s.isBlank()).map(String::trim);
    }
}
