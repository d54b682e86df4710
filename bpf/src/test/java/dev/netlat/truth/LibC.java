// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Direct-mapped libc calls used by the ground-truth helpers (x86_64 Linux, LP64: {@code size_t},
 * {@code ssize_t}, {@code socklen_t*} and {@code nfds_t} mapped as shown). Direct mapping keeps the JNA
 * overhead between the {@code clock_gettime} that stamps a write and the {@code send} itself small.
 *
 * <p>After a call returns -1, {@link Native#getLastError()} holds {@code errno}.
 */
final class LibC {
    static {
        Native.register("c");
    }

    private LibC() {
    }

    // ---- constants, values from /usr/include on Debian 12 x86_64 (checked with offsetof/printf) ----
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOCK_NONBLOCK = 0x800;
    static final int F_GETFL = 3;
    static final int F_SETFL = 4;
    static final int O_NONBLOCK = 0x800;

    static final int SOL_SOCKET = 1;
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    static final int IPPROTO_TCP = 6;

    static final int SO_TYPE = 3;
    static final int SO_ERROR = 4;
    static final int SO_SNDTIMEO = 21;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_RCVBUFFORCE = 33;
    /** SO_TIMESTAMPING_OLD; equals SO_TIMESTAMPING and SCM_TIMESTAMPING on x86_64 (64-bit time_t). */
    static final int SO_TIMESTAMPING = 37;
    static final int SCM_TIMESTAMPING = 37;

    static final int IP_RECVERR = 11;
    static final int IPV6_RECVERR = 25;

    static final int TCP_NODELAY = 1;
    static final int TCP_INFO = 11;
    static final int TCP_CONGESTION = 13;

    static final int MSG_CTRUNC = 0x8;
    static final int MSG_DONTWAIT = 0x40;
    static final int MSG_EOR = 0x80;
    static final int MSG_ERRQUEUE = 0x2000;
    static final int MSG_NOSIGNAL = 0x4000;

    static final short POLLIN = 0x1;
    static final short POLLOUT = 0x4;
    static final short POLLERR = 0x8;

    static final int CLOCK_REALTIME = 0;

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EINPROGRESS = 115;

    // linux/net_tstamp.h
    static final int SOF_TIMESTAMPING_TX_SOFTWARE = 1 << 1;
    static final int SOF_TIMESTAMPING_SOFTWARE = 1 << 4;
    static final int SOF_TIMESTAMPING_OPT_ID = 1 << 7;
    static final int SOF_TIMESTAMPING_TX_SCHED = 1 << 8;
    static final int SOF_TIMESTAMPING_TX_ACK = 1 << 9;
    static final int SOF_TIMESTAMPING_OPT_TSONLY = 1 << 11;

    // linux/errqueue.h
    static final int SO_EE_ORIGIN_TIMESTAMPING = 4;
    static final int SCM_TSTAMP_SND = 0;
    static final int SCM_TSTAMP_SCHED = 1;
    static final int SCM_TSTAMP_ACK = 2;

    // ---- functions ----
    static native int socket(int domain, int type, int protocol);

    static native int connect(int fd, byte[] addr, int addrlen);

    static native int setsockopt(int fd, int level, int name, Pointer value, int len);

    static native int getsockopt(int fd, int level, int name, Pointer value, int[] len);

    static native int getsockname(int fd, Pointer addr, int[] addrlen);

    static native int getpeername(int fd, Pointer addr, int[] addrlen);

    static native long send(int fd, Pointer buf, long len, int flags);

    static native long recvmsg(int fd, Pointer msghdr, int flags);

    /** {@code struct pollfd} array of one: int fd, short events, short revents. */
    static native int poll(Pointer fds, long nfds, int timeoutMillis);

    static native int clock_gettime(int clockId, long[] timespec);

    static native int close(int fd);

    /** fcntl with an int argument (F_GETFL/F_SETFL); fine for the x86_64 variadic ABI. */
    static native int fcntl(int fd, int cmd, int arg);

    static native Pointer strerror(int errnum);

    static String errorText(int errno) {
        Pointer p = strerror(errno);
        return (p == null ? "errno" : p.getString(0)) + " (errno " + errno + ")";
    }

    /** CLOCK_REALTIME in nanoseconds since the epoch. */
    static long realtimeNanos(long[] scratch) {
        clock_gettime(CLOCK_REALTIME, scratch);
        return scratch[0] * 1_000_000_000L + scratch[1];
    }
}
