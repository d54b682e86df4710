// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import dev.netlat.junit.LatencyBudget;
import dev.netlat.junit.NetlatConfig;
import dev.netlat.junit.TestKitScenario;
import dev.netlat.junit.TraceNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link MergeReports} over shard directories written by the listener from real runs of a small traced test (the
 * kernel engine where it can run; where it cannot, the shards hold the skipped tests, which the merge lists too).
 * The samples' {@code MergedReportScreenshotTest} renders a merged page in headless Chromium.
 */
class MergeReportsTest {

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int merge(Map<String, String> env, Path... dirs) {
        List<String> args = new ArrayList<>();
        for (Path d : dirs) {
            args.add(d.toString());
        }
        return MergeReports.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env);
    }

    /** Runs one method of {@link Shard} into {@code dir} as a CI shard would. */
    private static void shard(Path dir, String method) {
        ListenerRun run = new ListenerRun(Map.of(), Instant.now().truncatedTo(ChronoUnit.SECONDS));
        run.run(Map.of(NetlatConfig.REPORT_DIR, dir.toString(),
                NetlatConfig.UNAVAILABLE, System.getProperty(NetlatConfig.UNAVAILABLE, "skip")),
                selectMethod(Shard.class, method, NetworkTrace.class.getName()));
        assertThat(run.outcome().getFailures().stream().map(f -> f.getTestIdentifier().getDisplayName() + ": "
                + f.getException()).toList()).as("failures of shard %s", method).isEmpty();
        assertThat(run.outcome().getTestsFoundCount()).as("tests of shard %s", method).isOne();
    }

    @Test
    void mergesTheShardsIntoOneReportListingEveryTest() throws Exception {
        Path one = tmp.resolve("shard-1");
        Path two = tmp.resolve("shard-2");
        shard(one, "echoes");
        shard(two, "bulk");
        Path merged = tmp.resolve("merged");

        int status = merge(Map.of(), merged, one, two);

        assertThat(status).as("stderr: %s", err).isZero();
        RunResults results = RunResults.read(merged, null);
        assertThat(results.reports().problems()).isEmpty();
        List<String> names = new ArrayList<>();
        results.reports().reports().forEach(r -> names.add(Reports.testName(r)));
        results.skipped().forEach(s -> names.add(s.name()));
        assertThat(names).containsExactlyInAnyOrder("MergeReportsTest.Shard.echoes", "MergeReportsTest.Shard.bulk");
        String html = Files.readString(merged.resolve(HtmlReport.FILE_NAME));
        if (results.skipped().isEmpty()) {
            assertThat(html).contains("MergeReportsTest.Shard.echoes</h2>", "MergeReportsTest.Shard.bulk</h2>");
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("[netlat] 2 traced tests ran, 0 skipped;");
        } else {
            assertThat(html).contains("<b>MergeReportsTest.Shard.echoes</b>", "<b>MergeReportsTest.Shard.bulk</b>");
        }
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("[netlat] merged 2 shards into " + merged,
                "[netlat] HTML report: " + merged.resolve(HtmlReport.FILE_NAME));
    }

    @Test
    void aTestInTwoShardsIsKeptTwice() throws Exception {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        for (Path d : List.of(one, two)) {
            new ReportWriter(d).write(HtmlReportTest.report("same", "2024-05-01T12:00:00Z", 0, List.of(), List.of()));
        }
        Path merged = tmp.resolve("merged");

        assertThat(merge(Map.of(), merged, one, two)).as("stderr: %s", err).isZero();

        assertThat(merged).isDirectoryContaining("glob:**/SomeTest.same.json")
                .isDirectoryContaining("glob:**/SomeTest.same~2.json");
        assertThat(Files.readString(merged.resolve(HtmlReport.FILE_NAME)).split("<section class=\"test\"")).hasSize(3);
    }

    @Test
    void appendsTheJobSummaryOfTheMergedRun() throws Exception {
        Path one = tmp.resolve("one");
        new ReportWriter(one).write(HtmlReportTest.report("only", "2024-05-01T12:00:00Z", 0, List.of(), List.of()));
        Path summary = tmp.resolve("summary.md");

        assertThat(merge(Map.of(MarkdownSummary.GITHUB_STEP_SUMMARY, summary.toString()), tmp.resolve("m"), one))
                .isZero();

        assertThat(Files.readString(summary)).startsWith("### netlat: 1 traced test ran, 0 skipped")
                .contains("#### `SomeTest.only`");
    }

    @Test
    void refusesWrongArgumentsWithTheUsage() throws Exception {
        Path one = Files.createDirectories(tmp.resolve("one"));
        new ReportWriter(one).write(HtmlReportTest.report("x", "2024-05-01T12:00:00Z", 0, List.of(), List.of()));

        assertThat(merge(Map.of(), tmp.resolve("out"))).isEqualTo(2);
        assertThat(merge(Map.of(), tmp.resolve("out"), tmp.resolve("missing"))).isEqualTo(2);
        assertThat(merge(Map.of(), one, one)).isEqualTo(2);
        assertThat(merge(Map.of(), one, Files.createDirectories(tmp.resolve("two")))).isEqualTo(2);

        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("usage: java -cp <netlat-junit + dependencies> dev.netlat.report.MergeReports"
                        + " OUT_DIR IN_DIR...")
                .contains("missing is not a directory of netlat JSON reports")
                .contains("is one of the IN_DIRs")
                .contains("already holds 1 JSON report; merge into an empty or new directory");
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    /** Two small traced tests on loopback: a CI shard runs one of them. */
    @TestKitScenario
    @TraceNetwork
    static class Shard {
        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "1s")
        void echoes(NetworkTrace trace) throws IOException {
            talk(150, 64);
        }

        @Test
        void bulk(NetworkTrace trace) throws IOException {
            talk(40, 16 * 1024);
        }

        /** {@code writes} writes of {@code size} bytes over a loopback connection, each read by the peer. */
        private static void talk(int writes, int size) throws IOException {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                 Socket client = new Socket(server.getInetAddress(), server.getLocalPort());
                 Socket peer = server.accept()) {
                client.setTcpNoDelay(true);
                OutputStream o = client.getOutputStream();
                InputStream in = peer.getInputStream();
                for (int i = 0; i < writes; i++) {
                    o.write(new byte[size]);
                    in.readNBytes(size);
                }
            }
        }
    }
}
