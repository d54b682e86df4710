// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue 7 point 1: what a JVM without the needed capabilities is told, and proof that a non-root JVM with exactly
 * CAP_BPF + CAP_PERFMON traces correctly. Uses setpriv (util-linux) to start child JVMs as user nobody.
 */
class PrivilegesTest {
    static Path classpathCopy;

    @BeforeAll
    static void copyClasspath() throws IOException {
        KernelRequired.assumeTracingAvailable();
        // nobody cannot read root's ~/.m2: copy the classpath somewhere world-readable
        classpathCopy = Files.createTempDirectory("netlat-cp-");
        List<String> entries = new ArrayList<>();
        int i = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            Path dst = classpathCopy.resolve((i++) + "-" + src.getFileName());
            if (Files.isDirectory(src)) {
                try (Stream<Path> walk = Files.walk(src)) {
                    for (Path p : (Iterable<Path>) walk::iterator) {
                        Path t = dst.resolve(src.relativize(p).toString());
                        if (Files.isDirectory(p)) {
                            Files.createDirectories(t);
                        } else {
                            Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                        }
                    }
                }
            } else if (Files.exists(src)) {
                Files.copy(src, dst);
            }
            entries.add(dst.toString());
        }
        Files.writeString(classpathCopy.resolve("classpath"), String.join(File.pathSeparator, entries));
        try (Stream<Path> walk = Files.walk(classpathCopy)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    @AfterAll
    static void removeCopy() throws IOException {
        if (classpathCopy != null) {
            try (Stream<Path> walk = Files.walk(classpathCopy)) {
                walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static String runAsNobody(String caps, String mainClass, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all" + caps, "--ambient-caps=-all" + caps, "--bounding-set=-all" + caps,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", Files.readString(classpathCopy.resolve("classpath")), mainClass));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).directory(classpathCopy.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    @Test
    @Tag("kernel-matrix")
    @DisplayName("privileges: a JVM without CAP_BPF and CAP_PERFMON is told which capabilities it lacks")
    void withoutCapabilitiesTheReasonNamesThem() throws Exception {
        String out = runAsNobody("", ChildProbe.class.getName(), "1");
        assertThat(out).contains("netlat cannot trace here").contains("CAP_BPF").contains("CAP_PERFMON");
    }

    @Test
    void exactlyCapBpfAndCapPerfmonAreEnoughForANonRootJvm() throws Exception {
        String out = runAsNobody(",+bpf,+perfmon", ChildProbe.class.getName(), "2");
        assertThat(out).as(out).contains("writes=40").contains("lost=0").contains("stage.ACK=AVAILABLE:40:");
    }
}
