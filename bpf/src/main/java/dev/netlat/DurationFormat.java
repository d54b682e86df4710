// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.nio.charset.Charset;
import java.time.Duration;
import java.util.Locale;

/**
 * Short human units for latencies: {@code 850ns}, {@code 12.3µs}, {@code 4.56ms}, {@code 1.20s}. Where the JVM's
 * output encoding cannot write {@code µ} (a C/POSIX locale, common in CI containers, makes Java 17 write ASCII and
 * print {@code ?s}), microseconds are {@code us}.
 */
public final class DurationFormat {
    /** The microseconds unit this JVM's output can print. */
    public static final String MICROS = micros(Charset.defaultCharset());

    private DurationFormat() {
    }

    static String micros(Charset output) {
        return output.newEncoder().canEncode('\u00b5') ? "\u00b5s" : "us";
    }

    public static String format(Duration d) {
        return formatNanos(d.toNanos());
    }

    public static String formatNanos(double nanos) {
        if (Double.isNaN(nanos)) {
            return "n/a";
        }
        double abs = Math.abs(nanos);
        if (abs < 1_000) {
            return String.format(Locale.ROOT, "%.0fns", nanos);
        }
        if (abs < 1_000_000) {
            return trim(nanos / 1e3) + MICROS;
        }
        if (abs < 1_000_000_000) {
            return trim(nanos / 1e6) + "ms";
        }
        return trim(nanos / 1e9) + "s";
    }

    private static String trim(double v) {
        if (Math.abs(v) >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (Math.abs(v) >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
