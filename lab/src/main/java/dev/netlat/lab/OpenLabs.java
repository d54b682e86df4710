// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The labs this JVM has under way. Their names are never taken for stale objects, even while a lab is still being
 * created, and a shutdown hook closes the labs a test left open so that no namespace outlives the JVM.
 */
final class OpenLabs {
    /** Base names this JVM is creating or has open; anything else named with our pid is stale. */
    private static final Set<String> OWNED = ConcurrentHashMap.newKeySet();
    private static final Set<NetworkLab> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();

    private OpenLabs() {
    }

    /** Marks the names as this JVM's before anything is created under them. */
    static void claim(String base) {
        OWNED.add(base);
    }

    static boolean owns(String base) {
        return OWNED.contains(base);
    }

    /** The lab is about to create objects: close it at JVM exit unless it is closed before. */
    static void opened(NetworkLab lab) {
        installShutdownHook();
        OPEN.add(lab);
    }

    /** The lab was closed; leftovers under its names, if any, are now stale and go with the next lab's creation. */
    static void closed(NetworkLab lab, String base) {
        OPEN.remove(lab);
        OWNED.remove(base);
    }

    private static void installShutdownHook() {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (NetworkLab lab : List.copyOf(OPEN)) {
                    try {
                        lab.close();
                    } catch (RuntimeException e) {
                        System.err.println("netlat NetworkLab: " + e.getMessage());
                    }
                }
            }, "netlab-shutdown"));
        }
    }
}
