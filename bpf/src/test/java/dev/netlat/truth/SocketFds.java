// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import com.sun.jna.Memory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Finds the kernel file descriptor behind a JDK socket <b>without</b> {@code --add-opens}: it walks
 * {@code /proc/self/fd}, keeps the descriptors that are {@code SOCK_STREAM} sockets, and matches them by
 * {@code getsockname}/{@code getpeername} (address and port, with v4-mapped IPv6 addresses treated as IPv4,
 * as the JDK's dual-stack sockets report them).
 *
 * <p>Reflection would be simpler but needs {@code --add-opens java.base/sun.nio.ch=ALL-UNNAMED}
 * (SocketChannelImpl/NioSocketImpl {@code fdVal}) and, for {@code java.net.Socket}, also
 * {@code --add-opens java.base/java.net=ALL-UNNAMED} and {@code java.base/java.io} (FileDescriptor.fd).
 *
 * <p>The descriptor is only valid while the JDK socket stays open; do not close it yourself.
 */
public final class SocketFds {
    private SocketFds() {
    }

    /** The fd of a connected {@link Socket}. */
    public static int fdOf(Socket socket) {
        if (!socket.isConnected() || socket.isClosed()) {
            throw new IllegalArgumentException("socket is not connected/open: " + socket);
        }
        return fdOf((InetSocketAddress) socket.getLocalSocketAddress(),
                (InetSocketAddress) socket.getRemoteSocketAddress());
    }

    /** The fd of a connected {@link SocketChannel}. */
    public static int fdOf(SocketChannel channel) {
        try {
            return fdOf((InetSocketAddress) channel.getLocalAddress(),
                    (InetSocketAddress) channel.getRemoteAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The fd of a listening {@link ServerSocket}. */
    public static int fdOf(ServerSocket server) {
        return fdOf((InetSocketAddress) server.getLocalSocketAddress(), null);
    }

    /** The fd of a listening {@link ServerSocketChannel}. */
    public static int fdOf(ServerSocketChannel server) {
        try {
            return fdOf((InetSocketAddress) server.getLocalAddress(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The single TCP socket fd of this process whose local address is {@code local} and whose peer is
     * {@code remote} ({@code null}: not connected, i.e. a listener).
     *
     * @throws IllegalStateException when none or more than one descriptor matches
     */
    public static int fdOf(InetSocketAddress local, InetSocketAddress remote) {
        Objects.requireNonNull(local, "local");
        List<Integer> hits = new ArrayList<>();
        for (int fd : socketFds()) {
            if (!isStream(fd)) {
                continue;
            }
            InetSocketAddress l = SockAddr.localOf(fd);
            InetSocketAddress r = SockAddr.peerOf(fd);
            if (same(local, l) && (remote == null ? r == null : same(remote, r))) {
                hits.add(fd);
            }
        }
        if (hits.size() != 1) {
            throw new IllegalStateException("expected one TCP socket fd for local " + local + " remote " + remote
                    + ", found " + hits);
        }
        return hits.get(0);
    }

    /** Like {@link #fdOf(InetSocketAddress, InetSocketAddress)} but empty instead of throwing. */
    public static OptionalInt find(InetSocketAddress local, InetSocketAddress remote) {
        try {
            return OptionalInt.of(fdOf(local, remote));
        } catch (IllegalStateException e) {
            return OptionalInt.empty();
        }
    }

    private static boolean same(InetSocketAddress want, SocketAddress got) {
        if (!(got instanceof InetSocketAddress g) || g.getPort() != want.getPort()) {
            return false;
        }
        if (want.getAddress() == null || want.getAddress().isAnyLocalAddress()) {
            return g.getAddress() != null && g.getAddress().isAnyLocalAddress();
        }
        return g.getAddress() != null && Arrays.equals(want.getAddress().getAddress(), g.getAddress().getAddress());
    }

    private static boolean isStream(int fd) {
        Memory v = new Memory(4);
        int[] len = {4};
        return LibC.getsockopt(fd, LibC.SOL_SOCKET, LibC.SO_TYPE, v, len) == 0 && v.getInt(0) == LibC.SOCK_STREAM;
    }

    private static List<Integer> socketFds() {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                try {
                    if (Files.readSymbolicLink(p).toString().startsWith("socket:")) {
                        fds.add(Integer.parseInt(p.getFileName().toString()));
                    }
                } catch (IOException | NumberFormatException ignored) {
                    // fd closed meanwhile (or the directory stream's own fd)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fds;
    }
}
