// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking IPv4 TCP client made with libc calls, so the test can read the socket's own {@code TCP_INFO}
 * (total_retrans, bytes_acked), pick its congestion control and bound every call with SO_SNDTIMEO.
 */
final class NativeTcpClient implements AutoCloseable {
    private static final int AF_INET = 2;
    private static final int SOCK_STREAM = 1;
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDTIMEO = 21;
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_INFO = 11;
    private static final int TCP_CONGESTION = 13;
    private static final int SHUT_WR = 1;

    interface C extends Library {
        C I = Native.load("c", C.class);

        int socket(int domain, int type, int protocol) throws LastErrorException;

        int connect(int fd, byte[] addr, int len) throws LastErrorException;

        long send(int fd, byte[] buf, long len, int flags) throws LastErrorException;

        int setsockopt(int fd, int level, int name, byte[] value, int len) throws LastErrorException;

        int getsockopt(int fd, int level, int name, byte[] value, IntByReference len) throws LastErrorException;

        int shutdown(int fd, int how) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    /** The parts of struct tcp_info the tests use (offsets from linux/tcp.h). */
    record TcpInfo(int totalRetrans, long bytesAcked, long bytesSent, long bytesRetrans) {
    }

    private final int fd;
    private boolean closed;

    private NativeTcpClient(int fd) {
        this.fd = fd;
    }

    /** Connects to addr:port; {@code congestion} like "cubic" or null for the system default. */
    static NativeTcpClient connect(Inet4Address addr, int port, String congestion, Duration timeout) {
        int fd = C.I.socket(AF_INET, SOCK_STREAM, 0);
        NativeTcpClient c = new NativeTcpClient(fd);
        try {
            ByteBuffer tv = ByteBuffer.allocate(16).order(ByteOrder.nativeOrder());
            tv.putLong(timeout.toSeconds()).putLong(timeout.toMillisPart() * 1000L);
            C.I.setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, tv.array(), 16);
            if (congestion != null) {
                byte[] name = congestion.getBytes(StandardCharsets.US_ASCII);
                C.I.setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, name, name.length);
            }
            ByteBuffer sa = ByteBuffer.allocate(16);
            sa.order(ByteOrder.nativeOrder()).putShort((short) AF_INET);
            sa.order(ByteOrder.BIG_ENDIAN).putShort((short) port);
            sa.put(addr.getAddress());
            C.I.connect(fd, sa.array(), 16);
            return c;
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Sends all of buf (blocking; SO_SNDTIMEO bounds each call). */
    void sendAll(byte[] buf) {
        long off = 0;
        byte[] chunk = buf;
        while (off < buf.length) {
            if (off > 0) {
                chunk = java.util.Arrays.copyOfRange(buf, (int) off, buf.length);
            }
            long n = C.I.send(fd, chunk, chunk.length, 0);
            off += n;
        }
    }

    void shutdownOutput() {
        C.I.shutdown(fd, SHUT_WR);
    }

    TcpInfo tcpInfo() {
        byte[] b = new byte[232];
        IntByReference len = new IntByReference(b.length);
        C.I.getsockopt(fd, IPPROTO_TCP, TCP_INFO, b, len);
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        return new TcpInfo(bb.getInt(100), bb.getLong(120), bb.getLong(200), bb.getLong(208));
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            C.I.close(fd);
        }
    }
}
