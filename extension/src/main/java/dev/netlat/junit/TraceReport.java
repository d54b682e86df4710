package dev.netlat.junit;

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
 *                 "connectionsClosed": 1, "listenOverflows": 0 },
 *   "retransmitsByKind": { "TIMEOUT": 0, "FAST": 0, "TAIL_LOSS_PROBE": 0, "SYN": 0, "SYN_ACK": 0, "OTHER": 0 },
 *   "dropsByReason": { "NETFILTER_DROP": 2 },
 *   "lostEvents": 0, "lostEventsByCause": { }, "eventsNotKept": 0,
 *   "events": [ { "time": "2024-…Z", "kind": "RETRANSMIT", "local": "127.0.0.1:40000", "remote": "127.0.0.1:8080",
 *                 "sequence": 12345, "detail": "FAST" } ],
 *   "budgets": [ { "stage": "QDISC", "percentile": 99.0, "below": "1ms", "belowNanos": 1000000,
 *                  "measuredNanos": 1500.5, "samples": 1200, "status": "PASSED" | "FAILED" | "NOT_CHECKED",
 *                  "message": null } ]
 * }
 * }</pre>
 * Fields are only ever added in a version; a removal or a change of meaning increments {@code schemaVersion}.
 */
public record TraceReport(int schemaVersion, TestRef test, String window, List<Integer> ports, String startedAt,
                          long elapsedNanos, Map<String, StageStats> stages, StageStats rtt, Counters counters,
                          Map<String, Long> retransmitsByKind, Map<String, Long> dropsByReason, long lostEvents,
                          Map<String, Long> lostEventsByCause, long eventsNotKept, List<Event> events,
                          List<Budget> budgets) {

    public static final int SCHEMA_VERSION = 1;

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

    public record Counters(long writes, long bytes, long packets, long retransmits, long retransmittedBytes, long drops,
                           long resetsSent, long resetsReceived, long connectionsOpened, long connectionsClosed,
                           long listenOverflows) {
    }

    public record Event(String time, String kind, String local, String remote, long sequence, String detail) {
    }

    /** A {@link LatencyBudget} and its outcome. */
    public record Budget(String stage, double percentile, String below, long belowNanos, Double measuredNanos,
                         long samples, String status, String message) {
    }
}
