package dev.netlat.internal;

import com.sun.jna.Pointer;
import java.util.Map;
import java.util.TreeMap;

/** Facts read from the running kernel's BTF (/sys/kernel/btf/vmlinux) through libbpf. */
final class KernelBtf implements AutoCloseable {
    private final LibBpf bpf;
    private final Pointer btf;

    KernelBtf(LibBpf bpf) {
        this.bpf = bpf;
        this.btf = bpf.btf__load_vmlinux_btf();
        if (btf == null) {
            throw new IllegalStateException("libbpf could not load the kernel's BTF (/sys/kernel/btf/vmlinux)");
        }
    }

    /** Whether the kernel has the raw tracepoint {@code name}: BTF-typed tracepoints have a {@code btf_trace_<name>} typedef. */
    boolean hasTracepoint(String name) {
        return bpf.btf__find_by_name_kind(btf, "btf_trace_" + name, LibBpf.BTF_KIND_TYPEDEF) > 0;
    }

    /**
     * Values and names of an enum, e.g. {@code skb_drop_reason}: the numbering differs between kernels, so names
     * are always resolved from the running kernel. The common prefix (e.g. {@code SKB_DROP_REASON_}) is removed.
     */
    Map<Integer, String> enumValues(String enumName, String prefix) {
        Map<Integer, String> out = new TreeMap<>();
        int id = bpf.btf__find_by_name_kind(btf, enumName, LibBpf.BTF_KIND_ENUM);
        if (id <= 0) {
            return out;
        }
        Pointer t = bpf.btf__type_by_id(btf, id);
        int info = t.getInt(4);
        int vlen = info & 0xffff;
        for (int i = 0; i < vlen; i++) {
            // struct btf_type is 12 bytes, followed by struct btf_enum { __u32 name_off; __s32 val; }[vlen]
            int nameOff = t.getInt(12 + i * 8L);
            int val = t.getInt(12 + i * 8L + 4);
            String name = bpf.btf__name_by_offset(btf, nameOff);
            if (name != null && name.startsWith(prefix)) {
                name = name.substring(prefix.length());
            }
            out.putIfAbsent(val, name);
        }
        return out;
    }

    @Override
    public void close() {
        bpf.btf__free(btf);
    }
}
