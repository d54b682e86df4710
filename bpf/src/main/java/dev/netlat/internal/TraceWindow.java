// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import com.sun.jna.Pointer;
import dev.netlat.ForwardingNetworkView;
import dev.netlat.LostCause;
import dev.netlat.Metric;
import dev.netlat.NetworkEvent;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import dev.netlat.TraceOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/** One trace window: a baseline snapshot at start, diffed against the live counters (or the final ones after close). */
final class TraceWindow extends ForwardingNetworkView implements NetworkTrace {
    private final Engine engine;
    private final TraceOptions options;
    private final Snapshot start;
    /** This window's tracing period's row of begun/completed samples (windows open together share a period). */
    private final int row;
    private final Instant startWall;
    private volatile SnapshotView frozen;
    private volatile boolean closed;
    /** Per histogram: samples begun but still unresolved when a read gave up waiting (sticky maximum). */
    private final long[] unresolvedAtRead = new long[Counter.ALL_HISTS.length];

    TraceWindow(Engine engine, TraceOptions options, Snapshot start, long epoch) {
        this.engine = engine;
        this.row = Engine.periodRow(epoch);
        this.options = options;
        this.start = start;
        this.startWall = Instant.now();
    }

    /** Waits (bounded) until the stages have completed every sample begun before this call. */
    private void awaitSettled(int... wanted) {
        // samples of a stage whose hooks this kernel lacks begin but can never complete: nothing to wait for
        int[] hists = java.util.Arrays.stream(wanted).filter(engine::histAvailable).toArray();
        long deadline = System.nanoTime() + options.readTimeout().toNanos();
        long[] target = new long[hists.length];
        for (int i = 0; i < hists.length; i++) {
            target[i] = engine.readGlobal("entered", row + hists[i]);
        }
        long pause = 20_000;
        while (true) {
            boolean done = true;
            for (int i = 0; i < hists.length; i++) {
                if (engine.readGlobal("completed", row + hists[i]) < target[i]) {
                    done = false;
                    break;
                }
            }
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                // never a silently short result: what did not arrive in time is reported as lost
                synchronized (unresolvedAtRead) {
                    for (int i = 0; i < hists.length; i++) {
                        long missing = target[i] - engine.readGlobal("completed", row + hists[i]);
                        unresolvedAtRead[hists[i]] = Math.max(unresolvedAtRead[hists[i]], missing);
                    }
                }
                return;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(pause * 2, 2_000_000);
        }
    }


    private SnapshotView view(boolean withPorts, int... hists) {
        SnapshotView f = frozen;
        if (f != null) {
            return f;
        }
        awaitSettled(hists);
        Snapshot now = engine.snapshot(withPorts);
        return new SnapshotView(engine, now.minus(start), null, readEvents(now));
    }

    private List<NetworkEvent> readEvents(Snapshot now) {
        Layout l = engine.layout();
        int capacity = l.get("const.NL_EVENTS");
        long total = now.eventHead - start.eventHead;
        long keep = Math.min(total, Math.min(capacity, options.eventLimit()));
        List<NetworkEvent> out = new ArrayList<>();
        Pointer g = engine.global();
        long base = l.offset("events");
        int size = l.get("size.event");
        long monoNow = System.nanoTime();
        Instant wallNow = Instant.now();
        for (long i = now.eventHead - keep; i < now.eventHead; i++) {
            long off = base + (i & (capacity - 1)) * size;
            out.add(decodeEvent(engine, g, off, l, monoNow, wallNow));
        }
        return List.copyOf(out);
    }

    private static NetworkEvent decodeEvent(Engine engine, Pointer g, long off, Layout l, long monoNow, Instant wallNow) {
        long ts = g.getLong(off + l.get("event.ts_ns"));
        int kind = g.getInt(off + l.get("event.kind"));
        int detail = g.getInt(off + l.get("event.detail"));
        long seq = g.getInt(off + l.get("event.seq")) & 0xffffffffL;
        int family = g.getShort(off + l.get("event.family")) & 0xffff;
        int lport = g.getShort(off + l.get("event.lport")) & 0xffff;
        int rport = g.getShort(off + l.get("event.rport")) & 0xffff;
        byte[] s = g.getByteArray(off + l.get("event.saddr"), family == 10 ? 16 : 4);
        byte[] d = g.getByteArray(off + l.get("event.daddr"), family == 10 ? 16 : 4);
        NetworkEvent.Kind k = kind >= 0 && kind < NetworkEvent.Kind.values().length
                ? NetworkEvent.Kind.values()[kind] : NetworkEvent.Kind.DROP;
        String det = switch (k) {
            case RETRANSMIT -> detail < RetransmitKind.values().length ? RetransmitKind.values()[detail].name() : "";
            case DROP -> engine.dropReasonName(detail);
            default -> "";
        };
        Instant when = wallNow.minusNanos(monoNow - ts);
        return new NetworkEvent(when, k, address(s, lport), address(d, rport), seq, det);
    }

    private static InetSocketAddress address(byte[] raw, int port) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(raw), port);
        } catch (UnknownHostException e) {
            return InetSocketAddress.createUnresolved("?", port);
        }
    }

    /** Every read sees the window as it is now (or frozen), having waited for the metric read. */
    @Override
    protected NetworkView delegate(Metric metric) {
        // the kernel's histogram ids are the Metric ordinals (BpfObjectGuardTest)
        return metric == null ? view(false) : view(false, metric.ordinal());
    }

    /** A live view of one port: like the trace itself, every read sees the window as it is then (or frozen after close). */
    @Override
    public NetworkView port(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be within 1..65535, was " + port);
        }
        if (!options.portViews()) {
            throw new IllegalStateException("port(" + port + ") needs port views, but this window was started with "
                    + "TraceOptions.portViews(false); start it with TraceOptions.defaults() to narrow by port");
        }
        return new PortView(this, port);
    }

    /** The window as it is now (or frozen), narrowed to one port, after waiting for the given histograms. */
    SnapshotView portView(int port, int... hists) {
        SnapshotView all = view(true, hists);
        return new SnapshotView(engine, all.diff, port, all.events);
    }

    @Override
    public long lostEvents() {
        return lostEventsByCause().values().stream().mapToLong(Long::longValue).sum();
    }

    @Override
    public Map<LostCause, Long> lostEventsByCause() {
        // a sample given up counts under its cause when it is settled: wait for them, as a stage's read does
        Snapshot d = view(false, Counter.ALL_HISTS).diff;
        Map<LostCause, Long> out = new EnumMap<>(LostCause.class);
        for (LostCause c : LostCause.values()) {
            int i = c.kernelIndex();
            // on a kernel without a hook, its "not seen" cause counts what that hook never saw: the stages say so
            if (i >= 0 && i < d.lost.length && d.lost[i] != 0 && !engine.causesOfMissingHooks().contains(c)) {
                out.put(c, d.lost[i]);
            }
        }
        if (d.recursionMisses != 0) {
            out.put(LostCause.KERNEL_SKIPPED_RUNS, d.recursionMisses);
        }
        long unresolved = unresolvedAtRead().values().stream().mapToLong(Long::longValue).sum();
        if (unresolved != 0) {
            out.put(LostCause.UNRESOLVED_AT_READ, unresolved);
        }
        return out;
    }

    @Override
    public Map<Metric, Long> unresolvedAtRead() {
        Map<Metric, Long> out = new EnumMap<>(Metric.class);
        synchronized (unresolvedAtRead) {
            for (int h = 0; h < unresolvedAtRead.length; h++) {
                if (unresolvedAtRead[h] > 0) {
                    out.put(Counter.metric(h), unresolvedAtRead[h]);
                }
            }
        }
        return out;
    }

    @Override
    public long eventsNotKept() {
        SnapshotView v = view(false);
        return Math.max(0, v.diff.eventHead - v.events.size());
    }


    @Override
    public Duration elapsed() {
        SnapshotView f = frozen;
        long end = f != null ? f.diff.monoNanos : System.nanoTime();
        return Duration.ofNanos(end - start.monoNanos);
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            frozen = view(options.portViews(), Counter.ALL_HISTS);
        } finally {
            closed = true;
            engine.endWindow(options);
        }
    }

    @Override
    public String toString() {
        // the window as it is now, without waiting for samples in flight: a debugger or a log line must not block
        SnapshotView v = view(false);
        StringBuilder sb = new StringBuilder("NetworkTrace{");
        for (Stage s : Stage.values()) {
            sb.append(v.latency(s).summary()).append("; ");
        }
        return sb.append("writes=").append(v.writes()).append(" (timed ").append(v.timedWrites()).append(")")
                .append(", bytes=").append(v.bytes())
                .append(", retransmits=").append(v.retransmits()).append(", drops=").append(v.drops())
                .append(" (not waiting for samples in flight)}").toString();
    }

}
