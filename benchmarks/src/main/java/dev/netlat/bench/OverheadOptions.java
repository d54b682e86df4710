// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line of {@link Overhead}, parsed once: every option is {@code --name=value} with a default, so a run
 * names only what it changes and the header line shows every value the run used.
 *
 * @param given every option with its value (defaults included), in the order of {@link #DEFAULTS}, for the header
 */
record OverheadOptions(Map<String, String> given, List<String> steps, List<String> workloads, List<String> tracers,
                       int pairs, int btPairs, int passMs, int echoConns, Path btScript, Path floorDir, int hookSeconds,
                       int lostSeconds, int lostConns, int lostBytes, int scale, int scaleSeconds) {
    private static final Map<String, String> DEFAULTS = new LinkedHashMap<>();

    static {
        DEFAULTS.put("steps", "overhead,hooks,lost,scale");
        DEFAULTS.put("workloads", "stream,echo");
        DEFAULTS.put("tracers", "aa,floor,netlat,netlat-noports,netlat-every,netlat-idle,bpftrace");
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

    /** The options, or empty when {@code --help} or {@code -h} came before any bad argument. */
    static Optional<OverheadOptions> parse(String[] args) {
        Map<String, String> opts = new LinkedHashMap<>(DEFAULTS);
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return Optional.empty();
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
        return Optional.of(new OverheadOptions(Collections.unmodifiableMap(opts), list(opts, "steps"),
                list(opts, "workloads"), list(opts, "tracers"), integer(opts, "pairs"), integer(opts, "bt-pairs"),
                integer(opts, "pass-ms"), integer(opts, "echo-conns"), Paths.get(opts.get("bt-script")),
                Paths.get(opts.get("floor-dir")), integer(opts, "hook-seconds"), integer(opts, "lost-seconds"),
                integer(opts, "lost-conns"), integer(opts, "lost-bytes"), integer(opts, "scale"),
                integer(opts, "scale-seconds")));
    }

    static void printUsage() {
        System.out.println("usage: Overhead [--option=value ...]; options and defaults:");
        DEFAULTS.forEach((k, v) -> System.out.println("  --" + k + "=" + v));
    }

    private static int integer(Map<String, String> opts, String k) {
        return Integer.parseInt(opts.get(k));
    }

    private static List<String> list(Map<String, String> opts, String k) {
        return Arrays.stream(opts.get(k).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
