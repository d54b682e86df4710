// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.NetworkEvent;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {

    @Test
    void fileNamesFromUniqueIds() {
        assertThat(ReportWriter.fileBaseName("[engine:junit-jupiter]/[class:com.acme.CheckoutLatencyTest]/[method:fast(dev.netlat.NetworkTrace)]"))
                .isEqualTo("CheckoutLatencyTest.fast");
        assertThat(ReportWriter.fileBaseName("[engine:junit-jupiter]/[class:com.acme.Outer]/[nested-class:Inner]/[method:t()]"))
                .isEqualTo("Outer.Inner.t");
        assertThat(ReportWriter.fileBaseName("[engine:junit-jupiter]/[class:com.acme.Outer$Static]/[test-template:p(int)]/[test-template-invocation:#3]"))
                .isEqualTo("Outer.Static.p-3");
    }

    @Test
    void writesAndReadsTheDocumentedSchema(@TempDir Path dir) throws Exception {
        FakeTrace t = new FakeTrace().with(Stage.SOCKET, 1_000, 2_000, 3_000)
                .with(Stage.QDISC, LatencyDistribution.notApplicable(Metric.QDISC, "noqueue"))
                .retransmits(RetransmitKind.FAST, 1).drops("NETFILTER_DROP", 2);
        t.writes = 3;
        t.lostEvents = 3;
        t.lostEventsByCause.put(LostCause.WRITE_RING_FULL, 1L);
        t.lostEventsByCause.put(LostCause.UNRESOLVED_AT_READ, 2L);
        t.unresolvedAtRead.put(Metric.ACK, 2L);
        t.events.add(new NetworkEvent(Instant.parse("2024-05-01T12:00:00Z"), NetworkEvent.Kind.DROP,
                new InetSocketAddress("::1", 40000), new InetSocketAddress("::1", 8080), 7, "NETFILTER_DROP"));
        t.close();
        TraceReport r = ReportWriter.toReport(new TraceReport.TestRef("[engine:junit-jupiter]/[class:a.B]/[method:c()]",
                        "a.B", "c", "c()"), "TEST", List.of(8080), Instant.parse("2024-05-01T11:59:59Z"), t,
                List.of(new TraceReport.Budget("SOCKET", 99, "1ms", 1_000_000, 3000.0, 3, "FAILED", "too few")));
        Path file = new ReportWriter(dir).write(r);
        assertThat(file.getFileName().toString()).isEqualTo("B.c.json");
        JsonNode json = ReportWriter.mapper().readTree(file.toFile());
        assertThat(json.get("schemaVersion").asInt()).isEqualTo(1);
        assertThat(json.at("/test/methodName").asText()).isEqualTo("c");
        assertThat(json.at("/stages/socket/count").asLong()).isEqualTo(3);
        assertThat(json.at("/stages/socket/unit").asText()).isEqualTo("WRITE");
        assertThat(json.at("/stages/socket/p50Nanos").asDouble()).isBetween(1_900.0, 2_100.0);
        assertThat(json.at("/stages/socket/buckets").size()).isEqualTo(3);
        assertThat(json.at("/stages/qdisc/status").asText()).isEqualTo("NOT_APPLICABLE");
        assertThat(json.at("/stages/qdisc/p99Nanos").isNull()).isTrue();
        assertThat(json.at("/counters/writes").asLong()).isEqualTo(3);
        assertThat(json.at("/counters/retransmits").asLong()).isEqualTo(1);
        assertThat(json.at("/retransmitsByKind/FAST").asLong()).isEqualTo(1);
        assertThat(json.at("/dropsByReason/NETFILTER_DROP").asLong()).isEqualTo(2);
        assertThat(json.at("/lostEventsByCause").get(LostCause.WRITE_RING_FULL.description()).asLong()).isEqualTo(1);
        assertThat(json.at("/lostEventsByCause").get("ACK " + LostCause.UNRESOLVED_AT_READ.description()).asLong())
                .isEqualTo(2);
        assertThat(json.at("/lostEventsByCause").size()).isEqualTo(2);
        assertThat(json.at("/lostCauses/WRITE_RING_FULL").asLong()).isEqualTo(1);
        assertThat(json.at("/lostCauses/UNRESOLVED_AT_READ").asLong()).isEqualTo(2);
        assertThat(json.at("/unresolvedAtRead/ACK").asLong()).isEqualTo(2);
        assertThat(json.at("/rtt/name").asText()).isEqualTo("RTT");
        assertThat(json.at("/rtt/unit").isNull()).isTrue();
        assertThat(json.at("/events/0/local").asText()).isEqualTo("[0:0:0:0:0:0:0:1]:40000");
        assertThat(json.at("/budgets/0/status").asText()).isEqualTo("FAILED");
        assertThat(json.at("/ports/0").asInt()).isEqualTo(8080);
        assertThat(ReportWriter.read(file)).isEqualTo(r);
    }
}
