// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import dev.netlat.internal.Engine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The overhead harness (benchmarks/README.md says why it measures this way): many short alternating passes in ABBA order (A untraced,
 * B traced), the median of the per-pair B/A ratios, and the same harness run with A in both slots (A-vs-A) as the
 * noise floor. Workloads: loopback stream (16 KiB writes, bytes/s) and loopback echo (1 KiB request/response,
 * TCP_NODELAY, several connections, round trips/s). Tracers: netlat (a window open over the B passes; the programs
 * are unloaded again for A, so A has no BPF program attached at all), bpftrace running
 * {@code benchmarks/bpftrace/nettxlat.bt} for the server port, and the floor: empty programs on exactly netlat's
 * tracepoints ({@code benchmarks/floor}), what any tracer on these hooks costs before doing any work. Then: per-program BPF cost (bpf_stats, restored after),
 * "nothing lost" at the highest loopback packet rate, and a scale check with many traced connections.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.netlat.bench.Overhead [--pairs=150] [--pass-ms=200] ...</pre>
 * {@code --help} lists the options. Every loop is bounded in count and time.
 */
public final class Overhead {
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("steps", "overhead,hooks,lost,scale");
        DEFAULTS.put("workloads", "stream,echo");
        DEFAULTS.put("tracers", "aa,floor,netlat,netlat-noports,bpftrace");
        DEFAULTS.put("pairs", "150");
        DEFAULTS.put("bt-pairs", "40");
        DEFAULTS.put("pass-ms", "200");
        DEFAULTS.put("echo-conns", "4");
        DEFAULTS.put("bt-script", "benchmarks/bpftrace/nettxlat.bt");
        DEFAULTS.put("floor-dir", "benchmarks/floor/target");
        DEFAULTS.put("hook-seconds", "3");
        DEFAULTS.put("lost-seconds", "3");
        DEFAULTS.put("lost-conns", "4");
        DEFAULTS.put("lost-bytes", "64");
        DEFAULTS.put("scale", "10000");
        DEFAULTS.put("scale-seconds", "120");
    }

    private final Map<String, String> opts;
    private final List<String> report = new ArrayList<>();

    private Overhead(Map<String, String> opts) {
        this.opts = opts;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>(DEFAULTS);
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: Overhead [--option=value ...]; options and defaults:");
                DEFAULTS.forEach((k, v) -> System.out.println("  --" + k + "=" + v));
                return;
            }
            if (!a.startsWith("--") || !a.contains("=")) {
                throw new IllegalArgumentException("bad argument '" + a + "'; expected --option=value, options: " + DEFAULTS.keySet());
            }
            String k = a.substring(2, a.indexOf('='));
            if (!DEFAULTS.containsKey(k)) {
                throw new IllegalArgumentException("unknown option '" + k + "'; valid: " + DEFAULTS.keySet());
            }
            opts.put(k, a.substring(a.indexOf('=') + 1));
        }
        System.out.println("netlat overhead harness: " + opts);
        System.out.println("availability: " + NetworkTracer.availability());
        new Overhead(opts).run();
        System.exit(0);
    }

    private int intOpt(String k) {
        return Integer.parseInt(opts.get(k));
    }

    private List<String> listOpt(String k) {
        return Arrays.stream(opts.get(k).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private void run() throws Exception {
        Set<String> steps = new LinkedHashSet<>(listOpt("steps"));
        if (steps.contains("overhead")) {
            overheadTable();
        }
        if (steps.contains("hooks")) {
            hookCosts();
        }
        if (steps.contains("lost")) {
            nothingLost();
        }
        if (steps.contains("scale")) {
            scale();
        }
        System.out.println();
        System.out.println("==== summary ====");
        report.forEach(System.out::println);
    }

    // ------------------------------------------------------------------ workloads

    interface Workload extends AutoCloseable {
        String name();

        String unit();

        /** Scale of the unit for printing (e.g. 1e9 for GB/s). */
        double unitScale();

        int port();

        /** Runs for about {@code nanos} and returns the rate per second. */
        double pass(long nanos) throws Exception;

        /** Write calls issued so far by the clients. */
        long writesIssued();

        @Override
        void close();
    }

    static final class Stream implements Workload {
        private final Servers server = Servers.sink();
        private final SocketChannel ch = Servers.connect(server.address());
        private final ByteBuffer buf = ByteBuffer.allocateDirect(StreamBench.WRITE_BYTES);
        private long writes;

        Stream() throws IOException {
        }

        public String name() {
            return "stream";
        }

        public String unit() {
            return "GB/s";
        }

        public double unitScale() {
            return 1e9;
        }

        public int port() {
            return server.port();
        }

        public double pass(long nanos) throws IOException {
            long t0 = System.nanoTime();
            long end = t0 + nanos;
            long bytes = 0;
            long now;
            do {
                writes += Servers.writeFully(ch, buf);
                bytes += StreamBench.WRITE_BYTES;
                now = System.nanoTime();
            } while (now < end);
            return bytes * 1e9 / (now - t0);
        }

        public long writesIssued() {
            return writes;
        }

        public void close() {
            try {
                ch.close();
            } catch (IOException e) {
                // ignore
            }
            server.close();
        }
    }

    static final class Echo implements Workload {
        private final Servers server = Servers.echo();
        private final List<SocketChannel> channels = new ArrayList<>();
        private final ExecutorService pool;
        private final AtomicLong writes = new AtomicLong();

        Echo(int connections) throws IOException {
            for (int i = 0; i < connections; i++) {
                channels.add(Servers.connect(server.address()));
            }
            pool = Executors.newFixedThreadPool(connections, r -> {
                Thread t = new Thread(r, "echo-client");
                t.setDaemon(true);
                return t;
            });
        }

        public String name() {
            return "echo(" + channels.size() + " conns)";
        }

        public String unit() {
            return "k round trips/s";
        }

        public double unitScale() {
            return 1e3;
        }

        public int port() {
            return server.port();
        }

        public double pass(long nanos) throws Exception {
            long t0 = System.nanoTime();
            long end = t0 + nanos;
            List<Future<long[]>> fs = new ArrayList<>();
            for (SocketChannel ch : channels) {
                fs.add(pool.submit(() -> {
                    ByteBuffer out = ByteBuffer.allocate(EchoBench.MESSAGE_BYTES);
                    ByteBuffer in = ByteBuffer.allocate(EchoBench.MESSAGE_BYTES);
                    long ops = 0;
                    long w = 0;
                    long now;
                    do {
                        w += Servers.writeFully(ch, out);
                        Servers.readFully(ch, in);
                        ops++;
                        now = System.nanoTime();
                    } while (now < end);
                    writes.addAndGet(w);
                    return new long[] {ops, now};
                }));
            }
            long ops = 0;
            long last = t0;
            for (Future<long[]> f : fs) {
                long[] r = f.get(nanos / 1_000_000 + 10_000, TimeUnit.MILLISECONDS);
                ops += r[0];
                last = Math.max(last, r[1]);
            }
            return ops * 1e9 / (last - t0);
        }

        public long writesIssued() {
            return writes.get();
        }

        public void close() {
            pool.shutdownNow();
            for (SocketChannel ch : channels) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // ignore
                }
            }
            server.close();
        }
    }

    private Workload workload(String name) throws IOException {
        return switch (name) {
            case "stream" -> new Stream();
            case "echo" -> new Echo(intOpt("echo-conns"));
            default -> throw new IllegalArgumentException("unknown workload '" + name + "'; valid: stream, echo");
        };
    }

    // ------------------------------------------------------------------ tracers

    interface Tracer {
        String name();

        void on(int port) throws Exception;

        void off() throws Exception;
    }

    static final class None implements Tracer {
        public String name() {
            return "A-vs-A (no tracer)";
        }

        public void on(int port) {
        }

        public void off() {
        }
    }

    /** netlat: a window over the B passes; unloaded (no program attached) for the A passes. */
    static final class Netlat implements Tracer {
        final boolean portViews;
        NetworkTrace trace;
        final List<Long> loadNanos = new ArrayList<>();
        long tracedWrites;

        Netlat(boolean portViews) {
            this.portViews = portViews;
        }

        public String name() {
            return portViews ? "netlat" : "netlat, portViews(false)";
        }

        public void on(int port) {
            trace = NetworkTracer.start(TraceOptions.defaults().portViews(portViews));
            loadNanos.add(Engine.loaded().loadNanos());
        }

        public void off() {
            trace.close();
            tracedWrites += trace.writes();
            trace = null;
            NetworkTracer.unload();
        }
    }

    /** A tracer in another process: started for each B block, ready once its output shows a marker, SIGINT-ed after. */
    static final class External implements Tracer {
        final String name;
        final List<String> command;
        final String readyMarker;
        Process process;
        Path out;
        final List<Long> startMillis = new ArrayList<>();
        String lastOutput = "";

        External(String name, List<String> command, String readyMarker) {
            this.name = name;
            this.command = command;
            this.readyMarker = readyMarker;
        }

        public String name() {
            return name;
        }

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

        public void off() throws Exception {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid())).start().waitFor(5, TimeUnit.SECONDS);
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            lastOutput = Files.readString(out, StandardCharsets.UTF_8);
            Files.deleteIfExists(out);
            process = null;
        }
    }

    // ------------------------------------------------------------------ ABBA

    record AbbaResult(String workload, String tracer, int pairs, double[] ratios, double[] a, double[] b, String unit,
                      double scale) {
        double median() {
            return Stats.median(ratios);
        }
    }

    private AbbaResult abba(Workload w, Tracer tracer, int pairs, long passNanos) throws Exception {
        double[] ratios = new double[pairs];
        double[] as = new double[pairs];
        double[] bs = new double[pairs];
        boolean on = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        int done = 0;
        try {
            for (int i = 0; i < pairs && System.nanoTime() < deadline; i++) {
                boolean[] order = i % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false};
                double a = 0;
                double b = 0;
                for (boolean traced : order) {
                    if (traced != on) {
                        if (traced) {
                            tracer.on(w.port());
                        } else {
                            tracer.off();
                        }
                        on = traced;
                    }
                    double rate = w.pass(passNanos);
                    if (traced) {
                        b = rate;
                    } else {
                        a = rate;
                    }
                }
                as[i] = a;
                bs[i] = b;
                ratios[i] = b / a;
                done++;
            }
        } finally {
            if (on) {
                tracer.off();
            }
        }
        return new AbbaResult(w.name(), tracer.name(), done, Arrays.copyOf(ratios, done), Arrays.copyOf(as, done),
                Arrays.copyOf(bs, done), w.unit(), w.unitScale());
    }

    private void overheadTable() throws Exception {
        int pairs = intOpt("pairs");
        int btPairs = intOpt("bt-pairs");
        long passNanos = TimeUnit.MILLISECONDS.toNanos(intOpt("pass-ms"));
        List<AbbaResult> results = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String wname : listOpt("workloads")) {
            try (Workload w = workload(wname)) {
                for (int i = 0; i < 15; i++) { // warm up JIT and connection
                    w.pass(passNanos);
                }
                for (String t : listOpt("tracers")) {
                    Tracer tracer;
                    int n = pairs;
                    switch (t) {
                        case "aa" -> tracer = new None();
                        case "netlat" -> tracer = new Netlat(true);
                        case "netlat-noports" -> tracer = new Netlat(false);
                        case "bpftrace" -> {
                            Path script = Paths.get(opts.get("bt-script"));
                            if (!Files.isRegularFile(script)) {
                                notes.add("bpftrace skipped: no script at " + script.toAbsolutePath());
                                continue;
                            }
                            tracer = new External("bpftrace nettxlat.bt", List.of("bpftrace", script.toString(), "{port}"),
                                    "nettxlat: tracing");
                            n = btPairs;
                        }
                        case "floor" -> {
                            Path attach = Paths.get(opts.get("floor-dir"), "attach");
                            if (!Files.isExecutable(attach)) {
                                notes.add("floor skipped: " + attach.toAbsolutePath() + " not built (benchmarks/floor/build.sh)");
                                continue;
                            }
                            tracer = new External("empty programs (floor)",
                                    List.of(attach.toString(), Paths.get(opts.get("floor-dir"), "floor.bpf.o").toString()),
                                    "attached");
                            n = btPairs;
                        }
                        default -> throw new IllegalArgumentException("unknown tracer '" + t + "'; valid: aa, floor, netlat, netlat-noports, bpftrace");
                    }
                    long t0 = System.nanoTime();
                    long writes0 = w.writesIssued();
                    AbbaResult r = abba(w, tracer, n, passNanos);
                    results.add(r);
                    System.out.printf(Locale.ROOT, "  %-18s %-22s pairs=%d median(B/A)=%.3f  (%.0f s)%n", r.workload,
                            r.tracer, r.pairs, r.median(), (System.nanoTime() - t0) / 1e9);
                    if (tracer instanceof Netlat nl) {
                        notes.add(String.format(Locale.ROOT, "%s: netlat load+attach per B block: median %.0f ms (%d loads); "
                                        + "writes counted in B windows %d (issued in all passes %d)", w.name(),
                                Stats.median(nl.loadNanos.stream().mapToDouble(x -> x / 1e6).toArray()), nl.loadNanos.size(),
                                nl.tracedWrites, w.writesIssued() - writes0));
                    }
                    if (tracer instanceof External ext) {
                        notes.add(String.format(Locale.ROOT, "%s: %s start until probes attached: median %.0f ms (%d starts)",
                                w.name(), ext.name(), Stats.median(ext.startMillis.stream().mapToDouble(x -> x).toArray()),
                                ext.startMillis.size()));
                        System.out.println("  last " + ext.name() + " output:\n" + ext.lastOutput.indent(4));
                    }
                }
            }
        }
        List<String> table = new ArrayList<>();
        table.add(String.format(Locale.ROOT, "pass = %d ms, ABBA order, ratio = traced (B) / untraced (A) per pair", intOpt("pass-ms")));
        table.add(String.format(Locale.ROOT, "| %-16s | %-22s | %5s | %-22s | %-22s | %-11s | %-15s |", "workload", "tracer (B)",
                "pairs", "A median", "B median", "median B/A", "B/A p25..p75"));
        table.add("|------------------|------------------------|-------|------------------------|------------------------|-------------|-----------------|");
        for (AbbaResult r : results) {
            table.add(String.format(Locale.ROOT, "| %-16s | %-22s | %5d | %-22s | %-22s | %11.3f | %6.3f..%-6.3f |", r.workload,
                    r.tracer, r.pairs, String.format(Locale.ROOT, "%.3f %s", Stats.median(r.a) / r.scale, r.unit),
                    String.format(Locale.ROOT, "%.3f %s", Stats.median(r.b) / r.scale, r.unit), r.median(),
                    Stats.quantile(r.ratios, 0.25), Stats.quantile(r.ratios, 0.75)));
        }
        table.addAll(notes);
        System.out.println();
        table.forEach(System.out::println);
        report.add("overhead (ABBA):");
        report.addAll(table);
    }

    // ------------------------------------------------------------------ per-hook cost

    private void hookCosts() throws Exception {
        Path sysctl = Paths.get("/proc/sys/kernel/bpf_stats_enabled");
        String old = Files.readString(sysctl).trim();
        List<String> lines = new ArrayList<>();
        long seconds = intOpt("hook-seconds");
        try {
            Files.writeString(sysctl, "1");
            for (String wname : listOpt("workloads")) {
                try (Workload w = workload(wname)) {
                    for (int i = 0; i < 10; i++) {
                        w.pass(TimeUnit.MILLISECONDS.toNanos(100));
                    }
                    try (NetworkTrace t = NetworkTracer.start()) {
                        Map<String, long[]> before = Engine.loaded().programStats();
                        long w0 = w.writesIssued();
                        double rate = w.pass(TimeUnit.SECONDS.toNanos(seconds));
                        long issued = w.writesIssued() - w0;
                        Map<String, long[]> after = Engine.loaded().programStats();
                        t.close();
                        lines.add(String.format(Locale.ROOT, "%s, %d s traced with bpf_stats on: %.3f %s, %d write calls, %d packets",
                                w.name(), seconds, rate / w.unitScale(), w.unit(), issued, t.packets()));
                        lines.add(String.format(Locale.ROOT, "| %-28s | %12s | %8s | %10s | %12s | %9s |", "program", "runs",
                                "ns/run", "runs/write", "ns per write", "rec.miss"));
                        lines.add("|------------------------------|--------------|----------|------------|--------------|-----------|");
                        long totalNs = 0;
                        for (Map.Entry<String, long[]> e : after.entrySet()) {
                            long[] a = e.getValue();
                            long[] b = before.getOrDefault(e.getKey(), new long[3]);
                            long runs = a[0] - b[0];
                            long ns = a[1] - b[1];
                            long miss = a[2] - b[2];
                            totalNs += ns;
                            if (runs == 0 && miss == 0) {
                                continue;
                            }
                            lines.add(String.format(Locale.ROOT, "| %-28s | %12d | %8.0f | %10.2f | %12.0f | %9d |", e.getKey(), runs,
                                    runs == 0 ? 0.0 : (double) ns / runs, (double) runs / Math.max(1, issued),
                                    (double) ns / Math.max(1, issued), miss));
                        }
                        lines.add(String.format(Locale.ROOT, "all programs: %.0f ns of BPF per write call, %.1f %% of one CPU over the run",
                                (double) totalNs / Math.max(1, issued), 100.0 * totalNs / TimeUnit.SECONDS.toNanos(seconds)));
                    }
                    NetworkTracer.unload();
                }
            }
        } finally {
            Files.writeString(sysctl, old);
        }
        lines.add("kernel.bpf_stats_enabled restored to " + Files.readString(sysctl).trim());
        System.out.println();
        lines.forEach(System.out::println);
        report.add("");
        report.add("per-program BPF cost:");
        report.addAll(lines);
    }

    // ------------------------------------------------------------------ nothing lost

    private void nothingLost() throws Exception {
        int conns = intOpt("lost-conns");
        int size = intOpt("lost-bytes");
        long nanos = TimeUnit.SECONDS.toNanos(intOpt("lost-seconds"));
        List<String> lines = new ArrayList<>();
        try (Servers server = Servers.sink()) {
            List<SocketChannel> chans = new ArrayList<>();
            for (int i = 0; i < conns; i++) {
                chans.add(Servers.connect(server.address()));
            }
            ExecutorService pool = Executors.newFixedThreadPool(conns);
            long issued = 0;
            NetworkTrace trace = NetworkTracer.start();
            long t0 = System.nanoTime();
            long end = t0 + nanos;
            List<Future<Long>> fs = new ArrayList<>();
            for (SocketChannel ch : chans) {
                fs.add(pool.submit(() -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(size);
                    long n = 0;
                    while (System.nanoTime() < end) {
                        n += Servers.writeFully(ch, buf);
                    }
                    return n;
                }));
            }
            for (Future<Long> f : fs) {
                issued += f.get(nanos / 1_000_000 + 30_000, TimeUnit.MILLISECONDS);
            }
            long elapsed = System.nanoTime() - t0;
            trace.close();
            pool.shutdownNow();
            NetworkView v = trace.port(server.port());
            lines.add(String.format(Locale.ROOT, "%d connections x %d-byte writes, TCP_NODELAY, loopback, %.1f s: %d writes issued (%.0f k writes/s)",
                    conns, size, elapsed / 1e9, issued, issued / (elapsed / 1e9) / 1e3));
            lines.add(String.format(Locale.ROOT, "writes(): %d (port view) / %d (whole trace)  -> %s", v.writes(), trace.writes(),
                    v.writes() == issued ? "equal" : "DIFFERENT by " + (issued - v.writes())));
            lines.add(String.format(Locale.ROOT, "bytes(): %d, expected %d; packets(): %d", v.bytes(), issued * size, v.packets()));
            for (Stage s : Stage.values()) {
                LatencyDistribution d = v.latency(s);
                long bucketSum = Arrays.stream(d.bucketCounts()).sum();
                String expected = s.unit() == Stage.Unit.WRITE ? "writes " + v.writes() : "packets " + v.packets();
                lines.add(String.format(Locale.ROOT, "  %-6s %-15s count=%d bucket-sum=%d expected(%s) %s", s.name(),
                        d.status(), d.count(), bucketSum, expected, d.isAvailable() && d.count() > 0
                                ? "p50=" + d.p50().toNanos() / 1000.0 + "us p99=" + d.p99().toNanos() / 1000.0 + "us" : d.reason()));
            }
            lines.add("lostEvents(): " + trace.lostEvents() + " " + trace.lostEventsByCause());
            for (SocketChannel ch : chans) {
                ch.close();
            }
        }
        NetworkTracer.unload();
        System.out.println();
        lines.forEach(System.out::println);
        report.add("");
        report.add("nothing lost at the highest loopback packet rate:");
        report.addAll(lines);
    }

    // ------------------------------------------------------------------ scale

    private void scale() throws Exception {
        int requested = intOpt("scale");
        // the server side runs in its own JVM (ScaleSink): this JVM holds one descriptor per traced connection
        long fdLimit = fdLimit();
        int target = (int) Math.min(requested, Math.max(0, fdLimit - 500));
        new ObjectMapper(); // initialise Jackson (it opens JDK files) before the descriptors run low
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(intOpt("scale-seconds"));
        List<String> lines = new ArrayList<>();
        List<SocketChannel> clients = new ArrayList<>();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process sink = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ScaleSink.class.getName(), Integer.toString(intOpt("scale-seconds") + 60))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        NetworkTracer.start().close(); // load outside the timing
        try {
            java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(sink.getInputStream(), StandardCharsets.UTF_8));
            int port = Integer.parseInt(r.readLine().trim());
            NetworkTrace trace = NetworkTracer.start();
            long t0 = System.nanoTime();
            ByteBuffer msg = ByteBuffer.allocate(100);
            String stopped = "";
            try {
                for (int i = 0; i < target; i++) {
                    if (System.nanoTime() > deadline) {
                        stopped = " (stopped by the time limit)";
                        break;
                    }
                    SocketChannel c = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
                    clients.add(c);
                    msg.clear();
                    while (msg.hasRemaining()) {
                        c.write(msg);
                    }
                }
            } catch (IOException e) {
                stopped = " (stopped by " + e + ")";
            }
            double open = (System.nanoTime() - t0) / 1e9;
            Map<String, Long> memlock = mapMemlock();
            trace.close();
            NetworkView v = trace.port(port);
            int n = clients.size();
            lines.add(String.format(Locale.ROOT, "%d concurrent traced connections (client sockets of this JVM; server in another JVM)"
                    + " opened in %.1f s%s, each wrote 100 bytes once (asked for %d; descriptor limit %d)", n, open, stopped,
                    requested, fdLimit));
            lines.add(String.format(Locale.ROOT, "writes(): %d (%s), bytes(): %d (expected %d), connectionsOpened(): %d, SOCKET count: %d,"
                            + " TOTAL count: %d, lostEvents: %d %s", v.writes(), v.writes() == n ? "each counted" : "expected " + n,
                    v.bytes(), 100L * n, v.connectionsOpened(), v.latency(Stage.SOCKET).count(), v.latency(Stage.TOTAL).count(),
                    trace.lostEvents(), trace.lostEventsByCause()));
            long total = memlock.values().stream().mapToLong(Long::longValue).sum();
            lines.add(String.format(Locale.ROOT, "BPF map memory (bpftool map show, bytes_memlock): %.1f MiB total: %s", total / 1048576.0, memlock));
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
            sink.getOutputStream().close();
            if (!sink.waitFor(10, TimeUnit.SECONDS)) {
                sink.destroyForcibly();
            }
            NetworkTracer.unload();
        }
        System.out.println();
        lines.forEach(System.out::println);
        report.add("");
        report.add("scale:");
        report.addAll(lines);
    }

    static long fdLimit() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return 1024;
    }

    /** bytes_memlock of each map used by netlat's programs, by map name (via bpftool). */
    static Map<String, Long> mapMemlock() {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            ObjectMapper json = new ObjectMapper();
            Set<Integer> maps = new LinkedHashSet<>();
            for (int id : Engine.loaded().programIds()) {
                JsonNode p = json.readTree(exec("bpftool", "-j", "prog", "show", "id", Integer.toString(id)));
                for (JsonNode m : p.path("map_ids")) {
                    maps.add(m.asInt());
                }
            }
            for (int id : maps) {
                JsonNode m = json.readTree(exec("bpftool", "-j", "map", "show", "id", Integer.toString(id)));
                out.put(m.path("name").asText("map" + id) + "(" + m.path("type").asText() + ",max " + m.path("max_entries").asLong() + ")",
                        m.path("bytes_memlock").asLong());
            }
        } catch (Exception e) {
            out.put("unknown: " + e, 0L);
        }
        return out;
    }

    static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] b = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(b, StandardCharsets.UTF_8));
        }
        return new String(b, StandardCharsets.UTF_8);
    }

    static final class Stats {
        static double median(double[] v) {
            return quantile(v, 0.5);
        }

        static double quantile(double[] v, double q) {
            if (v.length == 0) {
                return Double.NaN;
            }
            double[] s = v.clone();
            Arrays.sort(s);
            double pos = q * (s.length - 1);
            int lo = (int) Math.floor(pos);
            int hi = (int) Math.ceil(pos);
            return s[lo] + (s[hi] - s[lo]) * (pos - lo);
        }
    }
}
