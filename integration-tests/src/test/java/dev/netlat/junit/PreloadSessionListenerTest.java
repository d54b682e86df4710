// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTracer;
import java.time.Duration;
import java.util.ServiceLoader;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.LauncherSessionListener;

class PreloadSessionListenerTest {
    @Test
    void isRegisteredWithTheJUnitPlatform() {
        assertThat(ServiceLoader.load(LauncherSessionListener.class).stream().map(ServiceLoader.Provider::type))
                .contains(PreloadSessionListener.class);
    }

    @Test
    void loadsTheProgramsInTheBackgroundSoNoTestWaitsForThem() {
        dev.netlat.capture.KernelRequired.assumeTracingAvailable();
        new PreloadSessionListener().launcherSessionOpened(null);
        // in this JVM the session's own listener has run already; either way the engine is there without a start()
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(NetworkTracer::isLoaded);
    }
}
