// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.IntByReference;
import com.sun.jna.ptr.LongByReference;

/**
 * The part of the system's libbpf.so.1 (libbpf &ge; 1.0) netlat calls. Functions returning int return a negative
 * errno on failure (libbpf 1.x semantics); functions returning a pointer return NULL and set errno.
 */
public interface LibBpf extends Library {
    String NAME = "bpf";
    String SONAME = "libbpf.so.1";

    /** Loads libbpf.so.1 by that exact name: the -dev package (libbpf.so) is not needed. */
    static LibBpf load() {
        return Native.load(SONAME, LibBpf.class);
    }

    int libbpf_major_version();

    int libbpf_minor_version();

    interface PrintFn extends Callback {
        int invoke(int level, String format, Pointer vaList);
    }

    Pointer libbpf_set_print(PrintFn fn);

    Pointer bpf_object__open_mem(Pointer buf, long size, Pointer opts);

    int bpf_object__load(Pointer obj);

    void bpf_object__close(Pointer obj);

    Pointer bpf_object__next_program(Pointer obj, Pointer prev);

    Pointer bpf_object__find_map_by_name(Pointer obj, String name);

    String bpf_program__name(Pointer prog);

    String bpf_program__section_name(Pointer prog);

    int bpf_program__set_autoload(Pointer prog, boolean autoload);

    int bpf_program__set_attach_target(Pointer prog, int attachProgFd, String attachFuncName);

    boolean bpf_program__autoload(Pointer prog);

    int bpf_program__fd(Pointer prog);

    Pointer bpf_program__attach(Pointer prog);

    int bpf_link__destroy(Pointer link);

    int bpf_map__fd(Pointer map);

    int bpf_map__set_max_entries(Pointer map, int maxEntries);

    int bpf_map__max_entries(Pointer map);

    int bpf_map__value_size(Pointer map);

    Pointer bpf_map__initial_value(Pointer map, LongByReference size);

    int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

    /** CPUs a per-CPU map holds a value for: the size of its lookup buffer is this many values. */
    int libbpf_num_possible_cpus();

    int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

    int bpf_map_delete_elem(int fd, Pointer key);

    int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

    int bpf_map_lookup_batch(int fd, Pointer inBatch, Pointer outBatch, Pointer keys, Pointer values,
                             IntByReference count, Pointer opts);

    int bpf_obj_get_info_by_fd(int fd, Pointer info, IntByReference infoLen);

    Pointer btf__load_vmlinux_btf();

    void btf__free(Pointer btf);

    int btf__find_by_name_kind(Pointer btf, String name, int kind);

    Pointer btf__type_by_id(Pointer btf, int id);

    String btf__name_by_offset(Pointer btf, int offset);

    int BTF_KIND_ENUM = 6;
    int BTF_KIND_TYPEDEF = 8;
}
