// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Step {@code scale}: many concurrent traced connections, each writing once, must each be counted, and the kernel
 * memory of netlat's maps with that many live sockets is read from {@code bpftool}. The server side runs in its own
 * JVM ({@link ScaleSink}) so this JVM's descriptor limit goes to the traced client sockets only.
 */
final class ScaleCheck {
    private static final int MESSAGE_BYTES = 100;

    private final OverheadOptions opts;

    ScaleCheck(OverheadOptions opts) {
        this.opts = opts;
    }

    List<String> run() throws Exception {
        int requested = opts.scale();
        long fdLimit = fdLimit();
        // leave descriptors for the JVM's own files, the sink's pipes and bpftool
        int target = (int) Math.min(requested, Math.max(0, fdLimit - 500));
        new ObjectMapper(); // initialise Jackson (it opens JDK files) before the descriptors run low
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(opts.scaleSeconds());
        List<String> lines = new ArrayList<>();
        List<SocketChannel> clients = new ArrayList<>();
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Process sink = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                ScaleSink.class.getName(), Integer.toString(opts.scaleSeconds() + 60))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        NetworkTracer.start().close(); // load outside the timing
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(sink.getInputStream(), StandardCharsets.UTF_8));
            int port = Integer.parseInt(r.readLine().trim());
            NetworkTrace trace = NetworkTracer.start();
            Map<String, Long> before = mapMemlock();
            long t0 = System.nanoTime();
            ByteBuffer msg = ByteBuffer.allocate(MESSAGE_BYTES);
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
            Map<String, Long> busy = mapMemlock();
            // a state is given back 100-200 ms after its socket's last write, when nothing is in flight
            Thread.sleep(1000);
            Map<String, Long> quiet = mapMemlock();
            trace.close();
            NetworkView v = trace.port(port);
            int n = clients.size();
            lines.add(String.format(Locale.ROOT, "%d concurrent traced connections (client sockets of this JVM; server in another JVM)"
                    + " opened in %.1f s%s, each wrote %d bytes once (asked for %d; descriptor limit %d)", n, open, stopped,
                    MESSAGE_BYTES, requested, fdLimit));
            lines.add(String.format(Locale.ROOT, "writes(): %d (%s), bytes(): %d (expected %d), connectionsOpened(): %d, SOCKET count: %d,"
                            + " TOTAL count: %d, lostEvents: %d %s", v.writes(), v.writes() == n ? "each counted" : "expected " + n,
                    v.bytes(), (long) MESSAGE_BYTES * n, v.connectionsOpened(), v.latency(Stage.SOCKET).count(),
                    v.latency(Stage.TOTAL).count(), trace.lostEvents(), trace.lostEventsByCause()));
            lines.add(String.format(Locale.ROOT, "BPF map memory (bpftool map show, bytes_memlock), window open: before the"
                    + " connections %s; right after the last write %s; 1 s later, every socket quiet, %s: %.0f bytes per"
                    + " idle traced connection", mib(before), mib(busy), mib(quiet),
                    n == 0 ? Double.NaN : (total(quiet) - total(before)) / (double) n));
            lines.add("  by map, 1 s later: " + quiet + "; right after the last write: " + busy);
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
        return lines;
    }

    private static long total(Map<String, Long> memlock) {
        return memlock.values().stream().mapToLong(Long::longValue).sum();
    }

    private static String mib(Map<String, Long> memlock) {
        return String.format(Locale.ROOT, "%.1f MiB", total(memlock) / 1048576.0);
    }

    private static long fdLimit() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return 1024;
    }

    /** bytes_memlock of each map used by netlat's programs, by map name (via bpftool); on failure one entry saying why. */
    private static Map<String, Long> mapMemlock() {
        Map<String, Long> out = new LinkedHashMap<>();
        try {
            ObjectMapper json = new ObjectMapper();
            Set<Integer> maps = new LinkedHashSet<>();
            for (int id : LoadedPrograms.programIds()) {
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

    private static String exec(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] b = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + new String(b, StandardCharsets.UTF_8));
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
