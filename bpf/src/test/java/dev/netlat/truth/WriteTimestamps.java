// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

/**
 * Kernel transmit timestamps of one {@link TimestampingSocket#send(byte[], boolean) send()} call.
 *
 * <p>All {@code ...Nanos} stamps are CLOCK_REALTIME nanoseconds since the epoch; -1 means the kernel delivered
 * no such stamp for this write's key (see {@link TimestampingSocket} on why writes without MSG_EOR lose stamps).
 *
 * <p>Naming: the ACK <em>timestamp</em> is {@link #ackStampNanos()}; {@link #ackNanos()} is the derived
 * delay {@code ack - call}, like {@link #socketStageNanos()} and {@link #totalNanos()}.
 *
 * @param index         0-based position of the write on its socket
 * @param key           the OPT_ID key: byte offset of the write's last byte since timestamping was enabled
 *                      (cumulative bytes sent - 1). The kernel reports it modulo 2^32.
 * @param bytes         bytes this write sent
 * @param eor           whether the write was sent with MSG_EOR
 * @param callNanos     CLOCK_REALTIME read just before the send() call
 * @param schedNanos    SCM_TSTAMP_SCHED: taken in {@code __dev_queue_xmit()} before the qdisc
 * @param softwareNanos SCM_TSTAMP_SND: taken by the driver's {@code skb_tx_timestamp()}
 * @param ackStampNanos SCM_TSTAMP_ACK: taken when the cumulative ACK covered the key byte
 */
public record WriteTimestamps(int index, long key, int bytes, boolean eor, long callNanos, long schedNanos,
                              long softwareNanos, long ackStampNanos) {

    /** SCHED - call: time from the send() call until the packet reached the device layer; -1 if missing. */
    public long socketStageNanos() {
        return diff(schedNanos, callNanos);
    }

    /** SOFTWARE - SCHED: on lo/veth (driver stamps at entry) about the qdisc stage; -1 if missing. */
    public long qdiscStageNanos() {
        return diff(softwareNanos, schedNanos);
    }

    /** SOFTWARE - call: from the send() call to the driver's transmit; -1 if missing. */
    public long totalNanos() {
        return diff(softwareNanos, callNanos);
    }

    /** ACK - call: from the send() call until the peer's cumulative ACK covered the last byte; -1 if missing. */
    public long ackNanos() {
        return diff(ackStampNanos, callNanos);
    }

    public boolean hasSched() {
        return schedNanos >= 0;
    }

    public boolean hasSoftware() {
        return softwareNanos >= 0;
    }

    public boolean hasAck() {
        return ackStampNanos >= 0;
    }

    /** SCHED, SOFTWARE and ACK all present. */
    public boolean complete() {
        return hasSched() && hasSoftware() && hasAck();
    }

    /** True when no stamp at all arrived for this write's key. */
    public boolean unstamped() {
        return !hasSched() && !hasSoftware() && !hasAck();
    }

    private static long diff(long later, long earlier) {
        return later < 0 || earlier < 0 ? -1 : later - earlier;
    }
}
