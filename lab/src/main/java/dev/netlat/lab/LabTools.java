// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import dev.netlat.Capability;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Absolute paths of the {@code ip}, {@code tc} and {@code nft} tools a lab runs, found after checking the privileges
 * labs need. Everything missing is reported at once, with how to get it, instead of failing on the first command.
 * {@code tc} and {@code nft} are null when not installed and the lab does not need them.
 */
record LabTools(String ip, String tc, String nft) {
    /** A lab without a rate limit may still read its qdisc, which needs {@code tc} after all. */
    @Override
    public String tc() {
        if (tc == null) {
            throw new NetworkLabUnavailableException(List.of(missing("tc", "iproute2")));
        }
        return tc;
    }

    /**
     * Checks root privileges and finds the tools; {@code ip} is always needed.
     *
     * @throws NetworkLabUnavailableException listing what is missing and how to get it
     */
    static LabTools require(boolean needTc, boolean needNft) {
        List<String> problems = new ArrayList<>();
        Set<Capability> caps = Capability.effective().orElse(Set.of());
        boolean netAdmin = caps.contains(Capability.NET_ADMIN);
        boolean sysAdmin = caps.contains(Capability.SYS_ADMIN);
        if (!netAdmin || !sysAdmin) {
            problems.add("missing " + (!netAdmin && !sysAdmin ? "CAP_NET_ADMIN and CAP_SYS_ADMIN"
                    : !netAdmin ? "CAP_NET_ADMIN" : "CAP_SYS_ADMIN")
                    + " (needed to create network namespaces, veth links, qdiscs and nftables rules): run as root,"
                    + " e.g. `sudo mvn test`, or start the container with --cap-add NET_ADMIN --cap-add SYS_ADMIN");
        }
        Optional<String> ip = Commands.find("ip");
        Optional<String> tc = Commands.find("tc");
        Optional<String> nft = Commands.find("nft");
        if (ip.isEmpty()) {
            problems.add(missing("ip", "iproute2"));
        }
        if (needTc && tc.isEmpty()) {
            problems.add(missing("tc", "iproute2"));
        }
        if (needNft && nft.isEmpty()) {
            problems.add(missing("nft", "nftables"));
        }
        if (!problems.isEmpty()) {
            throw new NetworkLabUnavailableException(problems);
        }
        return new LabTools(ip.get(), tc.orElse(null), nft.orElse(null));
    }

    private static String missing(String tool, String pkg) {
        return "`" + tool + "` not found on PATH or in /usr/sbin, /sbin: install the " + pkg + " package (Debian/Ubuntu:"
                + " apt-get install " + pkg + "; Fedora/RHEL: dnf install " + ("iproute2".equals(pkg) ? "iproute" : pkg)
                + ")";
    }
}
