// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.netlat.LatencyDistribution;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkTrace;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import dev.netlat.assertj.LostEvents;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a {@link NetworkTrace} into a {@link TraceReport} and writes it as JSON (schema documented on
 * {@link TraceReport}). File names come from the test's unique id: {@code <Class>[.<Nested>].<method>[-<n>].json}
 * with {@code n} the invocation of a repeated/parameterized test; should two tests of one run map to the same
 * name, the later one gets {@code ~<hash of its unique id>} appended.
 */
public final class ReportWriter {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Map<Path, String> CLAIMED = new ConcurrentHashMap<>();

    private final Path directory;

    public ReportWriter(Path directory) {
        this.directory = directory;
    }

    public Path directory() {
        return directory;
    }

    /** The shared Jackson mapper (indented output, unknown properties ignored on read). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Reads a report written by {@link #write(TraceReport)}. */
    public static TraceReport read(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), TraceReport.class);
    }

    /** Writes the report and returns its file. */
    public Path write(TraceReport report) throws IOException {
        Files.createDirectories(directory);
        Path file = claim(report.test().uniqueId());
        writeJson(file, report);
        return file;
    }

    /** Writes {@code value} as JSON through a temporary sibling, so that a reader never sees half a file. */
    static void writeJson(Path file, Object value) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        MAPPER.writeValue(tmp.toFile(), value);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private Path claim(String uniqueId) {
        String base = fileBaseName(uniqueId);
        Path file = directory.resolve(base + ".json").toAbsolutePath().normalize();
        String owner = CLAIMED.putIfAbsent(file, uniqueId);
        if (owner == null || owner.equals(uniqueId)) {
            return file;
        }
        String hashed = base + "~" + String.format(Locale.ROOT, "%08x", uniqueId.hashCode());
        return directory.resolve(hashed + ".json").toAbsolutePath().normalize();
    }

    /**
     * {@code [engine:junit-jupiter]/[class:a.b.Outer]/[nested-class:Inner]/[method:fast(dev.netlat.NetworkTrace)]}
     * becomes {@code Outer.Inner.fast}; invocations add {@code -n}. Only {@code [A-Za-z0-9._-]} remain.
     */
    public static String fileBaseName(String uniqueId) {
        List<String> parts = new ArrayList<>();
        String s = uniqueId;
        if (s.startsWith("[")) {
            s = s.substring(1);
        }
        if (s.endsWith("]")) {
            s = s.substring(0, s.length() - 1);
        }
        for (String segment : s.split("]/\\[")) {
            int colon = segment.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String type = segment.substring(0, colon);
            String value = decode(segment.substring(colon + 1));
            switch (type) {
                case "engine":
                    break;
                case "class":
                    parts.add(value.substring(value.lastIndexOf('.') + 1).replace('$', '.'));
                    break;
                case "method":
                case "test-template":
                case "test-factory": {
                    int paren = value.indexOf('(');
                    parts.add(paren < 0 ? value : value.substring(0, paren));
                    break;
                }
                default:
                    if (value.startsWith("#")) {
                        String last = parts.isEmpty() ? "" : parts.remove(parts.size() - 1);
                        parts.add(last + "-" + value.substring(1));
                    } else {
                        parts.add(value);
                    }
            }
        }
        String name = String.join(".", parts).replaceAll("[^A-Za-z0-9._-]", "_");
        name = name.replaceAll("^\\.+", "");
        return name.isEmpty() ? "test" : name;
    }

    private static String decode(String v) {
        try {
            return java.net.URLDecoder.decode(v, java.nio.charset.StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return v;
        }
    }

    /** The report model of a trace (the narrowed trace the extension injects, or any {@link NetworkTrace}). */
    public static TraceReport toReport(TraceReport.TestRef test, String window, List<Integer> ports, Instant startedAt,
                                       NetworkTrace trace, List<TraceReport.Budget> budgets) {
        Map<String, TraceReport.StageStats> stages = new LinkedHashMap<>();
        for (Stage s : Stage.values()) {
            stages.put(s.key(), stageStats(Metric.of(s), () -> trace.latency(s)));
        }
        TraceReport.StageStats rtt = stageStats(Metric.RTT, trace::rtt);
        TraceReport.Counters counters = new TraceReport.Counters(trace.writes(), trace.bytes(), trace.packets(),
                trace.retransmits(), trace.retransmittedBytes(), trace.drops(), trace.resetsSent(),
                trace.resetsReceived(), trace.connectionsOpened(), trace.connectionsClosed(), trace.listenOverflows(),
                trace.timedWrites(), trace.timedPackets());
        Map<String, Long> byKind = new LinkedHashMap<>();
        for (RetransmitKind k : RetransmitKind.values()) {
            byKind.put(k.name(), trace.retransmitsByKind().getOrDefault(k, 0L));
        }
        List<TraceReport.Event> events = new ArrayList<>();
        for (NetworkEvent e : trace.events()) {
            events.add(new TraceReport.Event(e.time() == null ? null : e.time().toString(),
                    e.kind() == null ? null : e.kind().name(), address(e.local()), address(e.remote()), e.sequence(),
                    e.detail()));
        }
        return new TraceReport(TraceReport.SCHEMA_VERSION, test, window, List.copyOf(ports),
                startedAt == null ? null : startedAt.toString(), trace.elapsed().toNanos(), stages, rtt, counters,
                byKind, new TreeMap<>(trace.dropsByReason()), trace.lostEvents(),
                new TreeMap<>(LostEvents.inWords(trace)), trace.eventsNotKept(), events, List.copyOf(budgets),
                inOrder(LostCause.class, trace.lostEventsByCause()), inOrder(Metric.class, trace.unresolvedAtRead()));
    }

    /** A copy in the enum's order (EnumMap's copy constructor refuses an empty map that is not an EnumMap). */
    private static <K extends Enum<K>> Map<K, Long> inOrder(Class<K> type, Map<K, Long> counts) {
        Map<K, Long> out = new EnumMap<>(type);
        out.putAll(counts);
        return out;
    }

    private static String address(InetSocketAddress a) {
        if (a == null) {
            return null;
        }
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private static TraceReport.StageStats stageStats(Metric metric,
                                                     java.util.function.Supplier<LatencyDistribution> read) {
        // RTT is no transmit stage: unit and places stay null in the report, as the schema says
        Stage stage = metric.stage().orElse(null);
        String unit = stage == null ? null : stage.unit().name();
        String places = stage == null ? null : stage.kernelPlaces();
        LatencyDistribution d;
        try {
            d = read.get();
        } catch (RuntimeException e) {
            return new TraceReport.StageStats(metric.name(), unit, places, "ERROR",
                    String.valueOf(e.getMessage()), 0, 0, null, null, null, null, null, null, null, List.of());
        }
        List<TraceReport.Bucket> buckets = new ArrayList<>();
        for (LatencyDistribution.Bucket b : d.buckets()) {
            buckets.add(new TraceReport.Bucket(b.lowNanos(), b.highNanos(), b.count()));
        }
        boolean has = d.isAvailable() && d.count() > 0;
        return new TraceReport.StageStats(d.name(), unit, places, d.status().name(), d.reason(), d.count(),
                d.sumNanos(), has ? (double) d.sumNanos() / d.count() : null, has ? (double) d.min().toNanos() : null,
                q(d, 50), q(d, 90), q(d, 99), q(d, 99.9), q(d, 100), buckets);
    }

    private static Double q(LatencyDistribution d, double p) {
        double v = d.percentileNanosOrNaN(p);
        return Double.isNaN(v) ? null : v;
    }
}
