// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import dev.netlat.NetworkTracer;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Loads the kernel programs in the background as soon as a JUnit session opens (registered through
 * META-INF/services), so the first traced test does not wait for JNA, the BTF and the verifier (a few hundred ms in
 * a fresh JVM). Nothing is traced until a window opens, and the programs are detached again after the idle grace
 * period if no test traces. {@code netlat.preload=false} (system property) turns it off. A failure is not reported
 * here: the first traced test reports it, with the reason, as it would without the preload.
 */
public final class PreloadSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if ("false".equalsIgnoreCase(System.getProperty("netlat.preload", "true").trim())) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                NetworkTracer.preload();
            } catch (LinkageError | RuntimeException e) { // NetlatUnavailableException among them
                // said by the first traced test (skip or fail with the reason), not by a background thread
            }
        }, "netlat-preload");
        t.setDaemon(true);
        t.start();
    }
}
