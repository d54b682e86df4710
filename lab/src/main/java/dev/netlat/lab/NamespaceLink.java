// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A lab's network namespace and the veth pair that joins it to the host, with the addresses on both ends: creating
 * them in steps and removing whatever of them was attempted.
 */
final class NamespaceLink {
    private static final System.Logger LOG = System.getLogger(NetworkLab.class.getName());

    private final LabCommands commands;
    private final LabNames names;
    // Set before the command that creates the object, so that one whose command timed out is removed too.
    private volatile boolean namespaceAttempted;
    private volatile boolean linkAttempted;

    NamespaceLink(LabCommands commands, LabNames names) {
        this.commands = commands;
        this.names = names;
    }

    /** Creates the namespace and the veth pair and addresses both ends; the links stay down until {@link #up()}. */
    LabAddresses create(boolean ipv6) {
        String namespace = names.namespace();
        String hostInterface = names.hostInterface();
        String peerInterface = names.peerInterface();
        namespaceAttempted = true;
        commands.ip("netns", "add", namespace);
        linkAttempted = true;
        commands.ip("link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface, "netns", namespace);
        if (!ipv6) {
            // Keeps IPv6 neighbour discovery and MLD off the host side, so qdisc counters show only the test's traffic.
            writeQuietly(Path.of("/proc/sys/net/ipv6/conf", hostInterface, "disable_ipv6"), "1");
        }
        LabAddresses addresses = LabAddresses.assignHost(commands, names, ipv6);
        commands.ip("-n", namespace, "addr", "add", addresses.peer().getHostAddress() + "/30", "dev", peerInterface);
        if (ipv6) {
            commands.ip("-6", "addr", "add", addresses.host6().getHostAddress() + "/64", "dev", hostInterface,
                    "nodad");
            commands.ip("-n", namespace, "-6", "addr", "add", addresses.peer6().getHostAddress() + "/64", "dev",
                    peerInterface, "nodad");
        }
        return addresses;
    }

    /** Brings up the namespace's loopback and both ends of the veth pair. */
    void up() {
        commands.ip("-n", names.namespace(), "link", "set", "lo", "up");
        commands.ip("-n", names.namespace(), "link", "set", names.peerInterface(), "up");
        commands.ip("link", "set", names.hostInterface(), "up");
    }

    /** veth reports carrier once both ends are up; wait for it so the first SYN is not lost. */
    void awaitCarrier() {
        Path operstate = Path.of("/sys/class/net", names.hostInterface(), "operstate");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                if ("up".equals(Files.readString(operstate).trim())) {
                    return;
                }
                Thread.sleep(5);
            } catch (IOException e) {
                return; // no sysfs: nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "{0} did not report carrier within 3 s", names.hostInterface());
    }

    /**
     * Removes the host interface, which takes its peer with it, and then the namespace; failures go to
     * {@code errors}.
     */
    void remove(List<String> errors) {
        if (linkAttempted) {
            commands.remove(errors, List.of(commands.tools().ip(), "link", "del", names.hostInterface()));
        }
        if (namespaceAttempted) {
            commands.remove(errors, List.of(commands.tools().ip(), "netns", "del", names.namespace()));
        }
    }

    private static void writeQuietly(Path p, String value) {
        try {
            Files.writeString(p, value);
        } catch (IOException e) {
            // IPv6 not built in or sysctl not writable: harmless
        }
    }
}
