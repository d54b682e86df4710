// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The Linux capabilities netlat and its lab need, and which of them this JVM holds. Read from {@code CapEff} in
 * {@code /proc/self/status}, the effective set the kernel checks, so that "missing capabilities" is said only when
 * they are missing (not, say, when the verifier refused a program).
 */
public enum Capability {
    /** Network namespaces' links, qdiscs and nftables rules (the lab). */
    NET_ADMIN(12),
    /** Creating and entering network namespaces (the lab); also stands in for BPF and PERFMON. */
    SYS_ADMIN(21),
    /** Attaching tracing programs. */
    PERFMON(38),
    /** Loading programs and creating maps. */
    BPF(39);

    private final int bit;

    Capability(int bit) {
        this.bit = bit;
    }

    /** The capability's number in {@code linux/capability.h}. */
    public int bit() {
        return bit;
    }

    /** Its name as the kernel and the tools write it, e.g. {@code CAP_NET_ADMIN}. */
    public String kernelName() {
        return "CAP_" + name();
    }

    /** Which of these the JVM holds in its effective set; empty when that cannot be read (not Linux). */
    public static Optional<Set<Capability>> effective() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    BigInteger eff = new BigInteger(line.substring("CapEff:".length()).trim(), 16);
                    Set<Capability> held = EnumSet.noneOf(Capability.class);
                    for (Capability c : values()) {
                        if (eff.testBit(c.bit)) {
                            held.add(c);
                        }
                    }
                    return Optional.of(held);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or /proc unreadable: unknown
        }
        return Optional.empty();
    }
}
