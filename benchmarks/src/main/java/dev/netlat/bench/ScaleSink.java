// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The server side of the scale check, in its own JVM so the traced JVM spends its descriptors on client sockets only:
 * listens on 127.0.0.1 (port printed on the first line of stdout), accepts and discards everything, exits when stdin
 * closes or after {@code args[0]} seconds (default 300).
 */
public final class ScaleSink {
    private ScaleSink() {
    }

    public static void main(String[] args) throws IOException {
        long deadline = System.nanoTime() + Long.parseLong(args.length > 0 ? args[0] : "300") * 1_000_000_000L;
        Thread watchdog = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // wait for the parent to close stdin
                }
            } catch (IOException ignored) {
                // parent gone
            }
            System.exit(0);
        }, "stdin-watch");
        watchdog.setDaemon(true);
        watchdog.start();
        try (Selector sel = Selector.open(); ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
            server.configureBlocking(false);
            server.register(sel, SelectionKey.OP_ACCEPT);
            System.out.println(((InetSocketAddress) server.getLocalAddress()).getPort());
            System.out.flush();
            ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
            while (System.nanoTime() < deadline) {
                sel.select(1000);
                Iterator<SelectionKey> it = sel.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isAcceptable()) {
                        SocketChannel c;
                        while ((c = server.accept()) != null) {
                            c.configureBlocking(false);
                            c.register(sel, SelectionKey.OP_READ);
                        }
                    } else if (k.isReadable()) {
                        SocketChannel c = (SocketChannel) k.channel();
                        buf.clear();
                        int n;
                        try {
                            n = c.read(buf);
                        } catch (IOException e) {
                            n = -1;
                        }
                        if (n < 0) {
                            k.cancel();
                            c.close();
                        }
                    }
                }
            }
        }
        System.exit(0);
    }
}
