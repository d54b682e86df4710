// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/** What the loopback workloads share: a server in this JVM, client connections to it, and their tear-down. */
abstract class LoopbackWorkload implements Workload {
    private final Servers server;
    private final String unit;
    private final double unitScale;
    protected final List<SocketChannel> channels = new ArrayList<>();

    protected LoopbackWorkload(Servers server, int connections, String unit, double unitScale) throws IOException {
        this.server = server;
        this.unit = unit;
        this.unitScale = unitScale;
        for (int i = 0; i < connections; i++) {
            channels.add(Servers.connect(server.address()));
        }
    }

    @Override
    public String unit() {
        return unit;
    }

    @Override
    public double unitScale() {
        return unitScale;
    }

    @Override
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        for (SocketChannel ch : channels) {
            try {
                ch.close();
            } catch (IOException e) {
                // closing a client connection at the end of a run: nothing left to measure on it
            }
        }
        server.close();
    }
}
