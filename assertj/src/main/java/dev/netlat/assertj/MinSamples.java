// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

/**
 * How many samples a percentile assertion needs before it is allowed to pass or fail on the measured value.
 *
 * <p>A p-th percentile is only meaningful when at least {@code 1 / (1 - p/100)} samples exist: p99 needs 100, p99.9
 * needs 1000, p50 needs 2. The required count is that number multiplied by a <em>factor</em> (default 1.0; 0 turns
 * the check off). The factor is, in this order: the one given on the assertion
 * ({@link LatencyDistributionAssert#withMinSamplesFactor(double)}), the JUnit configuration parameter
 * {@value #CONFIG_KEY} (the netlat JUnit extension installs it for the test thread while a traced test runs), the
 * system property of the same name, 1.0.
 */
public final class MinSamples {
    /** Configuration parameter / system property holding the factor. */
    public static final String CONFIG_KEY = "netlat.minSamples.factor";
    public static final double DEFAULT_FACTOR = 1.0;

    private static final ThreadLocal<Double> THREAD_FACTOR = new ThreadLocal<>();

    private MinSamples() {
    }

    /** The factor in effect for the current thread. */
    public static double factor() {
        Double f = THREAD_FACTOR.get();
        if (f != null) {
            return f;
        }
        String prop = System.getProperty(CONFIG_KEY);
        if (prop != null && !prop.isBlank()) {
            return parseFactor(prop, "system property " + CONFIG_KEY);
        }
        return DEFAULT_FACTOR;
    }

    /** Sets (or with null clears) the factor for the current thread; used by the JUnit extension around a test. */
    public static void setThreadFactor(Double factor) {
        if (factor == null) {
            THREAD_FACTOR.remove();
        } else {
            checkFactor(factor, "factor");
            THREAD_FACTOR.set(factor);
        }
    }

    /** Parses a factor with a message naming where it came from. */
    public static double parseFactor(String text, String source) {
        double f;
        try {
            f = Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be a number >= 0 (e.g. 1.0, or 0 to disable the check), was '"
                    + text + "'");
        }
        checkFactor(f, source);
        return f;
    }

    /** Returns {@code f} when it is a valid factor, else throws naming {@code source}. */
    static double checkFactor(double f, String source) {
        if (!(f >= 0) || Double.isInfinite(f)) {
            throw new IllegalArgumentException(source + " must be a finite number >= 0, was " + f);
        }
        return f;
    }

    /** Samples a p-th percentile needs with the given factor: {@code ceil(factor / (1 - p/100))}, at least 1. */
    public static long required(double percentile, double factor) {
        return dev.netlat.SampleRule.required(percentile, factor);
    }
}
