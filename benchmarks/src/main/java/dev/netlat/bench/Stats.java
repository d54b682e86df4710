// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.util.Arrays;

/** Quantiles of a sample with linear interpolation: the harness reports medians and p25..p75, never means (noisy passes). */
final class Stats {
    private Stats() {
    }

    static double median(double[] v) {
        return quantile(v, 0.5);
    }

    /** NaN for an empty sample, so a row with no pairs prints as such instead of failing the run. */
    static double quantile(double[] v, double q) {
        if (v.length == 0) {
            return Double.NaN;
        }
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
