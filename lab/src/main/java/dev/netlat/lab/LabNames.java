// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * The names of one lab's objects: {@code nl-<pid>-<n>} for the namespace and the nft table, with {@code h} and
 * {@code p} appended for the host and namespace ends of the veth pair. The creating JVM's pid is in every name so
 * that {@link StaleObjects} can tell which objects a dead JVM left behind.
 */
record LabNames(String base, String namespace, String hostInterface, String peerInterface, String nftTable) {
    static final long PID = ProcessHandle.current().pid();
    /** A namespace or nft table name: the pid in group 1, the lab counter in group 2. */
    static final Pattern OBJECT_NAME = Pattern.compile("nl-(\\d{1,10})-([0-9a-z]{1,10})");
    /** A veth end's name, grouped like {@link #OBJECT_NAME}. */
    static final Pattern LINK_NAME = Pattern.compile("nl-(\\d{1,10})-([0-9a-z]{1,10})[hp]");

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final int MAX_IFNAME = 15;

    /** Names for a new lab of this JVM. */
    static LabNames next() {
        String base = NetworkLab.NAME_PREFIX + PID + "-" + Integer.toString(COUNTER.getAndIncrement(), 36);
        if (base.length() + 1 > MAX_IFNAME) {
            throw new NetworkLabException("lab name " + base + "h would exceed the kernel's " + MAX_IFNAME
                    + "-character interface name limit (this JVM created too many labs)");
        }
        return new LabNames(base, base, base + "h", base + "p", base);
    }
}
