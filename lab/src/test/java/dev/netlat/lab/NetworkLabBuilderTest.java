// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Builder validation: these need no privileges, nothing is created. */
class NetworkLabBuilderTest {

    @ParameterizedTest
    @CsvSource({
        "50mbit, 50000000",
        "800kbit, 800000",
        "1gbit, 1000000000",
        "1.5Mbit, 1500000",
        "10mbps, 80000000",
        "64kibit, 65536",
        "100bit, 100"})
    void ratesAreReadLikeTc(String rate, long bits) {
        assertThat(TcSyntax.rateBitsPerSecond("rate", rate)).isEqualTo(bits);
    }

    @ParameterizedTest
    @CsvSource({
        "32kbit, 4096",
        "1mb, 1048576",
        "4kb, 4096",
        "1514, 1514",
        "1600b, 1600",
        "2k, 2048",
        "1mbit, 131072"})
    void sizesAreReadLikeTc(String size, long bytes) {
        assertThat(TcSyntax.sizeBytes("burst", size)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"fast", "50mbits", "mbit", "-5mbit", "50 mbit x", "", "1e6bit"})
    void badRatesNameTheValueAndTheValidForms(String rate) {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().rate(rate))
                .withMessageContaining("rate \"" + rate + "\"")
                .withMessageContaining("50mbit")
                .withMessageContaining("kbit");
    }

    @Test
    void rateWithoutUnitIsRejectedBecauseTcWouldReadBytesPerSecond() {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().rate("50"))
                .withMessageContaining("\"50\" has no unit")
                .withMessageContaining("bytes per second");
    }

    @Test
    void unknownUnitIsNamed() {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().limit("1tb"))
                .withMessageContaining("limit \"1tb\" has unknown unit \"tb\"")
                .withMessageContaining("1mb");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lots", "0", "32 kbits", "kb"})
    void badSizesNameTheValueAndTheValidForms(String size) {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().limit(size))
                .withMessageContaining("limit \"" + size + "\"")
                .withMessageContaining("32kbit")
                .withMessageContaining("1mb");
    }

    @Test
    void burstMustHoldAFullFrame() {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().burst("1kbit"))
                .withMessageContaining("burst \"1kbit\" is 128 bytes")
                .withMessageContaining("at least 1600 bytes");
    }

    @Test
    void nullsAreRejectedWithTheValidForms() {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().rate(null))
                .withMessageContaining("rate must not be null").withMessageContaining("50mbit");
        assertThatNullPointerException().isThrownBy(() -> NetworkLab.builder().dropAt(null))
                .withMessageContaining("PEER_INGRESS or HOST_EGRESS");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 0, -3})
    void dropEveryNthNeedsAtLeastTwo(int n) {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().dropEveryNth(n))
                .withMessageContaining("dropEveryNth(" + n + ")")
                .withMessageContaining("at least 2");
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 1.0, -0.1, 1.5, Double.NaN})
    void dropFractionMustBeBetweenZeroAndOne(double p) {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().dropFraction(p))
                .withMessageContaining("dropFraction(" + p + ")")
                .withMessageContaining("greater than 0 and less than 1");
    }

    @Test
    void dropFractionBelowResolutionIsRejected() {
        assertThatIllegalArgumentException().isThrownBy(() -> NetworkLab.builder().dropFraction(1e-9))
                .withMessageContaining("1.0E-9").withMessageContaining("resolution");
    }

    @Test
    void everyNthAndFractionAreExclusive() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> NetworkLab.builder().dropEveryNth(10).dropFraction(0.1))
                .withMessageContaining("conflicts with dropEveryNth(10)");
        assertThatIllegalArgumentException()
                .isThrownBy(() -> NetworkLab.builder().dropFraction(0.1).dropEveryNth(10))
                .withMessageContaining("conflicts with dropFraction(0.1)");
    }

    @Test
    void burstOrLimitWithoutRateIsRejectedAtCreate() {
        assertThatIllegalStateException().isThrownBy(() -> NetworkLab.builder().burst("32kbit").create())
                .withMessageContaining("burst(\"32kbit\")").withMessageContaining("needs rate(");
        assertThatIllegalStateException().isThrownBy(() -> NetworkLab.builder().limit("1mb").create())
                .withMessageContaining("limit(\"1mb\")").withMessageContaining("needs rate(");
    }

    @Test
    void commandTimeoutMustBePositive() {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> NetworkLab.builder().commandTimeout(Duration.ZERO))
                .withMessageContaining("positive duration");
    }
}
