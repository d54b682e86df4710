// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A lab's addresses: the two ends of a /30 in the benchmarking range 198.18.0.0/15 and, with IPv6, of a /64 in the
 * ULA prefix fd6e:6c61:6200::/48. The subnet is picked among those no interface on the host uses and assigned while
 * holding a machine-wide file lock, so labs of concurrent JVMs never share one. {@code host6} and {@code peer6} are
 * null without IPv6.
 */
record LabAddresses(Inet4Address host, Inet4Address peer, Inet6Address host6, Inet6Address peer6) {
    private static final int NET_BASE = (198 << 24) | (18 << 16); // 198.18.0.0/15
    private static final int SUBNETS = 1 << 15; // /30 subnets in a /15
    private static final String ULA_PREFIX = "fd6e:6c61:6200:"; // fd6e:6c61:6200::/48, a /64 per lab
    /** Held by this JVM's labs in turn, since the file lock is per JVM and cannot be taken twice in one. */
    private static final Object ALLOCATION_LOCK = new Object();

    boolean ipv6() {
        return host6 != null;
    }

    /** Picks a free subnet and assigns the host end's IPv4 address to the lab's host interface. */
    static LabAddresses assignHost(LabCommands commands, LabNames names, boolean ipv6) {
        synchronized (ALLOCATION_LOCK) {
            try (FileChannel ch = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                assert lock.isValid();
                Set<Integer> used = usedSubnets(commands);
                int start = Math.floorMod(names.base().hashCode() * 31 + 17, SUBNETS);
                int index = -1;
                for (int k = 0; k < SUBNETS; k++) {
                    int i = (start + k) % SUBNETS;
                    if (!used.contains(i)) {
                        index = i;
                        break;
                    }
                }
                if (index < 0) {
                    throw new NetworkLabException("all " + SUBNETS + " /30 subnets of 198.18.0.0/15 are in use;"
                            + " close labs or run NetworkLab.removeStale()");
                }
                Inet6Address host6 = null;
                Inet6Address peer6 = null;
                if (ipv6) {
                    String net = ULA_PREFIX + Integer.toHexString(index) + "::";
                    host6 = (Inet6Address) InetAddress.getByName(net + "1");
                    peer6 = (Inet6Address) InetAddress.getByName(net + "2");
                }
                LabAddresses addresses = new LabAddresses(v4(NET_BASE + index * 4 + 1), v4(NET_BASE + index * 4 + 2),
                        host6, peer6);
                commands.ip("addr", "add", addresses.host().getHostAddress() + "/30", "dev", names.hostInterface());
                return addresses;
            } catch (IOException e) {
                throw new NetworkLabException("cannot lock " + lockFile() + " to allocate a subnet: " + e, e);
            }
        }
    }

    private static Path lockFile() {
        Path runLock = Path.of("/run/lock");
        Path dir = Files.isDirectory(runLock) && Files.isWritable(runLock)
                ? runLock : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("netlat-lab.lock");
    }

    private static Set<Integer> usedSubnets(LabCommands commands) {
        String out = commands.check(List.of(commands.tools().ip(), "-j", "-4", "addr", "show"));
        Set<Integer> used = new HashSet<>();
        for (JsonNode link : JsonOutput.parse(out, "ip -j -4 addr show")) {
            for (JsonNode a : link.path("addr_info")) {
                String local = a.path("local").asText("");
                try {
                    InetAddress addr = InetAddress.getByName(local);
                    if (addr instanceof Inet4Address) {
                        byte[] b = addr.getAddress();
                        int v = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
                        if ((v & 0xFFFE_0000) == NET_BASE) {
                            used.add((v - NET_BASE) >>> 2);
                        }
                    }
                } catch (UnknownHostException ignored) {
                    // not an address literal
                }
            }
        }
        return used;
    }

    private static Inet4Address v4(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(
                    new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
