// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import dev.netlat.NetworkEvent;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.assertj.core.api.AbstractAssert;

/**
 * Counter assertions shared by {@link NetworkViewAssert} (a port view) and {@link NetworkTraceAssert} (a whole trace).
 *
 * @param <SELF>   the assert type
 * @param <ACTUAL> the view type
 */
public abstract class AbstractNetworkViewAssert<SELF extends AbstractNetworkViewAssert<SELF, ACTUAL>, ACTUAL extends NetworkView>
        extends AbstractAssert<SELF, ACTUAL> {

    /** Creates the assert for {@link #latency(Stage)}; replaced by soft assertions so navigation stays soft. */
    private Function<dev.netlat.LatencyDistribution, LatencyDistributionAssert> latencyAssertFactory = LatencyDistributionAssert::new;
    private Double minSamplesFactor;
    private boolean allowLost;

    protected AbstractNetworkViewAssert(ACTUAL actual, Class<?> selfType) {
        super(actual, selfType);
    }

    /**
     * Accepts lost events in the window: counter assertions judge the counts as measured and percentile assertions
     * reached through {@link #latency(Stage)} judge what was measured (see {@link LostEvents}).
     */
    public SELF allowingLostEvents() {
        this.allowLost = true;
        return myself;
    }

    private dev.netlat.NetworkTrace lossSource() {
        return LostEvents.sourceOf(actual);
    }

    /** Hands this assertion's settings (loss window and policy, min-samples factor) to a navigated latency assert. */
    private LatencyDistributionAssert configure(LatencyDistributionAssert a) {
        dev.netlat.NetworkTrace source = lossSource();
        if (source != null) {
            a.withLostEventsOf(source);
        }
        if (allowLost) {
            a.allowingLostEvents();
        }
        if (minSamplesFactor != null) {
            a.withMinSamplesFactor(minSamplesFactor);
        }
        return a;
    }

    /**
     * A counter assertion that passed on the counts: fails when the window lost events, since the count may be
     * short (a socket that did not fit the socket table is not counted at all).
     */
    private void requireCompleteCount(String expected, String measured) {
        Map<String, Long> lost = LostEvents.inWords(lossSource());
        if (lost.isEmpty() || allowLost) {
            return;
        }
        if (LostEvents.policy() == LostEvents.Policy.WARN) {
            System.err.println("[netlat] warning: " + expected + " is judged over an incomplete window: "
                    + LostEvents.describe(lost) + " (accepted: " + LostEvents.CONFIG_KEY + "=warn)");
            return;
        }
        failWithMessage("%s", String.format(Locale.ROOT,
                "Expected %s, and measured %s, but the window is incomplete: %s.%n"
                        + "Why it matters: with events lost the count may be short (a socket that did not fit the"
                        + " socket table, or a program run the kernel skipped, is not counted), so this assertion fails"
                        + " instead of passing on it: %s.%n%s",
                expected, measured, LostEvents.describe(lost), LostEvents.HOW_TO_ACCEPT, latencyTable()));
    }

    /** A line naming lost events for a counter assertion that fails anyway, or "". */
    private String lossNote() {
        Map<String, Long> lost = LostEvents.inWords(lossSource());
        return lost.isEmpty() ? "" : "Note: the count may be short: " + LostEvents.describe(lost) + ".\n";
    }

    /** Sets the min-samples factor of asserts reached through {@link #latency(Stage)} (see {@link MinSamples}). */
    public SELF withMinSamplesFactor(double factor) {
        this.minSamplesFactor = MinSamples.checkFactor(factor, "withMinSamplesFactor");
        return myself;
    }

    void useLatencyAssertFactory(Function<dev.netlat.LatencyDistribution, LatencyDistributionAssert> factory) {
        this.latencyAssertFactory = factory;
    }

    /** Navigates to the latency distribution of one stage. */
    public LatencyDistributionAssert latency(Stage stage) {
        Objects.requireNonNull(stage, "stage");
        isNotNull();
        LatencyDistributionAssert a = configure(latencyAssertFactory.apply(actual.latency(stage)));
        String description = info.descriptionText();
        return a.as("%s", (description == null || description.isEmpty() ? "" : description + " ") + "latency(" + stage + ")");
    }

    /** Navigates to the RTT distribution. */
    public LatencyDistributionAssert rtt() {
        isNotNull();
        return configure(latencyAssertFactory.apply(actual.rtt())).as("rtt()");
    }

    /** No segment was retransmitted. */
    public SELF hasNoRetransmits() {
        return hasRetransmitsAtMost(0);
    }

    /** At most {@code max} segments were retransmitted. */
    public SELF hasRetransmitsAtMost(long max) {
        isNotNull();
        long r = actual.retransmits();
        if (r > max) {
            Map<RetransmitKind, Long> byKind = nonZero(actual.retransmitsByKind());
            failWithMessage("%s", String.format(Locale.ROOT,
                    "Expected %s, but measured %d retransmitted segment%s (%d bytes) out of %d packets sent, by kind %s.%n"
                            + "Why it matters: a retransmit means a segment was lost or presumed lost and sent again;"
                            + " a fast retransmit costs about one round trip, a timeout retransmit at least the RTO"
                            + " (200ms minimum on Linux), so retransmits dominate tail latency.%n%s%s%s",
                    max == 0 ? "no TCP retransmits" : "at most " + max + " TCP retransmits", r, r == 1 ? "" : "s",
                    actual.retransmittedBytes(), actual.packets(), byKind, lossNote(),
                    eventsText(NetworkEvent.Kind.RETRANSMIT), latencyTable()));
        }
        requireCompleteCount(max == 0 ? "no TCP retransmits" : "at most " + max + " TCP retransmits",
                r + " retransmitted segment" + (r == 1 ? "" : "s") + " out of " + actual.packets() + " packets sent");
        return myself;
    }

    private static final String WHY_DROPS = "Why it matters: TCP recovers a dropped packet only by retransmitting it,"
            + " which costs at least a round trip and up to the RTO (200ms minimum on Linux).";

    /** No packet of a traced socket was dropped, for any reason. */
    public SELF hasNoDrops() {
        isNotNull();
        long d = actual.drops();
        if (d > 0) {
            failWithMessage("%s", String.format(Locale.ROOT,
                    "Expected no dropped packets, but measured %d drop%s, by reason %s.%n%s%n%s%s",
                    d, d == 1 ? "" : "s", nonZero(actual.dropsByReason()), WHY_DROPS, lossNote(),
                    eventsText(NetworkEvent.Kind.DROP)));
        }
        requireCompleteCount("no dropped packets", "0 drops");
        return myself;
    }

    /**
     * No packet was dropped for any reason but the given ones, e.g. {@code hasNoDropsOtherThan("TCP_OLD_DATA")}: on
     * loopback and veth a spurious retransmit (reordering between CPUs, no loss) makes the receiver discard the copy
     * it already has, which is not loss.
     */
    public SELF hasNoDropsOtherThan(String... allowedReasons) {
        isNotNull();
        java.util.Set<String> allowed = java.util.Arrays.stream(allowedReasons)
                .map(AbstractNetworkViewAssert::normalizeReason).collect(Collectors.toSet());
        long n = dropsWhere(r -> !allowed.contains(r));
        if (n > 0) {
            failWithMessage("%s", String.format(Locale.ROOT,
                    "Expected no packets dropped for reasons other than %s, but measured %d (all drops by reason: %s).%n%s%n%s%s",
                    allowed, n, nonZero(actual.dropsByReason()), WHY_DROPS, lossNote(), eventsText(NetworkEvent.Kind.DROP)));
        }
        requireCompleteCount("no packets dropped for reasons other than " + allowed,
                "0 (all drops by reason: " + nonZero(actual.dropsByReason()) + ")");
        return myself;
    }

    private long dropsWhere(java.util.function.Predicate<String> normalizedReason) {
        long n = 0;
        for (Map.Entry<String, Long> e : actual.dropsByReason().entrySet()) {
            if (normalizedReason.test(normalizeReason(e.getKey()))) {
                n += e.getValue();
            }
        }
        return n;
    }

    /**
     * No packet was dropped for the given kernel drop reason ({@code enum skb_drop_reason} name, with or without the
     * {@code SKB_DROP_REASON_} prefix, any case), e.g. {@code "NETFILTER_DROP"}.
     */
    public SELF hasNoDrops(String reason) {
        Objects.requireNonNull(reason, "reason");
        isNotNull();
        String wanted = normalizeReason(reason);
        long n = dropsWhere(wanted::equals);
        if (n > 0) {
            failWithMessage("%s", String.format(Locale.ROOT,
                    "Expected no packets dropped for reason %s, but measured %d (all drops by reason: %s).%n%s%n%s%s",
                    wanted, n, nonZero(actual.dropsByReason()), WHY_DROPS, lossNote(), eventsText(NetworkEvent.Kind.DROP)));
        }
        requireCompleteCount("no packets dropped for reason " + wanted, "0");
        return myself;
    }

    /** No RST was sent or received by a traced socket. */
    public SELF hasNoResets() {
        isNotNull();
        if (actual.resetsSent() + actual.resetsReceived() > 0) {
            failWithMessage("%s", String.format(Locale.ROOT,
                    "Expected no TCP resets, but measured %d sent and %d received.%n"
                            + "Why it matters: a reset aborts a connection; in-flight requests fail and must reconnect.%n%s%s",
                    actual.resetsSent(), actual.resetsReceived(), eventsText(NetworkEvent.Kind.RESET_SENT),
                    eventsText(NetworkEvent.Kind.RESET_RECEIVED)));
        }
        requireCompleteCount("no TCP resets", "0 sent and 0 received");
        return myself;
    }

    static String normalizeReason(String reason) {
        String r = reason.trim().toUpperCase(Locale.ROOT);
        return r.startsWith("SKB_DROP_REASON_") ? r.substring("SKB_DROP_REASON_".length()) : r;
    }

    static <K> Map<K, Long> nonZero(Map<K, Long> map) {
        Map<K, Long> out = new LinkedHashMap<>();
        map.forEach((k, v) -> {
            if (v != null && v != 0) {
                out.put(k, v);
            }
        });
        return out;
    }

    String eventsText(NetworkEvent.Kind kind) {
        List<NetworkEvent> events = actual.events().stream().filter(e -> e.kind() == kind).collect(Collectors.toList());
        if (events.isEmpty()) {
            return "";
        }
        int shown = Math.min(events.size(), 10);
        StringBuilder sb = new StringBuilder("Most recent " + kind + " events:\n");
        for (NetworkEvent e : events.subList(events.size() - shown, events.size())) {
            sb.append("  ").append(e).append('\n');
        }
        if (events.size() > shown) {
            sb.append("  (").append(events.size() - shown).append(" earlier events not shown)\n");
        }
        return sb.toString();
    }

    String latencyTable() {
        StringBuilder sb = new StringBuilder();
        for (Stage s : Stage.values()) {
            try {
                sb.append("  ").append(actual.latency(s).summary()).append('\n');
            } catch (RuntimeException e) {
                sb.append("  ").append(s).append(" could not be read: ").append(e.getMessage()).append('\n');
            }
        }
        return sb.length() == 0 ? "" : "Latency of the traced sockets:\n" + sb;
    }
}
