package dev.netlat.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The committed object must be built from the committed C sources: fails when a .c/.h changed without
 * bpf/src/main/c/build.sh being run again (the bpf2go approach: the object is committed, a guard keeps it honest).
 */
class BpfObjectGuardTest {
    static final Path SOURCES = Path.of("src/main/c");

    @Test
    void objectMatchesItsSources() throws Exception {
        Map<String, String> recorded = new TreeMap<>();
        for (String line : new String(Layout.resource("netlat.sources.sha256"), StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                String[] parts = line.trim().split("\\s+", 2);
                recorded.put(parts[1], parts[0]);
            }
        }
        Map<String, String> actual = new TreeMap<>();
        try (Stream<Path> files = Files.list(SOURCES)) {
            for (Path p : files.filter(f -> f.toString().endsWith(".c") || f.toString().endsWith(".h")).toList()) {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                actual.put(p.getFileName().toString(), HexFormat.of().formatHex(digest));
            }
        }
        assertThat(actual).as("C sources changed since netlat.bpf.o was built: run bpf/src/main/c/build.sh and commit "
                + "the object with its sources").isEqualTo(recorded);
    }

    @Test
    void layoutDescribesTheSharedHeader() {
        Layout l = Layout.INSTANCE;
        for (String key : List.of("offset.active", "offset.epoch", "offset.hist", "offset.events", "size.event",
                "const.NL_SLOTS", "prog_info.recursion_misses")) {
            assertThat(l.get(key)).as(key).isGreaterThanOrEqualTo(0);
        }
        assertThat(l.get("const.NL_SLOTS")).isEqualTo(dev.netlat.HistogramBuckets.SLOTS);
        assertThat(l.get("const.NL_SUB_BITS")).isEqualTo(dev.netlat.HistogramBuckets.SUB_BITS);
        assertThat(l.get("const.NL_MAX_EXP")).isEqualTo(dev.netlat.HistogramBuckets.MAX_EXP);
    }
}
