// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import dev.netlat.NetworkTracer;

/**
 * netlat loaded but idle: before each B block a window is opened and closed with {@code netlat.idleDetachAfter=0},
 * so the B passes run with the programs loaded and the per-packet ones detached, as every untraced test of a suite
 * runs once netlat has traced one. Unloaded for the A passes, like {@link NetlatTracer}.
 */
final class NetlatIdleTracer implements Tracer {
    @Override
    public String name() {
        return "netlat loaded, no window (idle)";
    }

    @Override
    public void on(int port) {
        String before = System.getProperty("netlat.idleDetachAfter");
        System.setProperty("netlat.idleDetachAfter", "0");
        try {
            NetworkTracer.start().close();
        } finally {
            if (before == null) {
                System.clearProperty("netlat.idleDetachAfter");
            } else {
                System.setProperty("netlat.idleDetachAfter", before);
            }
        }
    }

    @Override
    public void off() {
        NetworkTracer.unload();
    }
}
