// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Ground truth for events no BPF program can see: ftrace (not BPF) counts one tracepoint's events, and how many of
 * them ran while a thread of PID 1 was the current task. Some kernels (netlat's {@code Availability.caveats()}) run
 * no BPF tracing program then and count no miss, so a BPF tracer's exact count there is the ftrace count minus those.
 * Uses its own ftrace instance (mounting tracefs if it is not mounted, and unmounting it again); {@link #close()}
 * removes it. One event kind, matched by a word its ftrace line carries (e.g. {@code reason: QDISC_DROP}).
 */
public final class Pid1Events implements AutoCloseable {
    private static final Path TRACEFS = Path.of("/sys/kernel/tracing");
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    /** {@code <comm>-<tid> [cpu] ...}: the comm may hold dashes, the tid is the last number before the CPU. */
    private static final Pattern LINE = Pattern.compile("^\\s*(.*)-(\\d+)\\s+(\\(\\s*([-\\d]+)\\)\\s+)?\\[\\d+\\]");

    private final Path instance;
    private final Path event;
    private final String match;
    private final boolean mounted;
    private final Set<Integer> pid1Threads = new HashSet<>();
    /** Matching lines and whether each ran while a thread of PID 1 was current; null until stopped. */
    private java.util.Map<String, Boolean> seen;

    private Pid1Events(Path instance, Path event, String match, boolean mounted) {
        this.instance = instance;
        this.event = event;
        this.match = match;
        this.mounted = mounted;
    }

    /**
     * Starts counting {@code system/event} (e.g. {@code skb/kfree_skb}) events whose ftrace line contains
     * {@code match}.
     */
    public static Pid1Events start(String systemSlashEvent, String match) throws IOException, InterruptedException {
        boolean mounted = false;
        if (!Files.isDirectory(TRACEFS.resolve("instances"))) {
            run("mount", "-t", "tracefs", "nodev", TRACEFS.toString());
            mounted = true;
        }
        Path instance = TRACEFS.resolve("instances").resolve("netlat-" + ProcessHandle.current().pid() + "-"
                + INSTANCES.incrementAndGet());
        Files.createDirectory(instance); // a new ftrace instance, tracing on, no event enabled
        Pid1Events e = new Pid1Events(instance, instance.resolve("events").resolve(systemSlashEvent), match, mounted);
        try {
            Files.writeString(instance.resolve("buffer_size_kb"), "8192");
            // each line names its thread's process: a short-lived thread of PID 1, born and gone between the two
            // samples of /proc/1/task, is then still known as PID 1's (where an instance has the option)
            Path recordTgid = instance.resolve("options").resolve("record-tgid");
            if (Files.exists(recordTgid)) {
                Files.writeString(recordTgid, "1");
            }
            e.pid1Threads.addAll(pid1Threads());
            Files.writeString(e.event.resolve("enable"), "1");
        } catch (IOException | RuntimeException x) {
            e.close();
            throw x;
        }
        return e;
    }

    /** Stops counting (further calls return the same numbers). */
    public synchronized void stop() throws IOException {
        if (seen != null) {
            return;
        }
        Files.writeString(event.resolve("enable"), "0");
        pid1Threads.addAll(pid1Threads());
        java.util.Map<String, Boolean> lines = new java.util.LinkedHashMap<>();
        for (String line : Files.readAllLines(instance.resolve("trace"), StandardCharsets.UTF_8)) {
            if (line.startsWith("#") || !line.contains(match)) {
                continue;
            }
            Matcher m = LINE.matcher(line);
            if (!m.find()) {
                throw new IllegalStateException("unexpected ftrace line: " + line);
            }
            lines.put(line, "1".equals(m.group(4)) || pid1Threads.contains(Integer.parseInt(m.group(2))));
        }
        try (Stream<Path> cpus = Files.list(instance.resolve("per_cpu"))) {
            for (Path cpu : (Iterable<Path>) cpus::iterator) {
                for (String stat : Files.readAllLines(cpu.resolve("stats"))) {
                    if (stat.startsWith("overrun:") && !stat.equals("overrun: 0")) {
                        throw new IllegalStateException("the ftrace buffer of " + cpu.getFileName() + " overran ("
                                + stat + "): its counts would be short");
                    }
                }
            }
        }
        seen = lines;
    }

    /** Events ftrace saw. */
    public long total() throws IOException {
        return total("");
    }

    /** Those that ran while a thread of PID 1 was the current task. */
    public long whilePid1() throws IOException {
        return whilePid1("");
    }

    /** Events ftrace saw whose line also contains {@code also} (e.g. {@code " sport=41000 "}). */
    public synchronized long total(String also) throws IOException {
        stop();
        return seen.keySet().stream().filter(l -> l.contains(also)).count();
    }

    /** Those of them that ran while a thread of PID 1 was the current task. */
    public synchronized long whilePid1(String also) throws IOException {
        stop();
        return seen.entrySet().stream().filter(e -> e.getValue() && e.getKey().contains(also)).count();
    }

    @Override
    public synchronized void close() {
        try {
            Files.writeString(event.resolve("enable"), "0");
        } catch (IOException ignored) {
            // already off, or the instance never got that far
        }
        try {
            Files.deleteIfExists(instance);
        } catch (IOException ignored) {
            // the kernel refuses while a reader holds it open: nothing of ours does
        }
        if (mounted) {
            try {
                run("umount", TRACEFS.toString());
            } catch (IOException | InterruptedException ignored) {
                // something else uses tracefs now: leave it mounted
            }
        }
    }

    private static Set<Integer> pid1Threads() throws IOException {
        Set<Integer> out = new HashSet<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/1/task"))) {
            tasks.forEach(t -> out.add(Integer.parseInt(t.getFileName().toString())));
        }
        return out;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
