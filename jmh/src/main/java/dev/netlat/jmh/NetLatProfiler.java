// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import dev.netlat.Availability;
import dev.netlat.LatencyDistribution;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import joptsimple.OptionException;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.profile.ProfilerException;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler that traces the benchmark JVM's own TCP sockets with netlat for every iteration and reports
 * per-stage transmit latency percentiles, retransmits, drops and lost events as secondary results.
 *
 * <pre>
 *   java -jar benchmarks.jar MyBench -prof dev.netlat.jmh.NetLatProfiler:stages=SOCKET,QDISC;percentiles=50,99,99.9;port=8080
 *   java -jar benchmarks.jar -prof dev.netlat.jmh.NetLatProfiler:help
 * </pre>
 *
 * <p>It is an {@link InternalProfiler}: it runs inside the forked benchmark JVM, opens a trace window in
 * {@link #beforeIteration} and closes it in {@link #afterIteration}. The kernel programs are loaded once per fork,
 * on the first iteration (outside JMH's timed region). Results, per iteration:
 * <ul>
 *   <li>{@code netlat.<stage>.p<q>} — the stage's percentile in µs, {@code q} the quantile as a fraction
 *       ({@code netlat.socket.p0.5}, {@code netlat.qdisc.p0.99}, {@code netlat.socket.p0.999}). Each is a
 *       {@link HistogramPercentileResult} carrying the stage's kernel histogram, and JMH's aggregation adds the
 *       histograms: the run's value is the percentile of all samples of all measured iterations and forks (as for
 *       JMH's own {@code SampleTime} percentiles), not an average of per-iteration percentiles. NaN when the stage had
 *       no samples, is not applicable (QDISC on {@code lo}) or is unavailable; JMH's "Secondary result" lines say
 *       which.</li>
 *   <li>{@code netlat.writes}, {@code netlat.retransmits}, {@code netlat.drops}, {@code netlat.lost} — counts,
 *       summed over iterations.</li>
 *   <li>{@code netlat.writes.norm}, {@code netlat.retransmits.norm} — per benchmark operation.</li>
 * </ul>
 *
 * <p>When tracing cannot run here (not root, no BTF, libbpf missing...), the constructor throws
 * {@link ProfilerException} with the reason. The check ({@link NetworkTracer#availability()}) loads nothing and gives
 * the same answer in the host JVM and the fork, so JMH rejects the profiler up front instead of silently dropping it
 * in the fork.
 */
public final class NetLatProfiler implements InternalProfiler {

    /** Metric name prefix. */
    public static final String PREFIX = "netlat.";
    static final List<Stage> DEFAULT_STAGES = List.of(Stage.values());
    static final List<Double> DEFAULT_PERCENTILES = List.of(50.0, 99.0, 99.9);

    private static final List<String> OPTIONS = List.of("stages", "percentiles", "port", "timeEveryWrite", "help");

    private final Settings settings;
    private NetworkTrace trace;

    /** Parsed options. */
    record Settings(List<Stage> stages, List<Double> percentiles, Integer port, boolean timeEveryWrite) {
    }

    /**
     * For {@link java.util.ServiceLoader} only: JMH discovers external profilers (for {@code -lprof} and for every
     * {@code -prof} by class name) by instantiating every registered one with the no-arg constructor, and a provider
     * that throws there breaks discovery of all of them. So this one never throws; JMH then creates the instance it
     * uses with {@link #NetLatProfiler(String)}, which checks availability.
     */
    public NetLatProfiler() {
        this.settings = new Settings(DEFAULT_STAGES, DEFAULT_PERCENTILES, null, false);
    }

    /** For JMH: {@code initLine} is what followed the profiler name and ':' on the command line (may be empty). */
    public NetLatProfiler(String initLine) throws ProfilerException {
        this(initLine, NetworkTracer.availability());
    }

    NetLatProfiler(String initLine, Availability availability) throws ProfilerException {
        this.settings = parse(initLine);
        if (!availability.isAvailable()) {
            throw new ProfilerException(availability.reason());
        }
    }

    Settings settings() {
        return settings;
    }

    @Override
    public String getDescription() {
        return "netlat: per-stage TCP transmit latency, retransmits and drops of this JVM's sockets (eBPF)";
    }

    // ---- options ----

    static Settings parse(String initLine) throws ProfilerException {
        OptionParser parser = new OptionParser();
        JmhProfilerOptions.useJmhHelpFormat(parser, NetLatProfiler.class.getCanonicalName());

        OptionSpec<String> optStages = parser.accepts("stages",
                        "Stages to report, comma-separated, any of " + String.join(",", stageNames()) + ".")
                .withRequiredArg().withValuesSeparatedBy(',').ofType(String.class).describedAs("stage+")
                .defaultsTo(stageNames());
        OptionSpec<String> optPercentiles = parser.accepts("percentiles",
                        "Percentiles to report per stage, comma-separated, each in (0, 100].")
                .withRequiredArg().withValuesSeparatedBy(',').ofType(String.class).describedAs("p+")
                .defaultsTo("50", "99", "99.9");
        OptionSpec<String> optPort = parser.accepts("port",
                        "Only sockets whose local or remote port is this one (1..65535). Default: all sockets of the JVM.")
                .withRequiredArg().ofType(String.class).describedAs("port");
        OptionSpec<String> optEvery = parser.accepts("timeEveryWrite",
                        "true: time every write; false (default): each socket's timing budget, 256 writes refilled"
                                + " at 1000 a second, busy sockets together at most 2000 a second. Counts are exact"
                                + " either way.")
                .withRequiredArg().ofType(String.class).describedAs("bool");

        String line = initLine == null ? "" : initLine;
        // jopt-simple reads an unknown "-colour=blue" as the short-option cluster "-c...", and says "c is not a
        // recognized option": name the whole key instead
        for (String part : line.split(";")) {
            String key = part.contains("=") ? part.substring(0, part.indexOf('=')) : part;
            if (!key.isEmpty() && !OPTIONS.contains(key)) {
                throw new ProfilerException("netlat: unknown option '" + key + "'; valid options: "
                        + String.join(", ", OPTIONS) + " (e.g. stages=SOCKET,QDISC;percentiles=50,99,99.9;port=8080)");
            }
        }
        OptionSet set = JmhProfilerOptions.parseInitLine(line, parser);
        try {
            List<Stage> stages = parseStages(set.valuesOf(optStages));
            List<Double> percentiles = parsePercentiles(set.valuesOf(optPercentiles));
            Integer port = set.has(optPort) ? parsePort(set.valueOf(optPort)) : null;
            boolean every = set.has(optEvery) && parseBoolean("timeEveryWrite", set.valueOf(optEvery));
            return new Settings(stages, percentiles, port, every);
        } catch (OptionException e) {
            throw new ProfilerException(e.getMessage());
        }
    }

    private static boolean parseBoolean(String option, String v) throws ProfilerException {
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        throw new ProfilerException("netlat: " + option + " must be true or false, was '" + v + "'");
    }

    private static String[] stageNames() {
        Stage[] all = Stage.values();
        String[] names = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            names[i] = all[i].name();
        }
        return names;
    }

    static List<Stage> parseStages(List<String> values) throws ProfilerException {
        List<Stage> out = new ArrayList<>();
        for (String v : values) {
            if (v.isBlank()) {
                continue;
            }
            Stage s;
            try {
                s = Stage.parse(v);
            } catch (IllegalArgumentException e) {
                throw new ProfilerException("netlat: unknown stage '" + v.trim() + "' in stages=; valid stages: "
                        + String.join(",", stageNames()));
            }
            if (!out.contains(s)) {
                out.add(s);
            }
        }
        if (out.isEmpty()) {
            throw new ProfilerException("netlat: stages= is empty; valid stages: " + String.join(",", stageNames()));
        }
        return List.copyOf(out);
    }

    static List<Double> parsePercentiles(List<String> values) throws ProfilerException {
        List<Double> out = new ArrayList<>();
        for (String v : values) {
            if (v.isBlank()) {
                continue;
            }
            double p;
            try {
                p = Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                p = Double.NaN;
            }
            if (!(p > 0 && p <= 100)) {
                throw new ProfilerException("netlat: bad percentile '" + v.trim()
                        + "' in percentiles=; valid: numbers in (0, 100], e.g. percentiles=50,99,99.9");
            }
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new ProfilerException("netlat: percentiles= is empty; valid: numbers in (0, 100], e.g. percentiles=50,99,99.9");
        }
        return List.copyOf(out);
    }

    static int parsePort(String v) throws ProfilerException {
        int port;
        try {
            port = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 1 || port > 65535) {
            throw new ProfilerException("netlat: bad port '" + v.trim() + "' in port=; valid: an integer in 1..65535");
        }
        return port;
    }

    // ---- naming ----

    /** {@code netlat.<stage>.p<quantile>}: 50 -> p0.5, 99 -> p0.99, 99.9 -> p0.999, 100 -> p1. */
    static String percentileName(Stage stage, double percentile) {
        String q = new java.math.BigDecimal(Double.toString(percentile)).movePointLeft(2).stripTrailingZeros()
                .toPlainString();
        return PREFIX + stage.key() + ".p" + q;
    }

    // ---- iterations ----

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        if (trace != null) { // a previous iteration failed half-way
            trace.close();
        }
        // without port= the per-port table is not needed: skipping it is about a third of the per-packet cost
        trace = NetworkTracer.start(TraceOptions.defaults().portViews(settings.port() != null)
                .timeEveryWrite(settings.timeEveryWrite()));
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
                                                       IterationResult result) {
        NetworkTrace t = trace;
        trace = null;
        if (t == null) {
            return List.of();
        }
        t.close(); // freezes the results (waits, bounded, for in-flight writes to pass every stage)
        return results(settings, settings.port() == null ? t : t.port(settings.port()), t.lostEvents(),
                result.getMetadata().getAllOps());
    }

    /** The secondary results of one iteration: every metric always present, NaN where nothing was measured. */
    static List<Result<?>> results(Settings settings, NetworkView view, long lost, long ops) {
        List<Result<?>> out = new ArrayList<>();
        for (Stage stage : settings.stages()) {
            LatencyDistribution d = view.latency(stage);
            for (double p : settings.percentiles()) {
                out.add(HistogramPercentileResult.of(percentileName(stage, p), p, d));
            }
        }
        long writes = view.writes();
        long retransmits = view.retransmits();
        out.add(new ScalarResult(PREFIX + "writes", writes, "#", AggregationPolicy.SUM));
        out.add(new ScalarResult(PREFIX + "writes.norm", perOp(writes, ops), "#/op", AggregationPolicy.AVG));
        // the per-write percentiles are of these writes (TraceOptions.timeEveryWrite)
        out.add(new ScalarResult(PREFIX + "writes.timed", view.timedWrites(), "#", AggregationPolicy.SUM));
        out.add(new ScalarResult(PREFIX + "retransmits", retransmits, "#", AggregationPolicy.SUM));
        out.add(new ScalarResult(PREFIX + "retransmits.norm", perOp(retransmits, ops), "#/op", AggregationPolicy.AVG));
        out.add(new ScalarResult(PREFIX + "drops", view.drops(), "#", AggregationPolicy.SUM));
        out.add(new ScalarResult(PREFIX + "lost", lost, "#", AggregationPolicy.SUM));
        return out;
    }

    private static double perOp(long count, long ops) {
        return ops > 0 ? (double) count / ops : Double.NaN;
    }
}
