// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.Regression;
import dev.netlat.Stage;
import dev.netlat.Verdict;
import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link Baseline}: a stored JSON report reads back into the distributions that were measured. */
class BaselineTest {

    static final TraceReport.TestRef TEST = new TraceReport.TestRef("[engine:junit-jupiter]/[class:a.B]/[method:c()]",
            "a.B", "c", "c()");

    static Path write(FakeTrace t, Path dir) throws Exception {
        t.close();
        TraceReport r = ReportWriter.toReport(TEST, "TEST", List.of(), Instant.EPOCH, t, List.of());
        return new ReportWriter(dir).write(r);
    }

    @Test
    void aWrittenReportReadsBackBucketForBucket(@TempDir Path dir) throws Exception {
        LatencyDistribution socket = LatencyDistribution.ofSamples(Metric.SOCKET, FakeTrace.spread(5000, 800, 9_000_000));
        FakeTrace t = new FakeTrace().with(Stage.SOCKET, socket)
                .with(Stage.QDISC, LatencyDistribution.notApplicable(Metric.QDISC, "lo has no qdisc (noqueue)"));
        t.rtt = LatencyDistribution.ofSamples(Metric.RTT, 40_000, 50_000, 60_000);
        t.lostEventsByCause.put(LostCause.SOCKET_TABLE_FULL, 3L);
        Baseline b = Baseline.read(write(t, dir));

        LatencyDistribution read = b.latency(Stage.SOCKET);
        assertThat(read.bucketCounts()).isEqualTo(socket.bucketCounts());
        assertThat(read.sumNanos()).isEqualTo(socket.sumNanos());
        assertThat(read.p99()).isEqualTo(socket.p99());
        assertThat(b.rtt().count()).isEqualTo(3);
        assertThat(b.latency(Stage.QDISC).status()).isEqualTo(LatencyDistribution.Status.NOT_APPLICABLE);
        assertThat(b.latency(Stage.QDISC).reason()).isEqualTo("lo has no qdisc (noqueue)");
        assertThat(b.latency(Stage.TOTAL).isEmpty()).isTrue();
        assertThat(b.lostEvents()).containsEntry(LostCause.SOCKET_TABLE_FULL.description(), 3L);
        assertThat(Regression.p99().check(b.latency(Stage.SOCKET), socket).verdict()).isEqualTo(Verdict.PASSED);
    }

    @Test
    void aFileThatIsNoNetlatReportIsRefusedSayingWhy(@TempDir Path dir) throws Exception {
        Path file = write(new FakeTrace().with(Stage.SOCKET, 1_000, 2_000), dir);
        String json = Files.readString(file);
        Files.writeString(file, json.replaceFirst("\"highNanos\" : 1008", "\"highNanos\" : 1009"));
        assertThatThrownBy(() -> Baseline.read(file).latency(Stage.SOCKET))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("SOCKET: bucket [1000, 1009) x 1 is not a bucket of netlat's histogram layout");

        Files.writeString(file, json.replaceFirst("\"count\" : 2,", "\"count\" : 3,"));
        assertThatThrownBy(() -> Baseline.read(file).latency(Stage.SOCKET))
                .hasMessageContaining("the buckets hold 2 samples but the report says 3");

        Files.writeString(file, json.replaceFirst("\"schemaVersion\" : 1", "\"schemaVersion\" : 2"));
        assertThatThrownBy(() -> Baseline.read(file)).hasMessageContaining("schema version 2, written by a newer"
                + " netlat; this one reads up to version 1");
    }
}
