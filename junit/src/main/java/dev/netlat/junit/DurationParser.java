// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses short durations: {@code 500ns}, {@code 250us}, {@code 250µs}, {@code 1.5ms}, {@code 2s}. */
public final class DurationParser {
    private static final Pattern FORMAT = Pattern.compile("\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([^0-9\\s.][^\\s]*)?\\s*");
    static final String VALID = "ns, us (or µs), ms, s; e.g. \"500ns\", \"250us\", \"1.5ms\", \"2s\"";

    private DurationParser() {
    }

    /** The duration, or {@link IllegalArgumentException} with a message saying what is wrong. Must be positive. */
    public static Duration parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty duration; valid units: " + VALID);
        }
        Matcher m = FORMAT.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("\"" + text + "\" is not a duration; write a number and a unit: " + VALID);
        }
        String unit = m.group(2);
        if (unit == null) {
            throw new IllegalArgumentException("\"" + text + "\" has no unit; valid units: " + VALID);
        }
        long nanosPerUnit;
        switch (unit.toLowerCase(Locale.ROOT)) {
            case "ns":
                nanosPerUnit = 1;
                break;
            case "us":
            case "\u00b5s": // micro sign
            case "\u03bcs": // greek mu
                nanosPerUnit = 1_000;
                break;
            case "ms":
                nanosPerUnit = 1_000_000;
                break;
            case "s":
                nanosPerUnit = 1_000_000_000;
                break;
            default:
                throw new IllegalArgumentException("\"" + text + "\" has unknown unit \"" + unit + "\"; valid units: " + VALID);
        }
        BigDecimal nanos = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(nanosPerUnit));
        if (nanos.signum() <= 0) {
            throw new IllegalArgumentException("\"" + text + "\" must be positive");
        }
        if (nanos.stripTrailingZeros().scale() > 0) {
            throw new IllegalArgumentException("\"" + text + "\" is finer than a nanosecond");
        }
        try {
            return Duration.ofNanos(nanos.longValueExact());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("\"" + text + "\" is too large");
        }
    }
}
