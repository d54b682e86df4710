// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * One program that can serve a hook on some kernels: a row of the C side's hooks.h, read from netlat.layout (build.sh
 * generates it from that table, so Java holds no copy of it).
 *
 * @param hook    the hook served, e.g. {@code write_start}
 * @param program the program's name in the object, e.g. {@code nl_sendmsg_fentry}
 * @param kind    {@code tp_btf}, {@code fentry} or {@code fexit}
 * @param target  the tracepoint or kernel function attached to
 * @param args    the arguments the program reads: the kernel's tracepoint or function must have at least these
 * @param seen    the kernels whose BTF was read to have this signature, for reasons ("6.1 6.12")
 */
record HookVariant(String hook, String program, String kind, String target, int args, String seen) {

    boolean isTracepoint() {
        return kind.equals("tp_btf");
    }

    /** {@code tp_btf/tcp_retransmit_skb}, as in the program's section name. */
    String attachPoint() {
        return kind + "/" + target;
    }

    /** The table, in its order (best variant of each hook first). */
    static List<HookVariant> table(Layout layout) {
        int n = layout.get("hooks");
        List<HookVariant> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String[] f = layout.string("hook." + i).trim().split("\\s+", 6);
            if (f.length < 6) {
                throw new IllegalStateException("netlat.layout hook." + i + " is malformed: run bpf/src/main/c/build.sh");
            }
            out.add(new HookVariant(f[0], f[1], f[2], f[3], Integer.parseInt(f[4]), f[5]));
        }
        return List.copyOf(out);
    }
}
