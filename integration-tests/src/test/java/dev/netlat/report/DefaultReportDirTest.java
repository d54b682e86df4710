// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.junit.NetlatConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The report directory follows the build tool: {@code build/netlat} under Gradle, {@code target/netlat} else. */
class DefaultReportDirTest {

    @TempDir
    Path project;

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "pom.xml, target/netlat",
            "build.gradle, build/netlat",
            "build.gradle.kts, build/netlat",
            "settings.gradle, build/netlat",
            "settings.gradle.kts, build/netlat",
            "pom.xml build.gradle, target/netlat",
            "README.md, target/netlat"})
    void withoutBuildToolPropertiesTheWorkingDirectoryDecides(String files, String expected) throws Exception {
        for (String f : files.split(" ")) {
            Files.createFile(project.resolve(f));
        }
        assertThat(NetlatConfig.defaultReportDir(Map.<String, String>of()::get, project)).isEqualTo(expected);
    }

    @Test
    void gradlesTestWorkerPropertyMeansGradleWhateverTheDirectoryHolds() throws Exception {
        Files.createFile(project.resolve("pom.xml"));

        assertThat(NetlatConfig.defaultReportDir(Map.of("org.gradle.test.worker", "3")::get, project))
                .isEqualTo("build/netlat");
    }

    @Test
    void surefiresPropertiesMeanMavenWhateverTheDirectoryHolds() throws Exception {
        Files.createFile(project.resolve("build.gradle.kts"));

        assertThat(NetlatConfig.defaultReportDir(Map.of("surefire.test.class.path", "a.jar")::get, project))
                .isEqualTo("target/netlat");
        assertThat(NetlatConfig.defaultReportDir(Map.of("surefire.real.class.path", "a.jar")::get, project))
                .isEqualTo("target/netlat");
    }

    @Test
    void thisMavenBuildGetsTarget() {
        assertThat(NetlatConfig.DEFAULT_REPORT_DIR).isEqualTo("target/netlat");
    }
}
