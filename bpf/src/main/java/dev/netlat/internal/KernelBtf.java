// SPDX-License-Identifier: Apache-2.0
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

    /**
     * Arguments of the raw tracepoint {@code name} (after the context), or -1 if this kernel lacks it: BTF-typed
     * tracepoints have a {@code typedef void (*btf_trace_<name>)(void *, args...)}.
     */
    int tracepointArgs(String name) {
        int id = bpf.btf__find_by_name_kind(btf, "btf_trace_" + name, LibBpf.BTF_KIND_TYPEDEF);
        if (id <= 0) {
            return -1;
        }
        Pointer ptr = bpf.btf__type_by_id(btf, refType(bpf.btf__type_by_id(btf, id)));
        if (ptr == null || kind(ptr) != BTF_KIND_PTR) {
            return -1;
        }
        Pointer proto = bpf.btf__type_by_id(btf, refType(ptr));
        return proto != null && kind(proto) == BTF_KIND_FUNC_PROTO ? vlen(proto) - 1 : -1;
    }

    /** Parameters of the kernel function {@code name}, or -1 if its BTF has no such function (fentry/fexit need it). */
    int functionArgs(String name) {
        int id = bpf.btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
        if (id <= 0) {
            return -1;
        }
        Pointer proto = bpf.btf__type_by_id(btf, refType(bpf.btf__type_by_id(btf, id)));
        return proto != null && kind(proto) == BTF_KIND_FUNC_PROTO ? vlen(proto) : -1;
    }

    /** Whether this kernel's {@code struct <struct>} has a member {@code member}. */
    boolean structHasMember(String struct, String member) {
        int id = bpf.btf__find_by_name_kind(btf, struct, BTF_KIND_STRUCT);
        if (id <= 0) {
            return false;
        }
        Pointer t = bpf.btf__type_by_id(btf, id);
        for (int i = 0; i < vlen(t); i++) {
            // struct btf_type is 12 bytes, followed by struct btf_member { __u32 name_off, type, offset; }[vlen]
            if (member.equals(bpf.btf__name_by_offset(btf, t.getInt(12 + i * 12L)))) {
                return true;
            }
        }
        return false;
    }

    // struct btf_type { __u32 name_off; __u32 info; union { __u32 size; __u32 type; }; }: kind in bits 24-28 of info,
    // vlen (members, enum values, parameters) in bits 0-15
    private static final int BTF_KIND_PTR = 2;
    private static final int BTF_KIND_STRUCT = 4;
    private static final int BTF_KIND_FUNC = 12;
    private static final int BTF_KIND_FUNC_PROTO = 13;

    private static int kind(Pointer t) {
        return (t.getInt(4) >>> 24) & 0x1f;
    }

    private static int vlen(Pointer t) {
        return t.getInt(4) & 0xffff;
    }

    private static int refType(Pointer t) {
        return t.getInt(8);
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
