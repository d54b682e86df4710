// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A tracer in another process (bpftrace, the floor's loader): started for each B block and counted as on once its
 * output shows a marker, so its probes are attached before the first traced pass; SIGINT-ed after, as a user stops it.
 */
final class ExternalTracer implements Tracer {
    private final String name;
    private final List<String> command;
    private final String readyMarker;
    private final List<Long> startMillis = new ArrayList<>();
    private Process process;
    private Path out;
    private String lastOutput = "";

    /** {@code {port}} in an argument of {@code command} stands for the workload's server port. */
    ExternalTracer(String name, List<String> command, String readyMarker) {
        this.name = name;
        this.command = command;
        this.readyMarker = readyMarker;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void on(int port) throws Exception {
        long t0 = System.nanoTime();
        out = Files.createTempFile("netlat-tracer", ".out");
        List<String> argv = command.stream().map(a -> a.replace("{port}", Integer.toString(port))).toList();
        process = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            String text = Files.readString(out, StandardCharsets.UTF_8);
            if (text.contains(readyMarker)) {
                break;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited: " + text);
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException(name + " not ready after 60 s: " + text);
            }
            Thread.sleep(20);
        }
        startMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    @Override
    public void off() throws Exception {
        new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        lastOutput = Files.readString(out, StandardCharsets.UTF_8);
        Files.deleteIfExists(out);
        process = null;
    }

    /** Time from exec until the ready marker, per B block, in ms. */
    double[] startMillis() {
        return startMillis.stream().mapToDouble(x -> x).toArray();
    }

    /** What the process printed in its last B block (bpftrace prints its histograms on SIGINT). */
    String lastOutput() {
        return lastOutput;
    }
}
