// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.report.ReportWriter;
import dev.netlat.report.TraceReport;
import static dev.netlat.assertj.NetAssertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Child JVM of {@link TinyRingsReportTest} (map sizes are fixed at load, once per JVM): bursts of writes on loopback,
 * then the JSON report written to args[0] and the outcome of {@code hasNoLostEvents()} printed.
 */
public final class TinyRingsChild {
    public static void main(String[] args) throws Exception {
        try (ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                    in.transferTo(OutputStream.nullOutputStream());
                } catch (Exception ignored) {
                    // the client closed
                }
            });
            Instant started = Instant.now();
            try (NetworkTrace trace = NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true));
                 Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort())) {
                OutputStream out = c.getOutputStream();
                for (int i = 0; i < 500; i++) {
                    out.write(new byte[1024]);
                }
                new ReportWriter(Path.of(args[0])).write(ReportWriter.toReport(new TraceReport.TestRef(
                        "[engine:junit-jupiter]/[class:TinyRings]/[method:burst()]", "TinyRings", "burst", "burst()"),
                        "TEST", List.of(), started, trace, List.of()));
                try {
                    assertThat(trace).hasNoLostEvents();
                    System.out.println("assertion=passed");
                } catch (AssertionError e) {
                    System.out.println("assertion=failed " + e.getMessage().lines().findFirst().orElse(""));
                }
            }
        }
    }
}
