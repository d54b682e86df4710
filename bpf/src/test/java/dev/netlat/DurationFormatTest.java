// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationFormatTest {
    static String fmt(Duration d) {
        return DurationFormat.format(d);
    }

    @Test
    void picksAShortUnit() {
        assertThat(fmt(Duration.ofNanos(850))).isEqualTo("850ns");
        assertThat(fmt(Duration.ofNanos(12_345))).isEqualTo("12.3" + DurationFormat.MICROS);
        assertThat(fmt(Duration.ofNanos(4_560_000))).isEqualTo("4.56ms");
        assertThat(fmt(Duration.ofMillis(1200))).isEqualTo("1.20s");
        assertThat(DurationFormat.formatNanos(Double.NaN)).isEqualTo("n/a");
    }

    @Test
    void microsecondsAreAsciiWhereTheOutputCannotWriteMu() {
        assertThat(DurationFormat.micros(java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("us");
        assertThat(DurationFormat.micros(java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("\u00b5s");
        assertThat(DurationFormat.micros(java.nio.charset.StandardCharsets.ISO_8859_1)).isEqualTo("\u00b5s");
    }
}
