// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/**
 * How many samples a p-th percentile needs before a check may judge its value: a p-th percentile is only meaningful
 * when at least {@code 1 / (1 - p/100)} samples exist (p99: 100, p99.9: 1000, p50: 2), so the rule requires that
 * number times a <em>factor</em> (0 turns the requirement off), or an exact count instead.
 *
 * @param factor the factor of the {@code 1 / (1 - p/100)} rule, when {@code exact} is 0
 * @param exact  a count that replaces the rule for every percentile, or 0
 */
public record SampleRule(double factor, long exact) {
    /** Factor 1: p99 needs 100 samples. */
    public static final SampleRule DEFAULT = new SampleRule(1.0, 0);

    public SampleRule {
        if (!(factor >= 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("factor must be a finite number >= 0, was " + factor);
        }
        if (exact < 0) {
            throw new IllegalArgumentException("exact must be >= 1, or 0 for the factor rule, was " + exact);
        }
    }

    /** {@code ceil(factor / (1 - p/100))} samples for a p-th percentile. */
    public static SampleRule factor(double factor) {
        return new SampleRule(factor, 0);
    }

    /** Exactly {@code samples} samples for every percentile. */
    public static SampleRule exactly(long samples) {
        if (samples < 1) {
            throw new IllegalArgumentException("samples must be >= 1, was " + samples);
        }
        return new SampleRule(1.0, samples);
    }

    public boolean isExact() {
        return exact > 0;
    }

    /** Samples a p-th percentile needs under this rule. */
    public long required(double percentile) {
        return isExact() ? exact : required(percentile, factor);
    }

    /** Samples a p-th percentile needs with the given factor: {@code ceil(factor / (1 - p/100))}, at least 1. */
    public static long required(double percentile, double factor) {
        if (factor == 0 || percentile >= 100) {
            return 1;
        }
        double n = factor / (1 - percentile / 100.0);
        // the epsilon keeps 1 / (1 - 0.99) = 100.00000000000001 at 100
        return Math.max(1, (long) Math.ceil(n - 1e-6));
    }
}
