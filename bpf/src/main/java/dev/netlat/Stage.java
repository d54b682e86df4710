// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/**
 * The stages of a TCP transmit that netlat times. Each names the two kernel places it is measured between.
 *
 * <p>Per-write stages start at the write call ({@code tcp:tcp_sendmsg_locked}, first firing for the call) and end
 * at an event of the packet that carries the write's last byte. Per-packet stages follow each packet that carries
 * first-transmitted data. Retransmitted copies are never counted here (see {@link NetworkView#retransmits()}).
 */
public enum Stage {
    /** Per write: the call until the packet with its last byte first enters the qdisc layer ({@code net:net_dev_queue}). */
    SOCKET(Unit.WRITE, "tcp_sendmsg_locked -> net_dev_queue"),
    /** Per packet: {@code net:net_dev_queue} until {@code net:net_dev_start_xmit}. Not applicable on {@code noqueue} devices such as {@code lo}. */
    QDISC(Unit.PACKET, "net_dev_queue -> net_dev_start_xmit"),
    /** Per packet: {@code net:net_dev_start_xmit} until the device is done: {@code net:netif_rx} on lo/veth, the TX-completion free on NICs. */
    DEVICE(Unit.PACKET, "net_dev_start_xmit -> netif_rx | consume_skb"),
    /** Per write: the call until the device is done with the packet carrying the write's last byte. */
    TOTAL(Unit.WRITE, "tcp_sendmsg_locked -> netif_rx | consume_skb"),
    /** Per write: the call until the first cumulative ACK that covers the write's last byte ({@code tcp:tcp_probe}). */
    ACK(Unit.WRITE, "tcp_sendmsg_locked -> tcp_probe(ack)");

    /** What one sample of a stage stands for. */
    public enum Unit { WRITE, PACKET }

    private final Unit unit;
    private final String kernelPlaces;

    Stage(Unit unit, String kernelPlaces) {
        this.unit = unit;
        this.kernelPlaces = kernelPlaces;
    }

    public Unit unit() {
        return unit;
    }

    /** The tracepoints this stage is measured between, for reports. */
    public String kernelPlaces() {
        return kernelPlaces;
    }

    /** Lower-case name used in reports and metric names ({@code netlat.qdisc.p0.99}). */
    public String key() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a stage name case-insensitively, with a message listing the valid names. */
    public static Stage parse(String name) {
        for (Stage s : values()) {
            if (s.name().equalsIgnoreCase(name.trim())) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown stage '" + name + "'; valid stages: "
                + java.util.Arrays.toString(values()));
    }
}
