// SPDX-License-Identifier: Apache-2.0
package dev.netlat.truth;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.Stage;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/**
 * The ACK-lag experiment (benchmarks/ack-lag/run.sh): 3000 MSG_EOR writes of 1-4 KiB on one cubic loopback socket,
 * optionally inside a netlat window, printing each write's call time and SO_TIMESTAMPING TX_ACK stamp on the
 * monotonic clock ("W key call ack ackMinusCall"), so a bpftrace probe on tcp_probe can be matched against them.
 * A tool, not a test: run by hand.
 */
public final class AckLagProbe {
    public static void main(String[] a) throws Exception {
        boolean traced = a.length > 0 && a[0].equals("traced");
        // stdout: "PORT p", then after 4 s (time for bpftrace to attach) the writes and one "W" line per write
        try (LoopbackSink sink = new LoopbackSink(InetAddress.getByName("127.0.0.1"));
             TimestampingSocket s = TimestampingSocket.connect(sink.address())) {
            s.setCongestionControl("cubic");
            s.setTcpNoDelay(true);
            System.out.println("PORT " + s.localPort());
            System.out.flush();
            Thread.sleep(4000);
            long[] scratch = new long[2];
            long m0 = System.nanoTime(), rt = LibC.realtimeNanos(scratch), m1 = System.nanoTime();
            long off = rt - (m0 + m1) / 2;
            Random random = new Random(20261122);
            NetworkTrace t = traced ? NetworkTracer.start(dev.netlat.TraceOptions.defaults().timeEveryWrite(true)) : null;
            long sent = 0;
            for (int i = 0; i < 3000; i++) {
                sent += s.send(new byte[1024 + random.nextInt(3073)], true);
            }
            sink.awaitReceived(sent, Duration.ofSeconds(10));
            if (t != null) {
                System.out.println("NETLAT ACK " + t.latency(Stage.ACK).summary());
                t.close();
            }
            List<WriteTimestamps> w = s.collect(Duration.ofSeconds(10));
            for (WriteTimestamps x : w) {
                System.out.println("W " + x.key() + " " + (x.callNanos() - off) + " " + (x.ackStampNanos() - off) + " " + x.ackNanos());
            }
        }
    }
}
