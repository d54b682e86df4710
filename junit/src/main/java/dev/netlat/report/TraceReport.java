// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import dev.netlat.LostCause;
import dev.netlat.Metric;
import java.util.List;
import java.util.Map;

/**
 * What one traced test measured, as written to {@code target/netlat/<Class>.<method>.json} by {@link ReportWriter}.
 * Plain data for tools (e.g. an HTML report); read it back with {@link ReportWriter#read(java.nio.file.Path)}.
 *
 * <h2>JSON schema (version 1)</h2>
 * All durations are nanoseconds (JSON numbers, possibly fractional: quantiles are bucket midpoints); {@code null}
 * where a value does not exist (quantiles of an unavailable or empty stage).
 * <pre>{@code
 * {
 *   "schemaVersion": 1,
 *   "test": { "uniqueId": "[engine:junit-jupiter]/[class:com.acme.CheckoutTest]/[method:fast(dev.netlat.NetworkTrace)]",
 *             "className": "com.acme.CheckoutTest", "methodName": "fast", "displayName": "fast(NetworkTrace)" },
 *   "window": "TEST" | "LIFECYCLE",
 *   "ports": [8080],                        // [] = all TCP sockets of the JVM
 *   "startedAt": "2024-05-01T12:00:00.123Z", // ISO-8601, when the window opened
 *   "elapsedNanos": 51234567,
 *   "stages": {                             // keyed by Stage.key(): socket, qdisc, device, total, ack
 *     "socket": {
 *       "name": "SOCKET", "unit": "WRITE" | "PACKET" | null, "kernelPlaces": "tcp_sendmsg_locked -> net_dev_queue",
 *       "status": "AVAILABLE" | "NOT_APPLICABLE" | "UNAVAILABLE" | "ERROR", "reason": "",
 *       "count": 1200, "sumNanos": 123456, "meanNanos": 102.0, "minNanos": 80.5,
 *       "p50Nanos": 99.5, "p90Nanos": 120.5, "p99Nanos": 250.5, "p999Nanos": 900.5, "maxNanos": 1200.5,
 *       "buckets": [ { "lowNanos": 64, "highNanos": 65, "count": 3 } ]   // non-empty buckets, [low, high)
 *     }
 *   },
 *   "rtt": { same shape as a stage, "unit": null },
 *   "counters": { "writes": 1200, "bytes": 1228800, "packets": 1190, "retransmits": 0, "retransmittedBytes": 0,
 *                 "drops": 0, "resetsSent": 0, "resetsReceived": 0, "connectionsOpened": 1,
 *                 "connectionsClosed": 1, "listenOverflows": 0,
 *                 // added in version 1 (absent in older reports): writes and packets whose stages were timed
 *                 "timedWrites": 1200, "timedPackets": 1190 },
 *   "retransmitsByKind": { "TIMEOUT": 0, "FAST": 0, "TAIL_LOSS_PROBE": 0, "SYN": 0, "SYN_ACK": 0, "OTHER": 0 },
 *   "dropsByReason": { "NETFILTER_DROP": 2 },
 *   "lostEvents": 603, "eventsNotKept": 0,
 *   "lostEventsByCause": {                  // in words: LostCause.description(), unresolved-at-read per metric
 *     "socket table full (netlat.maps.sockets)": 600, "SOCKET samples still unresolved when read (…)": 3 },
 *   "events": [ { "time": "2024-…Z", "kind": "RETRANSMIT", "local": "127.0.0.1:40000", "remote": "127.0.0.1:8080",
 *                 "sequence": 12345, "detail": "FAST" } ],
 *   "budgets": [ { "stage": "QDISC", "percentile": 99.0, "below": "1ms", "belowNanos": 1000000,
 *                  "measuredNanos": 1500.5, "samples": 1200, "status": "PASSED" | "FAILED" | "NOT_CHECKED",
 *                  "message": null,
 *                  // added in version 1 (absent in older reports): why, typed (BudgetStatus); every failing
 *                  // verdict has status "FAILED"
 *                  "verdict": "PASSED" | "FAILED" | "TOO_FEW_SAMPLES" | "LOST_SAMPLES" | "UNAVAILABLE" | "NOT_CHECKED",
 *                  "requiredSamples": 100,           // samples the percentile needs
 *                  "lostEvents": 0, "lostEventsByCause": { },   // lost in the window when the budget was judged
 *                  "lossAccepted": false } ],         // allowLostSamples or netlat.lostEvents=warn
 *   // added in version 1 (absent in older reports): the loss typed, as lostEventsByCause says it in words
 *   "lostCauses": { "SOCKET_TABLE_FULL": 600, "UNRESOLVED_AT_READ": 3 },  // lostEventsByCause(): LostCause names
 *   "unresolvedAtRead": { "SOCKET": 3 }     // NetworkTrace.unresolvedAtRead(): dev.netlat.Metric names
 * }
 * }</pre>
 * Fields are only ever added in a version; a removal or a change of meaning increments {@code schemaVersion}.
 */
public record TraceReport(int schemaVersion, TestRef test, String window, List<Integer> ports, String startedAt,
                          long elapsedNanos, Map<String, StageStats> stages, StageStats rtt, Counters counters,
                          Map<String, Long> retransmitsByKind, Map<String, Long> dropsByReason, long lostEvents,
                          Map<String, Long> lostEventsByCause, long eventsNotKept, List<Event> events,
                          List<Budget> budgets, Map<LostCause, Long> lostCauses, Map<Metric, Long> unresolvedAtRead) {

    public static final int SCHEMA_VERSION = 1;

    /** A report without the typed loss, as reports written before it existed have it. */
    public TraceReport(int schemaVersion, TestRef test, String window, List<Integer> ports, String startedAt,
                       long elapsedNanos, Map<String, StageStats> stages, StageStats rtt, Counters counters,
                       Map<String, Long> retransmitsByKind, Map<String, Long> dropsByReason, long lostEvents,
                       Map<String, Long> lostEventsByCause, long eventsNotKept, List<Event> events,
                       List<Budget> budgets) {
        this(schemaVersion, test, window, ports, startedAt, elapsedNanos, stages, rtt, counters, retransmitsByKind,
                dropsByReason, lostEvents, lostEventsByCause, eventsNotKept, events, budgets, null, null);
    }

    /** The test that was traced. */
    public record TestRef(String uniqueId, String className, String methodName, String displayName) {
    }

    /** One latency distribution. */
    public record StageStats(String name, String unit, String kernelPlaces, String status, String reason, long count,
                             long sumNanos, Double meanNanos, Double minNanos, Double p50Nanos, Double p90Nanos,
                             Double p99Nanos, Double p999Nanos, Double maxNanos, List<Bucket> buckets) {
    }

    /** A non-empty histogram bucket: values in [lowNanos, highNanos). */
    public record Bucket(long lowNanos, long highNanos, long count) {
    }

    /** {@code timedWrites}/{@code timedPackets} are null in reports written before they existed. */
    public record Counters(long writes, long bytes, long packets, long retransmits, long retransmittedBytes, long drops,
                           long resetsSent, long resetsReceived, long connectionsOpened, long connectionsClosed,
                           long listenOverflows, Long timedWrites, Long timedPackets) {

        /** "timed 278 of 5000 writes" when fewer writes than all were timed, else "". */
        public String timingNote() {
            return timedWrites == null ? ""
                    : dev.netlat.LatencyDistribution.timingNote(timedWrites, writes, dev.netlat.Stage.Unit.WRITE);
        }
    }

    public record Event(String time, String kind, String local, String remote, long sequence, String detail) {
    }

    /**
     * A {@link dev.netlat.junit.LatencyBudget} and its outcome. {@code status} keeps the values of the first schema ({@code PASSED},
     * {@code FAILED}, {@code NOT_CHECKED}); {@code verdict} says why (null in reports written before it existed: use
     * {@link #outcome()}).
     */
    public record Budget(String stage, double percentile, String below, long belowNanos, Double measuredNanos,
                         long samples, String status, String message, BudgetStatus verdict, long requiredSamples,
                         long lostEvents, Map<String, Long> lostEventsByCause, boolean lossAccepted) {

        /** A budget without the verdict fields, as reports of the first schema had them. */
        public Budget(String stage, double percentile, String below, long belowNanos, Double measuredNanos,
                      long samples, String status, String message) {
            this(stage, percentile, below, belowNanos, measuredNanos, samples, status, message, null, 0, 0, Map.of(),
                    false);
        }

        /** A budget with its typed verdict; {@code status} follows from it. */
        public static Budget of(String stage, double percentile, String below, long belowNanos, Double measuredNanos,
                                long samples, BudgetStatus verdict, String message, long requiredSamples,
                                Map<String, Long> lostEventsByCause, boolean lossAccepted) {
            Map<String, Long> lost = lostEventsByCause == null ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(lostEventsByCause));
            return new Budget(stage, percentile, below, belowNanos, measuredNanos, samples, verdict.status(), message,
                    verdict, requiredSamples, lost.values().stream().mapToLong(Long::longValue).sum(), lost,
                    lossAccepted);
        }

        /** The verdict, or for a report without one the verdict its {@code status} implies. */
        public BudgetStatus outcome() {
            return verdict != null ? verdict : BudgetStatus.fromStatus(status);
        }

        /**
         * The outcome in words, for the console and HTML reports: {@code passed}, {@code failed},
         * {@code failed: too few samples (400, p99.99 needs 10000)}, {@code failed: 600 events lost (socket table
         * full (netlat.maps.sockets): 600)}, {@code passed, 3 events lost and accepted (…)}, {@code not checked}.
         */
        public String outcomeText() {
            BudgetStatus v = outcome();
            String loss = lostText();
            switch (v) {
                case PASSED:
                    return loss.isEmpty() ? "passed" : "passed, " + loss + " and accepted";
                case FAILED:
                    return loss.isEmpty() ? "failed" : "failed, " + loss + " and accepted";
                case TOO_FEW_SAMPLES:
                    return "failed: too few samples (" + samples + (requiredSamples > 0 ? ", " + percentileName()
                            + " needs " + requiredSamples : "") + ")" + (loss.isEmpty() ? "" : "; " + loss + " and accepted");
                case LOST_SAMPLES:
                    return "failed: " + (loss.isEmpty() ? "samples lost" : loss);
                case UNAVAILABLE:
                    return "failed: stage unavailable";
                default:
                    return "not checked";
            }
        }

        /** {@code 600 events lost (socket table full (netlat.maps.sockets): 600)}, or "" when none. */
        public String lostText() {
            if (lostEvents <= 0) {
                return "";
            }
            StringBuilder sb = new StringBuilder().append(lostEvents).append(lostEvents == 1 ? " event" : " events")
                    .append(" lost");
            if (lostEventsByCause != null && !lostEventsByCause.isEmpty()) {
                sb.append(" (");
                boolean first = true;
                for (Map.Entry<String, Long> e : lostEventsByCause.entrySet()) {
                    sb.append(first ? "" : "; ").append(e.getKey()).append(": ").append(e.getValue());
                    first = false;
                }
                sb.append(')');
            }
            return sb.toString();
        }

        private String percentileName() {
            return dev.netlat.Percentiles.name(percentile);
        }
    }
}
