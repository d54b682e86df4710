// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The libc calls netlat needs beyond libbpf. */
interface Libc extends Library {
    Libc INSTANCE = Native.load("c", Libc.class);

    int PROT_READ = 1;
    int PROT_WRITE = 2;
    int MAP_SHARED = 1;

    Pointer mmap(Pointer addr, long length, int prot, int flags, int fd, long offset);

    int munmap(Pointer addr, long length);

    /** Formats into a buffer it allocates (free it with {@link #free}): a verifier log can be megabytes long. */
    int vasprintf(com.sun.jna.ptr.PointerByReference out, String format, Pointer vaList);

    void free(Pointer p);

    String strerror(int errnum);

    int getpid();

    int geteuid();
}
