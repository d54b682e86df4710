// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToLongFunction;

/**
 * Independent kernel ground truth for TCP transmit timing: a TCP client socket made entirely through libc (JNA),
 * with {@code SO_TIMESTAMPING} = OPT_ID | OPT_TSONLY | TX_SCHED | TX_SOFTWARE | TX_ACK | SOFTWARE.
 *
 * <p>What the kernel gives (checked on 6.18, see kernel-notes "Ground truth"):
 * <ul>
 *   <li>TX_SCHED in {@code __dev_queue_xmit()} before the qdisc, TX_SOFTWARE in the driver's
 *       {@code skb_tx_timestamp()} (loopback and veth call it), TX_ACK when the cumulative ACK covers the key
 *       byte. All are CLOCK_REALTIME, as is {@link WriteTimestamps#callNanos()}.</li>
 *   <li>OPT_ID on TCP counts bytes: the key of a write is the offset of its last byte since timestamping was
 *       enabled, i.e. cumulative bytes sent - 1 (enabled right after connect, before any data). The test
 *       {@code TimestampingSocketTest} verifies this on the running kernel.</li>
 *   <li>The kernel keeps one key per skb: a later write appended to the same not-yet-sent skb replaces the
 *       earlier request, so writes without MSG_EOR may get no stamps at all (and the survivors are biased low).
 *       With {@code send(data, true)} (MSG_EOR) every write ends its skb and is stamped.</li>
 * </ul>
 *
 * <p>Usage: {@code connect}, optionally {@link #setTcpNoDelay}/{@link #setCongestionControl}/
 * {@link #setSendBuffer}, a number of {@link #send} calls, then {@link #collect}. The socket is blocking for
 * {@code send} with a send timeout ({@link #setSendTimeout}, default 10 s) so a peer that stops reading cannot
 * hang a test. One thread at a time; methods are synchronized.
 *
 * <p>Error-queue room: each stamp is an skb charged to the socket's receive buffer; when it is full the kernel
 * silently drops stamps. The constructor raises SO_RCVBUF to 4 MiB (SO_RCVBUFFORCE as root) and, unless
 * {@link #setDrainOnSend(boolean) disabled}, every {@code send} drains the error queue without blocking after
 * the write (after the call stamp and the send, so it does not move that write's own stamps).
 */
public final class TimestampingSocket implements AutoCloseable {

    /** The SO_TIMESTAMPING flags this socket enables (0x0B92). */
    public static final int TIMESTAMPING_FLAGS = LibC.SOF_TIMESTAMPING_OPT_ID
            | LibC.SOF_TIMESTAMPING_OPT_TSONLY
            | LibC.SOF_TIMESTAMPING_TX_SCHED
            | LibC.SOF_TIMESTAMPING_TX_SOFTWARE
            | LibC.SOF_TIMESTAMPING_TX_ACK
            | LibC.SOF_TIMESTAMPING_SOFTWARE;

    private static final int ERRQUEUE_RCVBUF = 4 << 20;
    private static final int CONTROL_LEN = 512;
    private static final int DATA_LEN = 256;
    private static final int MSGHDR_LEN = 56;
    /** Upper bound of messages read by one non-blocking drain (bounded loop). */
    private static final int MAX_DRAIN = 1_000_000;
    private static final long POLL_SLICE_MILLIS = 50;

    private final int family;
    private final InetSocketAddress local;
    private final InetSocketAddress remote;
    private int fd;

    private final long[] timespec = new long[2];
    private Memory sendBuf = new Memory(64 * 1024);
    private final Memory msghdr = new Memory(MSGHDR_LEN);
    private final Memory iov = new Memory(16);
    private final Memory data = new Memory(DATA_LEN);
    private final Memory control = new Memory(CONTROL_LEN);
    private final Memory pollfd = new Memory(8);

    private final List<Write> writes = new ArrayList<>();
    /** 32-bit key -> {sched, software, ack}, first stamp of each kind wins. */
    private final Map<Long, long[]> stamps = new HashMap<>();
    private long bytesSent;
    private long stampMessages;
    private long duplicateStamps;
    private long truncatedMessages;
    private long otherMessages;
    private long ipRecvErrCmsgs;
    private long ipv6RecvErrCmsgs;
    private boolean drainOnSend = true;

    private record Write(int index, long key, int bytes, boolean eor, long callNanos) {
    }

    private TimestampingSocket(int fd, int family) {
        this.fd = fd;
        this.family = family;
        this.local = SockAddr.localOf(fd);
        this.remote = SockAddr.peerOf(fd);
        iov.setPointer(0, data);
        iov.setLong(8, DATA_LEN);
    }

    /** Connects to {@code target} (IPv4: AF_INET socket, IPv6: AF_INET6 socket) within 5 s. */
    public static TimestampingSocket connect(InetSocketAddress target) throws IOException {
        return connect(target, false, Duration.ofSeconds(5));
    }

    /**
     * Connects to {@code target}.
     *
     * @param dualStack with an IPv4 target, use an AF_INET6 socket and the v4-mapped address, as JDK sockets do
     * @param timeout   bound of the connect
     */
    public static TimestampingSocket connect(InetSocketAddress target, boolean dualStack, Duration timeout)
            throws IOException {
        Objects.requireNonNull(target, "target");
        int family = SockAddr.familyFor(target.getAddress(), dualStack);
        byte[] sa = SockAddr.encode(target, family);
        int fd = LibC.socket(family, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, 0);
        if (fd < 0) {
            throw ioError("socket", Native.getLastError());
        }
        boolean ok = false;
        try {
            if (LibC.connect(fd, sa, sa.length) != 0) {
                int err = Native.getLastError();
                if (err != LibC.EINPROGRESS) {
                    throw ioError("connect " + target, err);
                }
                awaitConnected(fd, target, timeout);
            }
            int fl = LibC.fcntl(fd, LibC.F_GETFL, 0);
            if (fl < 0 || LibC.fcntl(fd, LibC.F_SETFL, fl & ~LibC.O_NONBLOCK) < 0) {
                throw ioError("fcntl", Native.getLastError());
            }
            // Error-queue room (stamps are charged to the receive buffer). Root may exceed rmem_max.
            if (setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, ERRQUEUE_RCVBUF) != 0) {
                setInt(fd, LibC.SOL_SOCKET, LibC.SO_RCVBUF, ERRQUEUE_RCVBUF);
            }
            // OPT_ID on TCP must be enabled on a connected socket (EINVAL in CLOSE/LISTEN); the key counter
            // starts at snd_una, which is the next byte we send since nothing was sent yet.
            if (setInt(fd, LibC.SOL_SOCKET, LibC.SO_TIMESTAMPING, TIMESTAMPING_FLAGS) != 0) {
                throw ioError("setsockopt(SO_TIMESTAMPING)", Native.getLastError());
            }
            TimestampingSocket s = new TimestampingSocket(fd, family);
            s.setSendTimeout(Duration.ofSeconds(10));
            ok = true;
            return s;
        } finally {
            if (!ok) {
                LibC.close(fd);
            }
        }
    }

    private static void awaitConnected(int fd, InetSocketAddress target, Duration timeout) throws IOException {
        Memory pfd = new Memory(8);
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < 10_000; i++) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new IOException("connect " + target + " timed out after " + timeout);
            }
            pfd.setInt(0, fd);
            pfd.setShort(4, LibC.POLLOUT);
            pfd.setShort(6, (short) 0);
            int n = LibC.poll(pfd, 1, (int) Math.min(left, Integer.MAX_VALUE));
            if (n < 0) {
                int err = Native.getLastError();
                if (err == LibC.EINTR) {
                    continue;
                }
                throw ioError("poll(connect)", err);
            }
            if (n > 0) {
                Memory v = new Memory(4);
                int[] len = {4};
                if (LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_ERROR, v, len) != 0) {
                    throw ioError("getsockopt(SO_ERROR)", Native.getLastError());
                }
                if (v.getInt(0) != 0) {
                    throw ioError("connect " + target, v.getInt(0));
                }
                return;
            }
        }
        throw new IOException("connect " + target + " did not complete");
    }

    // ------------------------------------------------------------------ options

    public synchronized void setTcpNoDelay(boolean on) throws IOException {
        check(setInt(fd(), LibC.IPPROTO_TCP, LibC.TCP_NODELAY, on ? 1 : 0), "setsockopt(TCP_NODELAY)");
    }

    /** TCP_CONGESTION, e.g. "cubic", "bbr", "reno" (must be in net.ipv4.tcp_available_congestion_control). */
    public synchronized void setCongestionControl(String algorithm) throws IOException {
        byte[] name = algorithm.getBytes(StandardCharsets.US_ASCII);
        Memory m = new Memory(name.length + 1);
        m.clear();
        m.write(0, name, 0, name.length);
        check(LibC.setsockopt(fd(), LibC.IPPROTO_TCP, LibC.TCP_CONGESTION, m, name.length), "setsockopt(TCP_CONGESTION "
                + algorithm + ")");
    }

    /** The socket's congestion control (getsockopt TCP_CONGESTION). */
    public synchronized String congestionControl() throws IOException {
        Memory m = new Memory(32);
        m.clear();
        int[] len = {32};
        check(LibC.getsockopt(fd(), LibC.IPPROTO_TCP, LibC.TCP_CONGESTION, m, len), "getsockopt(TCP_CONGESTION)");
        return m.getString(0, "US-ASCII");
    }

    /** SO_SNDBUF (the kernel doubles the value and caps it at net.core.wmem_max; see {@link #sendBuffer()}). */
    public synchronized void setSendBuffer(int bytes) throws IOException {
        check(setInt(fd(), LibC.SOL_SOCKET, LibC.SO_SNDBUF, bytes), "setsockopt(SO_SNDBUF)");
    }

    /** The effective SO_SNDBUF. */
    public synchronized int sendBuffer() throws IOException {
        Memory v = new Memory(4);
        int[] len = {4};
        check(LibC.getsockopt(fd(), LibC.SOL_SOCKET, LibC.SO_SNDBUF, v, len), "getsockopt(SO_SNDBUF)");
        return v.getInt(0);
    }

    /** SO_SNDTIMEO: bound of a blocked send (default 10 s); on expiry {@link #send} throws. */
    public synchronized void setSendTimeout(Duration timeout) throws IOException {
        Memory tv = new Memory(16);
        tv.setLong(0, timeout.getSeconds());
        tv.setLong(8, timeout.getNano() / 1000);
        check(LibC.setsockopt(fd(), LibC.SOL_SOCKET, LibC.SO_SNDTIMEO, tv, 16), "setsockopt(SO_SNDTIMEO)");
    }

    /** Whether {@link #send} drains the error queue (non-blocking) after each write; default true. */
    public synchronized void setDrainOnSend(boolean drain) {
        this.drainOnSend = drain;
    }

    // ------------------------------------------------------------------ sending

    /**
     * One {@code send()} of {@code data}, with {@code MSG_EOR} if {@code eor} (plus MSG_NOSIGNAL). Records the
     * CLOCK_REALTIME just before the call and the write's OPT_ID key (cumulative bytes sent - 1).
     *
     * <p>A blocking TCP send returns short only when interrupted by a signal or when the send timeout hits
     * after some bytes were queued; then the rest is sent with further send() calls (each with the same flags)
     * and the write is keyed by its final last byte. Stamps of the intermediate keys are counted in
     * {@link #unmatchedStamps()}. An empty {@code data} sends nothing and records nothing.
     *
     * @return bytes sent (always {@code data.length})
     * @throws IOException on a send error or when the send timeout expires with nothing more sent
     */
    public synchronized long send(byte[] data, boolean eor) throws IOException {
        int fd = fd();
        int len = data.length;
        if (len == 0) {
            return 0;
        }
        if (sendBuf.size() < len) {
            sendBuf = new Memory(Math.max(len, sendBuf.size() * 2));
        }
        sendBuf.write(0, data, 0, len);
        int flags = LibC.MSG_NOSIGNAL | (eor ? LibC.MSG_EOR : 0);
        long call = LibC.realtimeNanos(timespec);
        long off = 0;
        for (int attempts = 0; off < len; attempts++) {
            long n = LibC.send(fd, sendBuf.share(off), len - off, flags);
            if (n < 0) {
                int err = Native.getLastError();
                if (err == LibC.EINTR && attempts < 1000) {
                    continue;
                }
                bytesSent += off; // keep later keys right even when failing halfway
                throw ioError("send (" + off + " of " + len + " bytes sent)", err);
            }
            off += n;
        }
        bytesSent += len;
        writes.add(new Write(writes.size(), bytesSent - 1, len, eor, call));
        if (drainOnSend) {
            drain();
        }
        return len;
    }

    /**
     * Durations of {@code n} empty {@code send()} calls on this socket, each timed exactly as {@link #send} times a
     * write (CLOCK_REALTIME read, then the JNA call), sorted. An empty send walks a write's path into the kernel
     * (JNA, libc, syscall entry, {@code sock_sendmsg}, {@code lock_sock}, {@code tcp_sendmsg_locked}) and back, but
     * sends and stamps nothing: it measures how fast this machine runs that path (~1 µs on a host, ~10 µs in a guest
     * under QEMU's TCG). Call it outside a trace window: inside one, a tracer would count the empty sends as writes.
     */
    public synchronized long[] emptySendNanos(int n) throws IOException {
        int fd = fd();
        int flags = LibC.MSG_NOSIGNAL;
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long call = LibC.realtimeNanos(timespec);
            long r = LibC.send(fd, sendBuf.share(0), 0, flags);
            long back = LibC.realtimeNanos(timespec);
            if (r < 0) {
                throw ioError("send (empty)", Native.getLastError());
            }
            out[i] = back - call;
        }
        Arrays.sort(out);
        return out;
    }

    // ------------------------------------------------------------------ collecting

    /**
     * Drains the error queue until every recorded write has SCHED, SOFTWARE and ACK stamps or {@code timeout}
     * passes, and returns all writes recorded so far (in order), with -1 for missing stamps. May be called
     * again later; stamps are kept.
     */
    public synchronized List<WriteTimestamps> collect(Duration timeout) throws IOException {
        int fd = fd();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            drain();
            if (allComplete()) {
                break;
            }
            long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMillis <= 0) {
                break;
            }
            pollfd.setInt(0, fd);
            pollfd.setShort(4, (short) 0); // POLLERR is always reported: error queue non-empty
            pollfd.setShort(6, (short) 0);
            if (LibC.poll(pollfd, 1, (int) Math.min(leftMillis, POLL_SLICE_MILLIS)) < 0) {
                int err = Native.getLastError();
                if (err != LibC.EINTR) {
                    throw ioError("poll(errqueue)", err);
                }
            }
        }
        List<WriteTimestamps> out = new ArrayList<>(writes.size());
        for (Write w : writes) {
            long[] s = stamps.get(w.key() & 0xffff_ffffL);
            out.add(new WriteTimestamps(w.index(), w.key(), w.bytes(), w.eor(), w.callNanos(),
                    s == null ? -1 : s[0], s == null ? -1 : s[1], s == null ? -1 : s[2]));
        }
        return out;
    }

    private boolean allComplete() {
        for (Write w : writes) {
            long[] s = stamps.get(w.key() & 0xffff_ffffL);
            if (s == null || s[0] < 0 || s[1] < 0 || s[2] < 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads everything currently on the error queue without blocking. */
    private void drain() throws IOException {
        for (int i = 0; i < MAX_DRAIN; i++) {
            msghdr.clear();
            msghdr.setPointer(16, iov); // msg_iov
            msghdr.setLong(24, 1); // msg_iovlen
            msghdr.setPointer(32, control); // msg_control
            msghdr.setLong(40, CONTROL_LEN); // msg_controllen
            long n = LibC.recvmsg(fd, msghdr, LibC.MSG_ERRQUEUE | LibC.MSG_DONTWAIT);
            if (n < 0) {
                int err = Native.getLastError();
                if (err == LibC.EAGAIN) {
                    return;
                }
                if (err == LibC.EINTR) {
                    continue;
                }
                throw ioError("recvmsg(MSG_ERRQUEUE)", err);
            }
            if ((msghdr.getInt(48) & LibC.MSG_CTRUNC) != 0) {
                truncatedMessages++;
            }
            parse(msghdr.getLong(40));
        }
    }

    /** Walks the cmsgs (x86_64: 16-byte cmsghdr {size_t len; int level; int type}, 8-byte CMSG_ALIGN). */
    private void parse(long controlLen) {
        long ts = -1;
        int origin = -1;
        int info = -1;
        long key = -1;
        long off = 0;
        while (off + 16 <= controlLen) {
            long len = control.getLong(off);
            int level = control.getInt(off + 8);
            int type = control.getInt(off + 12);
            if (len < 16 || off + len > controlLen) {
                break;
            }
            long d = off + 16;
            if (level == LibC.SOL_SOCKET && type == LibC.SCM_TIMESTAMPING && len >= 16 + 16) {
                // struct scm_timestamping { struct timespec ts[3]; } ts[0] = software stamp
                ts = control.getLong(d) * 1_000_000_000L + control.getLong(d + 8);
            } else if ((level == LibC.SOL_IP && type == LibC.IP_RECVERR)
                    || (level == LibC.SOL_IPV6 && type == LibC.IPV6_RECVERR)) {
                if (level == LibC.SOL_IP) {
                    ipRecvErrCmsgs++;
                } else {
                    ipv6RecvErrCmsgs++;
                }
                // struct sock_extended_err { u32 ee_errno; u8 origin, type, code, pad; u32 ee_info; u32 ee_data; }
                origin = control.getByte(d + 4) & 0xff;
                info = control.getInt(d + 8);
                key = Integer.toUnsignedLong(control.getInt(d + 12));
            }
            off += (len + 7) & ~7L;
        }
        if (origin != LibC.SO_EE_ORIGIN_TIMESTAMPING || ts < 0 || key < 0) {
            otherMessages++;
            return;
        }
        int slot;
        switch (info) {
            case LibC.SCM_TSTAMP_SCHED -> slot = 0;
            case LibC.SCM_TSTAMP_SND -> slot = 1;
            case LibC.SCM_TSTAMP_ACK -> slot = 2;
            default -> {
                otherMessages++;
                return;
            }
        }
        stampMessages++;
        long[] s = stamps.computeIfAbsent(key, k -> new long[] {-1, -1, -1});
        if (s[slot] < 0) {
            s[slot] = ts;
        } else {
            duplicateStamps++;
        }
    }

    // ------------------------------------------------------------------ info

    /** TCP_INFO of this socket. */
    public synchronized TcpInfo tcpInfo() {
        return TcpInfo.of(fd());
    }

    /**
     * Waits, at most {@code timeout}, until the peer has ACKed everything this socket sent (TCP_INFO unacked 0), so
     * that no packet of it is in flight; returns whether it got there.
     */
    public boolean awaitAllAcked(Duration timeout) throws InterruptedException {
        for (long end = System.nanoTime() + timeout.toNanos(); tcpInfo().unacked() > 0; Thread.sleep(1)) {
            if (System.nanoTime() >= end) {
                return false;
            }
        }
        return true;
    }

    /** The raw descriptor (owned by this object: do not close it). */
    public synchronized int fd() {
        if (fd < 0) {
            throw new IllegalStateException("socket closed");
        }
        return fd;
    }

    /** AF_INET (2) or AF_INET6 (10). */
    public int family() {
        return family;
    }

    public int localPort() {
        return local.getPort();
    }

    public int remotePort() {
        return remote.getPort();
    }

    public InetSocketAddress localAddress() {
        return local;
    }

    public InetSocketAddress remoteAddress() {
        return remote;
    }

    /** Bytes sent since timestamping was enabled (the next write's first byte has this key offset). */
    public synchronized long bytesSent() {
        return bytesSent;
    }

    public synchronized int writeCount() {
        return writes.size();
    }

    /** Timestamp messages read from the error queue so far. */
    public synchronized long stampMessages() {
        return stampMessages;
    }

    /** Stamps whose key belongs to no recorded write (e.g. intermediate keys of a partial send). */
    public synchronized long unmatchedStamps() {
        long n = 0;
        for (Map.Entry<Long, long[]> e : stamps.entrySet()) {
            if (!isWriteKey(e.getKey())) {
                for (long v : e.getValue()) {
                    n += v >= 0 ? 1 : 0;
                }
            }
        }
        return n;
    }

    /** Stamps of a kind that arrived again for the same key (e.g. retransmits); only the first one is used. */
    public synchronized long duplicateStamps() {
        return duplicateStamps;
    }

    /** Error-queue messages whose control data was truncated (MSG_CTRUNC); should be 0. */
    public synchronized long truncatedMessages() {
        return truncatedMessages;
    }

    /** Error-queue messages that were not timestamps. */
    public synchronized long otherMessages() {
        return otherMessages;
    }

    /** Error-queue cmsgs seen at SOL_IP/IP_RECVERR (AF_INET sockets). */
    public synchronized long ipRecvErrCmsgs() {
        return ipRecvErrCmsgs;
    }

    /** Error-queue cmsgs seen at SOL_IPV6/IPV6_RECVERR (AF_INET6 sockets, also when carrying IPv4). */
    public synchronized long ipv6RecvErrCmsgs() {
        return ipv6RecvErrCmsgs;
    }

    /** The sorted 32-bit keys of all stamps received (for diagnostics and key checks). */
    public synchronized long[] stampKeys() {
        long[] k = stamps.keySet().stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(k);
        return k;
    }

    private boolean isWriteKey(long key32) {
        for (Write w : writes) {
            if ((w.key() & 0xffff_ffffL) == key32) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            LibC.close(fd);
            fd = -1;
        }
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Nearest-rank percentile: the smallest value such that at least {@code p} percent of the values are
     * less than or equal to it, i.e. the element at rank {@code ceil(p/100 * n)} (1-based) of the sorted values;
     * {@code p = 0} gives the minimum. Does not modify {@code values}.
     *
     * @param p percent in [0, 100]
     * @throws IllegalArgumentException for empty values or p outside [0, 100]
     */
    public static long percentile(long[] values, double p) {
        if (values == null || values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        if (!(p >= 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in [0, 100]: " + p);
        }
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }

    /** The values of {@code stage} over {@code writes}, leaving out missing ones (negative). */
    public static long[] values(List<WriteTimestamps> writes, ToLongFunction<WriteTimestamps> stage) {
        return writes.stream().mapToLong(stage).filter(v -> v >= 0).toArray();
    }

    private static int setInt(int fd, int level, int name, int value) {
        Memory v = new Memory(4);
        v.setInt(0, value);
        return LibC.setsockopt(fd, level, name, v, 4);
    }

    private static void check(int rc, String what) throws IOException {
        if (rc != 0) {
            throw ioError(what, Native.getLastError());
        }
    }

    private static IOException ioError(String what, int errno) {
        return new IOException(what + ": " + LibC.errorText(errno));
    }
}
