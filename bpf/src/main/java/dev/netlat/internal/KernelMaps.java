// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What is read from the kernel with syscalls: per-program statistics, the per-port table, map sizes. */
final class KernelMaps {
    private final LibBpf bpf;
    private final Layout layout = Layout.INSTANCE;
    private final Map<String, Integer> programFds;
    private final int portStatsFd;
    private final int countersFd;
    private final ProgramLoader loader;

    KernelMaps(ProgramLoader loader) {
        this.loader = loader;
        this.bpf = loader.bpf;
        this.programFds = loader.programFds;
        this.portStatsFd = loader.portStatsFd;
        this.countersFd = loader.mapFd("counters");
    }

    /** What the kernel reports of each loaded program, in load order. */
    List<dev.netlat.KernelProgram> programs() {
        List<dev.netlat.KernelProgram> out = new ArrayList<>();
        for (Map.Entry<String, Integer> e : programFds.entrySet()) {
            Memory info = progInfo(e.getValue());
            if (info != null) {
                out.add(new dev.netlat.KernelProgram(e.getKey(), info.getInt(layout.get("prog_info.id")),
                        info.getLong(layout.get("prog_info.run_cnt")), info.getLong(layout.get("prog_info.run_time_ns")),
                        info.getLong(layout.get("prog_info.recursion_misses"))));
            }
        }
        return out;
    }

    private Memory progInfo(int fd) {
        int size = layout.get("prog_info.size");
        Memory info = new Memory(size);
        info.clear();
        IntByReference len = new IntByReference(size);
        return bpf.bpf_obj_get_info_by_fd(fd, info, len) == 0 ? info : null;
    }

    /** The counters (NL_C_*), each CPU's copy of the per-CPU map added up. */
    long[] readCounters() {
        int n = layout.get("const.NL_COUNTERS");
        int cpus = Math.max(1, bpf.libbpf_num_possible_cpus());
        Memory key = new Memory(4);
        key.setInt(0, 0);
        Memory value = new Memory(8L * n * cpus);
        long[] out = new long[n];
        int err = bpf.bpf_map_lookup_elem(countersFd, key, value);
        if (err != 0) {
            // a map of one entry that the loader created: only a closed fd gets here
            throw new IllegalStateException("netlat: reading the counters map failed: "
                    + Libc.INSTANCE.strerror(Math.abs(err)));
        }
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int i = 0; i < n; i++) {
                out[i] += value.getLong(8L * ((long) cpu * n + i));
            }
        }
        return out;
    }

    /**
     * The per-port table, with the per-socket slots of port_hot added up into it under the same keys (a port pair's
     * counters 0 .. NL_PORT_HOT - 1: writes, bytes, packets and the timed ones), so that readers see one table.
     */
    Map<Long, Long> readPortStats() {
        Map<Long, Long> out = readPortTable();
        Pointer hot = loader.portHot;
        int slots = (int) Math.min(loader.global.getLong(layout.offset("port_slot_next")), loader.portSlots);
        int size = layout.get("size.port_hot");
        int counters = layout.get("const.NL_PORT_HOT");
        for (int i = 0; i < slots; i++) {
            long base = (long) i * size;
            int ports = hot.getInt(base); // lport | rport << 16, as PortKey packs them
            if (ports == 0) {
                continue; // taken, its ports not written yet: nothing counted in it either
            }
            for (int c = 0; c < counters; c++) {
                long v = hot.getLong(base + 8 + 8L * c);
                if (v != 0) {
                    long key = (ports & 0xffffffffL) | ((long) (PortKey.COUNTER + c) << 32);
                    out.merge(key, v, Long::sum);
                }
            }
        }
        return out;
    }

    /**
     * Empties port_hot when more than half of its slots are taken, at the start of a tracing period (no window open,
     * so no program counts into it): the generation moves first, so that sockets holding a slot of the old one count
     * in the per-port table until their next write takes a new one.
     */
    void recyclePortSlots() {
        Pointer g = loader.global;
        int slots = loader.portSlots;
        if (g.getLong(layout.offset("port_slot_next")) <= slots / 2) {
            return;
        }
        g.setLong(layout.offset("port_gen"), g.getLong(layout.offset("port_gen")) + 1);
        loader.portHot.setMemory(0, (long) slots * layout.get("size.port_hot"), (byte) 0);
        g.setLong(layout.offset("port_slot_next"), 0);
    }

    private Map<Long, Long> readPortTable() {
        Map<Long, Long> out = new HashMap<>();
        Memory key = new Memory(8);
        Memory next = new Memory(8);
        Memory value = new Memory(8);
        Pointer prev = null;
        // bounded: the map cannot hold more than its max_entries
        for (int i = 0; i < 16_777_216; i++) {
            if (bpf.bpf_map_get_next_key(portStatsFd, prev, next) != 0) {
                break;
            }
            if (bpf.bpf_map_lookup_elem(portStatsFd, next, value) == 0) {
                out.put(next.getLong(0), value.getLong(0));
            }
            key.setLong(0, next.getLong(0));
            prev = key;
        }
        return out;
    }

    /** Entries currently in each map that grows with traffic: what the kernel side holds now. */
    Map<String, Integer> mapEntryCounts() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String name : List.of("socks", "traced_socks", "tx_skbs", "port_stats")) {
            int fd = loader.mapFd(name);
            Memory key = new Memory(8);
            Memory next = new Memory(8);
            Pointer prev = null;
            int n = 0;
            while (n < 16_777_216 && bpf.bpf_map_get_next_key(fd, prev, next) == 0) {
                n++;
                key.setLong(0, next.getLong(0));
                prev = key;
            }
            out.put(name, n);
        }
        return out;
    }

    void clearPortStats() {
        Memory next = new Memory(8);
        for (int i = 0; i < 16_777_216; i++) {
            if (bpf.bpf_map_get_next_key(portStatsFd, null, next) != 0) {
                break;
            }
            bpf.bpf_map_delete_elem(portStatsFd, next);
        }
    }
}
