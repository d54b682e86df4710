// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import com.sun.jna.Memory;
import com.sun.jna.Native;

/**
 * A few fields of the kernel's {@code struct tcp_info} (getsockopt(IPPROTO_TCP, TCP_INFO)).
 *
 * <p>Offsets from /usr/include/linux/tcp.h on Debian 12, confirmed with {@code offsetof} on x86_64:
 * state 0, unacked 24, lost 32, retrans 36, rtt 68, rttvar 72, snd_cwnd 80, total_retrans 100,
 * bytes_acked 120, bytes_received 128, segs_out 136, notsent_bytes 144, bytes_sent 200, bytes_retrans 208.
 * The kernel copies {@code min(optlen, sizeof(struct tcp_info))}; a field beyond what it returned reads as -1.
 *
 * @param state         tcpi_state (1 = ESTABLISHED)
 * @param totalRetrans  tcpi_total_retrans: segments retransmitted over the connection's life
 * @param retrans       tcpi_retrans: segments retransmitted and not yet acknowledged (now)
 * @param unacked       tcpi_unacked: segments sent and not yet acknowledged (now)
 * @param lost          tcpi_lost: segments the sender currently counts as lost
 * @param rttMicros     tcpi_rtt: smoothed RTT in microseconds
 * @param rttVarMicros  tcpi_rttvar in microseconds
 * @param sndCwnd       tcpi_snd_cwnd in segments
 * @param bytesAcked    tcpi_bytes_acked (RFC 4898 HCThruOctetsAcked); excludes SYN/FIN
 * @param bytesReceived tcpi_bytes_received
 * @param segsOut       tcpi_segs_out
 * @param notsentBytes  tcpi_notsent_bytes: bytes in the write queue not yet sent
 * @param bytesSent     tcpi_bytes_sent (includes retransmitted bytes)
 * @param bytesRetrans  tcpi_bytes_retrans
 */
public record TcpInfo(int state, long totalRetrans, long retrans, long unacked, long lost, long rttMicros,
                      long rttVarMicros, long sndCwnd, long bytesAcked, long bytesReceived, long segsOut,
                      long notsentBytes, long bytesSent, long bytesRetrans) {

    static final int OFF_STATE = 0;
    static final int OFF_UNACKED = 24;
    static final int OFF_LOST = 32;
    static final int OFF_RETRANS = 36;
    static final int OFF_RTT = 68;
    static final int OFF_RTTVAR = 72;
    static final int OFF_SND_CWND = 80;
    static final int OFF_TOTAL_RETRANS = 100;
    static final int OFF_BYTES_ACKED = 120;
    static final int OFF_BYTES_RECEIVED = 128;
    static final int OFF_SEGS_OUT = 136;
    static final int OFF_NOTSENT_BYTES = 144;
    static final int OFF_BYTES_SENT = 200;
    static final int OFF_BYTES_RETRANS = 208;
    /** Larger than any kernel's struct tcp_info so far (232 in the 6.1 headers; newer kernels grew it). */
    private static final int BUFFER = 512;

    /** TCP_INFO of any TCP socket descriptor of this process. */
    public static TcpInfo of(int fd) {
        Memory m = new Memory(BUFFER);
        m.clear();
        int[] len = {BUFFER};
        if (LibC.getsockopt(fd, LibC.IPPROTO_TCP, LibC.TCP_INFO, m, len) != 0) {
            throw new IllegalStateException("getsockopt(TCP_INFO) on fd " + fd + ": "
                    + LibC.errorText(Native.getLastError()));
        }
        int n = len[0];
        return new TcpInfo(
                n > OFF_STATE ? m.getByte(OFF_STATE) & 0xff : -1,
                u32(m, n, OFF_TOTAL_RETRANS),
                u32(m, n, OFF_RETRANS),
                u32(m, n, OFF_UNACKED),
                u32(m, n, OFF_LOST),
                u32(m, n, OFF_RTT),
                u32(m, n, OFF_RTTVAR),
                u32(m, n, OFF_SND_CWND),
                u64(m, n, OFF_BYTES_ACKED),
                u64(m, n, OFF_BYTES_RECEIVED),
                u32(m, n, OFF_SEGS_OUT),
                u32(m, n, OFF_NOTSENT_BYTES),
                u64(m, n, OFF_BYTES_SENT),
                u64(m, n, OFF_BYTES_RETRANS));
    }

    private static long u32(Memory m, int len, int off) {
        return len >= off + 4 ? Integer.toUnsignedLong(m.getInt(off)) : -1;
    }

    private static long u64(Memory m, int len, int off) {
        return len >= off + 8 ? m.getLong(off) : -1;
    }
}
