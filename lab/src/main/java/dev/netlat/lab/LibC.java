// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The few libc calls needed to move a thread into a network namespace. Its own binding, not netlat-bpf's: the two
 * share no call (that one maps memory and formats libbpf's messages) and netlat-bpf keeps its binding internal; this
 * one throws {@link LastErrorException} with errno, which the lab reports.
 */
interface LibC extends Library {
    int O_RDONLY = 0;
    int O_CLOEXEC = 0x80000;
    int CLONE_NEWNET = 0x40000000;

    LibC INSTANCE = Native.load("c", LibC.class);

    int open(String path, int flags) throws LastErrorException;

    int setns(int fd, int nstype) throws LastErrorException;

    int close(int fd) throws LastErrorException;
}
