// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Encoding and decoding of {@code struct sockaddr_in} / {@code sockaddr_in6} (x86_64 little-endian host). */
final class SockAddr {
    static final int SOCKADDR_IN_LEN = 16;
    static final int SOCKADDR_IN6_LEN = 28;
    /** Big enough for any sockaddr_storage. */
    static final int STORAGE_LEN = 128;

    private SockAddr() {
    }

    /** The address family to use for a destination: AF_INET for IPv4 (unless {@code dualStack}), else AF_INET6. */
    static int familyFor(InetAddress address, boolean dualStack) {
        return (address instanceof Inet4Address && !dualStack) ? LibC.AF_INET : LibC.AF_INET6;
    }

    /**
     * Encodes {@code target} for a socket of {@code family}. An IPv4 address on an AF_INET6 socket becomes the
     * v4-mapped address {@code ::ffff:a.b.c.d}, as Java's own dual-stack sockets do.
     */
    static byte[] encode(InetSocketAddress target, int family) {
        InetAddress a = target.getAddress();
        if (a == null) {
            throw new IllegalArgumentException("unresolved address: " + target);
        }
        int port = target.getPort();
        if (family == LibC.AF_INET) {
            if (!(a instanceof Inet4Address)) {
                throw new IllegalArgumentException("AF_INET socket needs an IPv4 address: " + a);
            }
            byte[] b = new byte[SOCKADDR_IN_LEN];
            b[0] = (byte) LibC.AF_INET;
            b[1] = 0;
            b[2] = (byte) (port >>> 8);
            b[3] = (byte) port;
            System.arraycopy(a.getAddress(), 0, b, 4, 4);
            return b;
        }
        byte[] b = new byte[SOCKADDR_IN6_LEN];
        b[0] = (byte) LibC.AF_INET6;
        b[1] = 0;
        b[2] = (byte) (port >>> 8);
        b[3] = (byte) port;
        // b[4..8) sin6_flowinfo = 0
        if (a instanceof Inet4Address) {
            b[8 + 10] = (byte) 0xff;
            b[8 + 11] = (byte) 0xff;
            System.arraycopy(a.getAddress(), 0, b, 8 + 12, 4);
        } else {
            System.arraycopy(a.getAddress(), 0, b, 8, 16);
            int scope = ((Inet6Address) a).getScopeId();
            b[24] = (byte) scope;
            b[25] = (byte) (scope >>> 8);
            b[26] = (byte) (scope >>> 16);
            b[27] = (byte) (scope >>> 24);
        }
        return b;
    }

    /** Decodes a sockaddr in {@code p}; v4-mapped IPv6 addresses come back as {@link Inet4Address}. */
    static InetSocketAddress decode(Pointer p, int len) {
        if (len < 2) {
            return null;
        }
        int family = (p.getByte(0) & 0xff) | ((p.getByte(1) & 0xff) << 8);
        int port = ((p.getByte(2) & 0xff) << 8) | (p.getByte(3) & 0xff);
        try {
            if (family == LibC.AF_INET && len >= SOCKADDR_IN_LEN) {
                return new InetSocketAddress(InetAddress.getByAddress(p.getByteArray(4, 4)), port);
            }
            if (family == LibC.AF_INET6 && len >= SOCKADDR_IN6_LEN) {
                // getByAddress turns ::ffff:a.b.c.d into an Inet4Address by itself
                return new InetSocketAddress(InetAddress.getByAddress(p.getByteArray(8, 16)), port);
            }
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
        return null;
    }

    static InetSocketAddress localOf(int fd) {
        Memory m = new Memory(STORAGE_LEN);
        int[] len = {STORAGE_LEN};
        return LibC.getsockname(fd, m, len) == 0 ? decode(m, len[0]) : null;
    }

    static InetSocketAddress peerOf(int fd) {
        Memory m = new Memory(STORAGE_LEN);
        int[] len = {STORAGE_LEN};
        return LibC.getpeername(fd, m, len) == 0 ? decode(m, len[0]) : null;
    }
}
