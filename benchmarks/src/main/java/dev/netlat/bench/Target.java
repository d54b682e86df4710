// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Where benchmark traffic goes: {@code loopback} (a server in this JVM on 127.0.0.1, device {@code lo}, noqueue) or
 * {@code tbf200mbit} (a server in a {@link NetworkLab} namespace behind a veth whose host side has a 200 mbit/s tbf).
 */
final class Target implements AutoCloseable {
    static final String LOOPBACK = "loopback";
    static final String TBF = "tbf200mbit";

    private final Servers local;
    private final NetworkLab lab;
    private final LabServer labServer;
    private final InetSocketAddress address;

    private Target(Servers local, NetworkLab lab, LabServer labServer, InetSocketAddress address) {
        this.local = local;
        this.lab = lab;
        this.labServer = labServer;
        this.address = address;
    }

    static Target open(String path, boolean echo) throws IOException {
        switch (path) {
            case LOOPBACK: {
                Servers s = echo ? Servers.echo() : Servers.sink();
                return new Target(s, null, null, s.address());
            }
            case TBF: {
                NetworkLab lab = NetworkLab.builder().rate("200mbit").create();
                try {
                    LabServer server = echo ? lab.startEchoServer(0) : lab.startSinkServer(0);
                    return new Target(null, lab, server, server.socketAddress());
                } catch (RuntimeException e) {
                    lab.close();
                    throw e;
                }
            }
            default:
                throw new IllegalArgumentException("unknown path '" + path + "'; valid: " + LOOPBACK + ", " + TBF);
        }
    }

    InetSocketAddress address() {
        return address;
    }

    int port() {
        return address.getPort();
    }

    @Override
    public void close() {
        if (local != null) {
            local.close();
        }
        if (labServer != null) {
            labServer.close();
        }
        if (lab != null) {
            lab.close();
        }
    }
}
