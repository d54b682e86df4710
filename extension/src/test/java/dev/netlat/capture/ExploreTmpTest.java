package dev.netlat.capture;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;
import dev.netlat.NetworkView;
import dev.netlat.Stage;
import dev.netlat.lab.LabServer;
import dev.netlat.lab.NetworkLab;
import dev.netlat.lab.QdiscStats;
import dev.netlat.truth.TimestampingSocket;
import dev.netlat.truth.WriteTimestamps;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ExploreTmpTest {
    @Test
    void explore() throws Exception {
        String cfg = System.getProperty("cfg", "20mbit,32kbit,1mb,65536,3145728,false");
        String[] c = cfg.split(",");
        int wsize = Integer.parseInt(c[3]);
        long total = Long.parseLong(c[4]);
        boolean eor = Boolean.parseBoolean(c[5]);
        NetworkLab.Builder b = NetworkLab.builder();
        if (!c[0].equals("none")) b.rate(c[0]).burst(c[1]).limit(c[2]);
        try (NetworkLab lab = b.create(); LabServer sink = lab.startSinkServer(0);
             TimestampingSocket s = TimestampingSocket.connect(new InetSocketAddress(lab.peerAddress(), sink.port()))) {
            if (System.getProperty("qdisc") != null) {
                Process p = new ProcessBuilder("tc", "qdisc", "replace", "dev", lab.hostInterface(), "root", System.getProperty("qdisc")).inheritIO().start();
                p.waitFor();
            }
            s.setCongestionControl("cubic");
            if (System.getProperty("sndbuf") != null) s.setSendBuffer(Integer.getInteger("sndbuf"));
            System.out.println("cc=" + s.congestionControl() + " sndbuf=" + s.sendBuffer());
            QdiscStats q0 = lab.qdiscStats();
            System.out.println(q0);
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicLong maxB = new AtomicLong(), sumB = new AtomicLong(), nB = new AtomicLong();
            Thread sampler = new Thread(() -> {
                for (int i = 0; i < 2000 && run.get(); i++) {
                    long bl = lab.qdiscStats().backlogBytes();
                    maxB.accumulateAndGet(bl, Math::max); sumB.addAndGet(bl); nB.incrementAndGet();
                    try { Thread.sleep(10); } catch (InterruptedException e) { return; }
                }
            });
            byte[] buf = new byte[wsize];
            long sent = 0;
            long t0 = System.nanoTime();
            if (Boolean.getBoolean("warm")) { try (NetworkTrace w0 = NetworkTracer.start()) { s.send(new byte[100], eor); sink.awaitBytesReceived(100, Duration.ofSeconds(5)); System.out.println("warm writes=" + w0.writes() + " packets=" + w0.packets() + " lost=" + w0.lostEventsByCause()); } }
            NetworkTrace trace;
            java.util.Random rnd = new java.util.Random(1);
            try (NetworkTrace t = NetworkTracer.start()) {
                trace = t;
                sampler.start();
                while (sent < total && System.nanoTime() - t0 < 30e9) {
                    int n = Integer.getInteger("minw", 0) > 0 ? Integer.getInteger("minw") + rnd.nextInt(wsize - Integer.getInteger("minw") + 1) : wsize;
                    sent += s.send(java.util.Arrays.copyOf(buf, n), eor);
                }
                sink.awaitBytesReceived(sent, Duration.ofSeconds(20));
                NetworkView v = t.port(s.localPort());
                for (Stage st : Stage.values()) System.out.println(v.latency(st).summary());
                System.out.println("rtt " + v.rtt().summary());
            }
            run.set(false); sampler.join();
            double secs = (System.nanoTime() - t0) / 1e9;
            QdiscStats q1 = lab.qdiscStats();
            System.out.println(q1);
            System.out.printf("sent=%d secs=%.2f backlog max=%d mean=%d samples=%d%n", sent, secs, maxB.get(), sumB.get() / Math.max(1, nB.get()), nB.get());
            System.out.printf("trace writes=%d bytes=%d packets=%d retrans=%d rbytes=%d drops=%d lost=%s sink=%d%n", trace.writes(), trace.bytes(), trace.packets(), trace.retransmits(), trace.retransmittedBytes(), trace.drops(), trace.lostEventsByCause(), sink.bytesReceived());
            long dp = q1.sentPackets() - q0.sentPackets(), db = q1.sentBytes() - q0.sentBytes();
            System.out.printf("qdisc dpkts=%d dbytes=%d payload(dbytes-66*dpkts)=%d drops=%d tcpinfo=%s%n", dp, db, db - 66 * dp, q1.drops() - q0.drops(), s.tcpInfo());
            if (eor) {
                List<WriteTimestamps> w = s.collect(Duration.ofSeconds(10));
                for (String name : new String[] {"socket", "qdisc", "total", "ack"}) {
                    long[] vals = TimestampingSocket.values(w, name.equals("socket") ? WriteTimestamps::socketStageNanos : name.equals("qdisc") ? WriteTimestamps::qdiscStageNanos : name.equals("total") ? WriteTimestamps::totalNanos : WriteTimestamps::ackNanos);
                    System.out.printf("TS %s n=%d p50=%d p99=%d%n", name, vals.length, TimestampingSocket.percentile(vals, 50), TimestampingSocket.percentile(vals, 99));
                }
            }
        }
    }
}
