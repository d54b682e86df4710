// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.ReportWriter;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 7 point 3 end to end: with per-socket rings configured tiny, a burst of writes loses samples, and the loss is
 * in the trace, in the JSON report, and fails {@code hasNoLostEvents()}; with default sizes the same burst loses
 * nothing.
 */
class TinyRingsReportTest {
    @TempDir
    Path dir;

    @BeforeEach
    void requireEngine() {
        RealEngine.require();
    }

    private String runChild(Path reports, String... props) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(List.of(props));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), TinyRingsChild.class.getName(), reports.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void aFullWriteRingShowsInTheTraceTheReportAndTheAssertion() throws Exception {
        Path tiny = Files.createDirectories(dir.resolve("tiny"));
        String out = runChild(tiny, "-Dnetlat.maps.writesInFlight=1", "-Dnetlat.maps.packetsInFlight=1");
        assertThat(out).contains("assertion=failed Expected no lost events, but the kernel side could not record");
        JsonNode json = ReportWriter.mapper().readTree(tiny.resolve("TinyRings.burst.json").toFile());
        assertThat(json.at("/counters/writes").asLong()).as("counters stay exact").isEqualTo(500);
        long lost = 0;
        for (var it = json.get("lostEventsByCause").fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().contains("netlat.maps.writesInFlight") || e.getKey().contains("netlat.maps.packetsInFlight")) {
                lost += e.getValue().asLong();
            }
        }
        assertThat(lost).as(json.get("lostEventsByCause").toString()).isPositive();

        Path normal = Files.createDirectories(dir.resolve("normal"));
        assertThat(runChild(normal)).contains("assertion=passed");
        JsonNode ok = ReportWriter.mapper().readTree(normal.resolve("TinyRings.burst.json").toFile());
        assertThat(ok.at("/stages/socket/count").asLong()).isEqualTo(500);
        assertThat(ok.get("lostEventsByCause").size()).isZero();
    }
}
