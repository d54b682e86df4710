// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.math.BigDecimal;

/** How netlat writes a percentile in messages and reports, in one place: {@code 99}, {@code 99.9}, {@code p99.9}. */
public final class Percentiles {
    private Percentiles() {
    }

    /** A percentile as people write it: {@code 50}, {@code 99}, {@code 99.9} (no trailing zeros, no exponent). */
    public static String number(double percentile) {
        if (percentile == Math.rint(percentile) && !Double.isInfinite(percentile)) {
            return Long.toString((long) percentile);
        }
        return new BigDecimal(Double.toString(percentile)).stripTrailingZeros().toPlainString();
    }

    /** {@code p50}, {@code p99}, {@code p99.9}. */
    public static String name(double percentile) {
        return "p" + number(percentile);
    }
}
