// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/**
 * Something the running kernel does that can hide events from every BPF program without a trace
 * ({@link Availability#caveats()}): counts can then be short with nothing reported lost. None is known on the kernels
 * netlat is tested on (6.1, 6.12).
 */
public enum KernelCaveat {
    /**
     * A kernel whose {@code struct bpf_prog_aux} has {@code init_owned} (not upstream: seen on a sandbox build of 6.18,
     * not on Debian's 6.1 or 6.12) runs no tracing program while the current task belongs to PID 1, unless the
     * program is owned by it, and counts no {@code recursion_misses} for it. Packets that a softirq sends or drops
     * while it interrupted such a task are then invisible to every BPF tracer (bpftrace too), while ftrace sees them.
     */
    HIDES_EVENTS_WHILE_PID1_RUNS("this kernel skips BPF tracing programs while a thread of PID 1 is the current"
            + " task (struct bpf_prog_aux has init_owned) and counts no recursion_misses for it: packets sent or"
            + " dropped in a softirq that interrupted such a thread are not seen, so drops() can be short and samples"
            + " are reported lost (QUEUE_NOT_SEEN, PACKET_NOT_SEEN, START_XMIT_NOT_SEEN, DEVICE_DONE_NOT_SEEN,"
            + " ACK_NOT_SEEN); retransmits stay"
            + " exact (ACKs pick up what a hidden event did not bring); busy PID-1 processes (e.g. a container's init"
            + " or a sandbox agent) make it likelier");

    private final String description;

    KernelCaveat(String description) {
        this.description = description;
    }

    /** What happens and what it does to the counts, in words. */
    public String description() {
        return description;
    }
}
