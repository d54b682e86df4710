// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Runs in a child JVM with system properties set by the parent (hooks disabled, tiny maps): opens `connections`
 * loopback connections, writes on each, and prints what the trace reports, one `key=value` per line.
 */
public final class ChildProbe {
    public static void main(String[] args) throws Exception {
        int connections = Integer.parseInt(args[0]);
        try (ServerSocket server = new ServerSocket(0, 100, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                for (int i = 0; i < connections; i++) {
                    try {
                        Socket s = server.accept();
                        CompletableFuture.runAsync(() -> {
                            try (s; InputStream in = s.getInputStream()) {
                                in.transferTo(OutputStream.nullOutputStream());
                            } catch (Exception ignored) {
                                // the test reads the trace, not the sink
                            }
                        });
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            NetworkTrace trace = NetworkTracer.start();
            List<Socket> open = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                Socket c = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
                open.add(c);
                for (int w = 0; w < 20; w++) {
                    c.getOutputStream().write(new byte[1000]);
                }
            }
            for (Stage s : Stage.values()) {
                System.out.println("stage." + s + "=" + trace.latency(s).status() + ":" + trace.latency(s).count()
                        + ":" + trace.latency(s).reason());
            }
            System.out.println("writes=" + trace.writes());
            System.out.println("lost=" + trace.lostEvents());
            System.out.println("lostCauses=" + trace.lostEventsByCause());
            System.out.println("availability=" + NetworkTracer.availability());
            NetworkTracer.availability().hooks().forEach((hook, plan) -> System.out.println("hook." + hook + "=" + plan));
            System.out.println("retransmits=" + trace.retransmits());
            trace.close();
            for (Socket c : open) {
                c.close();
            }
        }
    }
}
