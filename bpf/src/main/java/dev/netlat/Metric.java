// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.util.Optional;

/**
 * What a {@link LatencyDistribution} measures: one of the transmit {@link Stage}s, or {@link #RTT}, which is no stage
 * of a write's way out but a round trip ({@link NetworkView#rtt()}). The order is that of the kernel's histogram ids
 * ({@code NL_HIST_*} in netlat.h; BpfObjectGuardTest checks it).
 */
public enum Metric {
    SOCKET(Stage.SOCKET),
    QDISC(Stage.QDISC),
    DEVICE(Stage.DEVICE),
    TOTAL(Stage.TOTAL),
    ACK(Stage.ACK),
    /** Per packet: first transmission at {@code net_dev_queue} until the ACK that covers it (Karn: no retransmits). */
    RTT(null);

    private final Stage stage;

    Metric(Stage stage) {
        this.stage = stage;
    }

    /** The stage this metric is; empty for {@link #RTT}. */
    public Optional<Stage> stage() {
        return Optional.ofNullable(stage);
    }

    /** Whether it is measured per write or per packet (RTT: per packet). */
    public Stage.Unit unit() {
        return stage == null ? Stage.Unit.PACKET : stage.unit();
    }

    /** The metric of a stage. */
    public static Metric of(Stage stage) {
        // exhaustive: a stage added without its metric does not compile
        return switch (stage) {
            case SOCKET -> SOCKET;
            case QDISC -> QDISC;
            case DEVICE -> DEVICE;
            case TOTAL -> TOTAL;
            case ACK -> ACK;
        };
    }
}
