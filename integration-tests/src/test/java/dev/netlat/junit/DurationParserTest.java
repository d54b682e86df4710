// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationParserTest {
    @Test
    void validUnits() {
        assertThat(DurationParser.parse("1ms")).isEqualTo(Duration.ofMillis(1));
        assertThat(DurationParser.parse("250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(DurationParser.parse("250µs")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(DurationParser.parse("250μs")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(DurationParser.parse("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(DurationParser.parse("500ns")).isEqualTo(Duration.ofNanos(500));
        assertThat(DurationParser.parse(" 1.5 ms ")).isEqualTo(Duration.ofNanos(1_500_000));
    }

    @Test
    void invalid() {
        assertThatThrownBy(() -> DurationParser.parse("1 parsec")).hasMessageContaining("unknown unit \"parsec\"")
                .hasMessageContaining("ns, us (or µs), ms, s");
        assertThatThrownBy(() -> DurationParser.parse("100")).hasMessageContaining("has no unit");
        assertThatThrownBy(() -> DurationParser.parse("0ms")).hasMessageContaining("must be positive");
        assertThatThrownBy(() -> DurationParser.parse("-1ms")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> DurationParser.parse("0.5ns")).hasMessageContaining("finer than a nanosecond");
        assertThatThrownBy(() -> DurationParser.parse("")).hasMessageContaining("empty");
    }
}
