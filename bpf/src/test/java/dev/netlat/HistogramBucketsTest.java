// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistogramBucketsTest {
    @Test
    void bucketsTileTheRangeWithoutGaps() {
        for (int i = 0; i < HistogramBuckets.BUCKETS; i++) {
            assertThat(HistogramBuckets.upperBound(i)).isEqualTo(HistogramBuckets.lowerBound(i + 1));
            assertThat(HistogramBuckets.index(HistogramBuckets.lowerBound(i))).isEqualTo(i);
            assertThat(HistogramBuckets.index(HistogramBuckets.upperBound(i) - 1)).isEqualTo(i);
        }
    }

    @Test
    void coversOneMicrosecondToHundredSeconds() {
        assertThat(HistogramBuckets.index(1_000)).isLessThan(HistogramBuckets.OVERFLOW);
        assertThat(HistogramBuckets.index(100_000_000_000L)).isLessThan(HistogramBuckets.OVERFLOW);
        assertThat(HistogramBuckets.index(Long.MAX_VALUE)).isEqualTo(HistogramBuckets.OVERFLOW);
    }

    @Test
    void representativeIsWithinOnePercentOfEveryValueInItsBucket() {
        Random r = new Random(42);
        for (int i = 0; i < 200_000; i++) {
            long v = (long) Math.exp(r.nextDouble() * Math.log(1e11));
            double rep = HistogramBuckets.representative(HistogramBuckets.index(v));
            assertThat(Math.abs(rep - v) / Math.max(v, 1)).as("value %d", v).isLessThanOrEqualTo(0.01);
        }
    }

    @Test
    void quantilesMatchExactNearestRankWithinOnePercent() {
        Random r = new Random(7);
        long[] values = new long[100_001];
        for (int i = 0; i < values.length; i++) {
            values[i] = 1_000 + (long) (r.nextGaussian() * 200 + 5_000) * (r.nextInt(10) == 0 ? 100 : 1);
            values[i] = Math.max(values[i], 1);
        }
        LatencyDistribution d = LatencyDistribution.ofSamples(Metric.SOCKET, values);
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        for (double p : new double[] {50, 90, 99, 99.9, 100}) {
            long exact = sorted[(int) Math.ceil(p / 100 * sorted.length) - 1];
            long got = d.percentile(p).toNanos();
            assertThat(Math.abs(got - exact) / (double) exact).as("p%s", p).isLessThanOrEqualTo(0.01);
        }
        assertThat(d.count()).isEqualTo(values.length);
    }

    @Test
    void unavailableAndNotApplicableRefuseToInventNumbers() {
        LatencyDistribution na = LatencyDistribution.notApplicable(Metric.QDISC, "noqueue");
        assertThat(na.percentileNanosOrNaN(99)).isNaN();
        org.assertj.core.api.Assertions.assertThatThrownBy(na::p99).hasMessageContaining("not applicable").hasMessageContaining("noqueue");
        LatencyDistribution empty = LatencyDistribution.ofSamples(Metric.ACK);
        org.assertj.core.api.Assertions.assertThatThrownBy(empty::p50).hasMessageContaining("no samples");
    }

    @Test
    void histogramTextShowsRowsAndQuantiles() {
        LatencyDistribution d = LatencyDistribution.ofSamples(Metric.SOCKET, 1_500, 2_500, 2_600, 900_000);
        String text = d.toHistogramText();
        assertThat(text).contains("SOCKET latency, 4 samples").contains("p50=").contains("|@");
        assertThat(DurationFormatTest.fmt(Duration.ofNanos(1_500))).isEqualTo("1.50" + DurationFormat.MICROS);
    }
}
