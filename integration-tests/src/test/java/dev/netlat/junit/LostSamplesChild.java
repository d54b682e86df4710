// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import static dev.netlat.assertj.NetAssertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * Child JVM of {@link LostSamplesReportTest}, started with {@code -Dnetlat.maps.sockets=1} (map sizes are fixed at
 * load, once per JVM): runs {@link Scenario} through EngineTestKit with the real engine, reports to args[0], and
 * prints each test's outcome as {@code <method>=passed} or {@code <method>=failed <message>} (the message's
 * newlines as {@code \n}).
 */
public final class LostSamplesChild {
    static final int CONNECTIONS = 3;
    static final int WRITES = 300;

    /**
     * Three connections open at once, 300 writes each, interleaved: with room for one socket in the table, two thirds
     * of the window are lost.
     */
    static void traffic() throws Exception {
        List<ServerSocket> servers = new ArrayList<>();
        List<Socket> clients = new ArrayList<>();
        List<Thread> drains = new ArrayList<>();
        try {
            for (int c = 0; c < CONNECTIONS; c++) {
                ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
                servers.add(server);
                Thread drain = new Thread(() -> {
                    try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException ignored) {
                        // the client closed
                    }
                }, "lost-samples-drain");
                drain.setDaemon(true);
                drain.start();
                drains.add(drain);
                Socket client = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                client.setTcpNoDelay(true);
                clients.add(client);
            }
            byte[] chunk = new byte[512];
            for (int i = 0; i < WRITES; i++) {
                for (Socket client : clients) {
                    client.getOutputStream().write(chunk);
                }
            }
        } finally {
            for (Socket c : clients) {
                c.close();
            }
            for (Thread d : drains) {
                d.join(5_000);
            }
            for (ServerSocket s : servers) {
                s.close();
            }
        }
    }

    @TestKitScenario
    @TraceNetwork(timeEveryWrite = true)
    public static class Scenario {
        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "1s")
        void budget(NetworkTrace trace) throws Exception {
            traffic();
            System.out.println("counts writes=" + trace.writes() + " lostEvents=" + trace.lostEvents() + " byCause="
                    + trace.lostEventsByCause());
        }

        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "1s", allowLostSamples = true)
        void budgetAllowingLoss() throws Exception {
            traffic();
        }

        @Test
        void counter(NetworkTrace trace) throws Exception {
            traffic();
            assertThat(trace).hasNoRetransmits();
        }
    }

    public static void main(String[] args) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(NetlatConfig.REPORT_DIR, Path.of(args[0]).toString());
        params.put(NetlatConfig.UNAVAILABLE, "fail");
        EngineExecutionResults r = TestKit.run(Scenario.class, params);
        for (String m : new String[] {"budget", "budgetAllowingLoss", "counter"}) {
            String outcome = r.testEvents().failed().stream()
                    .filter(e -> e.getTestDescriptor().getUniqueId().toString().contains("[method:" + m + "("))
                    .map(e -> "failed " + TestKit.throwable(e).getMessage().replace("\n", "\\n"))
                    .findFirst().orElse(r.testEvents().succeeded().stream()
                            .anyMatch(e -> e.getTestDescriptor().getUniqueId().toString().contains("[method:" + m + "("))
                            ? "passed" : "missing");
            System.out.println(m + "=" + outcome);
        }
        System.out.flush();
        System.exit(0);
    }
}
