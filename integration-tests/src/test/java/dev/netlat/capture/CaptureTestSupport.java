// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import dev.netlat.LatencyDistribution;
import dev.netlat.lab.NetworkLab;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/** Helpers of the capture-engine tests in the extension module: availability gates, commands, comparison tables. */
final class CaptureTestSupport {
    /** The agreement criterion with SO_TIMESTAMPING: within 5 % or 20 µs, whichever is larger. */
    static final double RELATIVE_TOLERANCE = 0.05;
    static final long ABSOLUTE_TOLERANCE_NANOS = 20_000;
    /** The absolute floor in empty sends of this machine (Row): 20 µs on a host, where one takes ~1 µs. */
    static final long CALL_PATHS_IN_FLOOR = 20;
    static final double RANK_TOLERANCE_POINTS = 3.0;

    private CaptureTestSupport() {
    }

    /** Skips (or, with netlat.unavailable=fail, fails) when tracing or the lab cannot run here. */
    static void assumeTracingAndLab() {
        KernelRequired.assumeTracingAvailable();
        KernelRequired.assumeAvailable(NetworkLab::checkAvailable);
    }

    /** Runs a host command (10 s limit) and returns stdout; throws with stderr when it exits non-zero. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).start();
            p.getOutputStream().close();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("`" + String.join(" ", command) + "` did not finish in 10 s");
            }
            String out = read(p.getInputStream());
            String err = read(p.getErrorStream());
            if (p.exitValue() != 0) {
                throw new AssertionError("`" + String.join(" ", command) + "` exited " + p.exitValue() + ": " + err);
            }
            return out;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + List.of(command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String read(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Program runs the kernel skipped in the window (reported by the engine as a lost-event cause), 0 if none. */
    static long kernelSkips(dev.netlat.NetworkTrace trace) {
        return trace.lostEventsByCause().getOrDefault(dev.netlat.LostCause.KERNEL_SKIPPED_RUNS, 0L);
    }

    static String micros(double nanos) {
        return Double.isNaN(nanos) ? "-" : String.format(Locale.ROOT, "%.1f µs", nanos / 1000.0);
    }

    /**
     * One row of an agreement table: a netlat quantile against the same quantile of kernel timestamps.
     * {@code callPathNanos} is the median empty {@code send()} of the same run ({@code TimestampingSocket
     * .emptySendNanos}): how fast this machine runs the kernel's send path. It scales the absolute floor of the
     * tolerance, which absorbs what the two sides measure differently by definition and what costs CPU time: the
     * path from the Java clock read into the kernel (in "stamp - call"), the kernel's own stamping work (a clone
     * of the skb after the SCHED stamp, inside "SOFTWARE - SCHED"), and netlat's programs at the hook points. On a
     * host an empty send takes ~1 µs and the floor is 20 µs; in a guest under QEMU's TCG everything runs 10-20x
     * slower (the send ~10 µs) and so does all of that.
     */
    record Row(String stage, String kernelStamps, double percentile, double netlatNanos, long kernelNanos,
               long netlatCount, long kernelCount, double netlatRankAtKernel, long callPathNanos) {

        long toleranceNanos() {
            long floor = Math.max(ABSOLUTE_TOLERANCE_NANOS, CALL_PATHS_IN_FLOOR * callPathNanos);
            return Math.max(Math.round(RELATIVE_TOLERANCE * kernelNanos), floor);
        }

        /** Percentage points between p and netlat's share of samples at or below the kernel's p-th value. */
        double rankDiff() {
            return netlatRankAtKernel - percentile;
        }

        double diffNanos() {
            return netlatNanos - kernelNanos;
        }

        /**
         * The values agree, or, where the distribution is sparse around the quantile (a bimodal ACK on loopback: a
         * quarter of the writes ACKed within 10 us, the next quarter at 10-340 us), the ranks do: at the kernel's
         * p-th value netlat has p % of its samples, within RANK_TOLERANCE points (0.5 at p99). Seen: +0.4 to +2.0 points at the
         * loopback ACK p50 (netlat takes the ACK on arrival, the kernel's TX_ACK after netlat's hook; README).
         */
        boolean agrees() {
            return !Double.isNaN(netlatNanos)
                    && (Math.abs(diffNanos()) <= toleranceNanos() || Math.abs(rankDiff()) <= rankTolerance());
        }

        /** RANK_TOLERANCE_POINTS, but never more than half the samples above the quantile: tails stay tight. */
        double rankTolerance() {
            return Math.min(RANK_TOLERANCE_POINTS, 0.5 * (100 - percentile));
        }

        String format() {
            double rel = kernelNanos == 0 ? Double.NaN : 100.0 * diffNanos() / kernelNanos;
            return String.format(Locale.ROOT, "| %-6s | %-17s | p%-4s | %12s | %12s | %11s | %+7.2f %% | %10s | %9s | %+6.2f | %-5s | %5d / %5d |",
                    stage, kernelStamps, fmtP(percentile), micros(netlatNanos), micros(kernelNanos),
                    (diffNanos() >= 0 ? "+" : "") + micros(diffNanos()), rel, micros(toleranceNanos()),
                    micros(callPathNanos), rankDiff(),
                    agrees() ? "ok" : "FAIL", netlatCount, kernelCount);
        }

        private static String fmtP(double p) {
            return p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
        }
    }

    static final String HEADER = String.format(Locale.ROOT,
            "| %-6s | %-17s | %-5s | %12s | %12s | %11s | %9s | %10s | %9s | %6s | %-5s | %13s |%n"
                    + "|--------|-------------------|-------|--------------|--------------|-------------|-----------|------------|-----------|--------|-------|---------------|",
            "stage", "SO_TIMESTAMPING", "q", "netlat", "kernel", "diff", "diff %", "tolerance", "empty send", "rank Δ", "agree",
            "n netlat/kern");

    /** Builds the rows of one stage for the given percentiles. */
    static List<Row> rows(String stage, String kernelStamps, LatencyDistribution netlat, long[] kernelValues,
                          long callPathNanos, double... percentiles) {
        List<Row> rows = new ArrayList<>();
        for (double p : percentiles) {
            double n = netlat.percentileNanosOrNaN(p);
            long k = kernelValues.length == 0 ? -1 : dev.netlat.truth.TimestampingSocket.percentile(kernelValues, p);
            rows.add(new Row(stage, kernelStamps, p, n, k, netlat.count(), kernelValues.length, percentAtOrBelow(netlat, k),
                    callPathNanos));
        }
        return rows;
    }

    /** netlat's share of samples at or below a value, in percent, interpolated linearly inside its bucket. */
    static double percentAtOrBelow(LatencyDistribution d, long nanos) {
        if (d.count() == 0 || nanos < 0) {
            return Double.NaN;
        }
        double below = 0;
        for (LatencyDistribution.Bucket b : d.buckets()) {
            if (b.highNanos() <= nanos) {
                below += b.count();
            } else if (b.lowNanos() <= nanos) {
                below += b.count() * (double) (nanos - b.lowNanos() + 1) / Math.max(1, b.highNanos() - b.lowNanos());
            }
        }
        return 100.0 * below / d.count();
    }

    static String table(String title, List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(title).append('\n').append(HEADER).append('\n');
        for (Row r : rows) {
            sb.append(r.format()).append('\n');
        }
        return sb.toString();
    }

    /** Accepts every connection to {@code server} and reads each to its end, on daemon threads, until it closes. */
    static Thread drainAll(java.net.ServerSocket server) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    java.net.Socket s = server.accept();
                    Thread d = new Thread(() -> {
                        try (s; InputStream in = s.getInputStream()) {
                            in.transferTo(java.io.OutputStream.nullOutputStream());
                        } catch (IOException ignored) {
                            // closed
                        }
                    });
                    d.setDaemon(true);
                    d.start();
                }
            } catch (IOException closed) {
                // the server socket closed: no more connections
            }
        }, "drain-all-accept");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Runs {@code main} in a child JVM with {@code jvmArgs} and this test's class path (map sizes and knobs are fixed
     * at load, once per JVM), prints its output and returns it; the child must exit 0 within 120 s. Aborts the test
     * where tracing is unavailable, unless {@code netlat.unavailable=fail}.
     */
    static String runChildJvm(Class<?> main, String... jvmArgs) throws IOException, InterruptedException {
        dev.netlat.Availability a = dev.netlat.NetworkTracer.availability();
        if (!a.isAvailable() && !"fail".equals(System.getProperty("netlat.unavailable"))) {
            org.junit.jupiter.api.Assumptions.abort(a.reason());
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(jvmArgs));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = read(p.getInputStream());
        org.assertj.core.api.Assertions.assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();
        System.out.print(out);
        org.assertj.core.api.Assertions.assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    /** A loopback-style connection that sends each write at once (no Nagle), its timestamps not drained on each send. */
    static dev.netlat.truth.TimestampingSocket connectNoDelay(java.net.InetSocketAddress target) throws IOException {
        dev.netlat.truth.TimestampingSocket s = dev.netlat.truth.TimestampingSocket.connect(target);
        s.setTcpNoDelay(true);
        s.setDrainOnSend(false);
        return s;
    }

    /**
     * Sends {@code writes} writes of {@code size} bytes, each ACKed before the next when {@code eachAcked}, then waits
     * (at most 5 s) until all are ACKed.
     */
    static void sendAll(dev.netlat.truth.TimestampingSocket s, int writes, int size, boolean eachAcked)
            throws IOException, InterruptedException {
        byte[] chunk = new byte[size];
        for (int i = 0; i < writes; i++) {
            s.send(chunk, false);
            if (eachAcked) {
                s.awaitAllAcked(java.time.Duration.ofSeconds(5));
            }
        }
        s.awaitAllAcked(java.time.Duration.ofSeconds(5));
    }
}
