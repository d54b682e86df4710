// SPDX-License-Identifier: Apache-2.0
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed object, and the Java build.sh generates beside it (dev.netlat.LostCause, RetransmitKind), must be built from the
 * committed C sources: fails when a .c/.h changed without bpf/src/main/c/build.sh being run again, or when its outputs
 * were not committed with them (the bpf2go approach: the outputs are committed, a guard keeps them honest).
 */
class BpfObjectGuardTest {
    static final Path SOURCES = Path.of("src/main/c");
    static final Path GENERATED = Path.of("src/main/java/dev/netlat");

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

    @Test
    void everyProgramIsARowOfTheHookTableWithItsOwnSection() {
        // opening an object needs no privileges: libbpf only parses the ELF
        LibBpf bpf = LibBpf.load();
        byte[] image = Layout.resource("netlat.bpf.o");
        com.sun.jna.Memory buf = new com.sun.jna.Memory(image.length);
        buf.write(0, image, 0, image.length);
        com.sun.jna.Pointer obj = bpf.bpf_object__open_mem(buf, image.length, null);
        assertThat(obj).isNotNull();
        Map<String, String> sections = new TreeMap<>();
        try {
            for (com.sun.jna.Pointer p = bpf.bpf_object__next_program(obj, null); p != null; p = bpf.bpf_object__next_program(obj, p)) {
                sections.put(bpf.bpf_program__name(p), bpf.bpf_program__section_name(p));
            }
        } finally {
            bpf.bpf_object__close(obj);
        }
        Map<String, String> table = new TreeMap<>();
        for (HookVariant v : HookVariant.table(Layout.INSTANCE)) {
            table.put(v.program(), v.attachPoint());
        }
        assertThat(sections).as("programs in netlat.bpf.o vs rows of hooks.h").isEqualTo(table);
    }

    @Test
    void theTimingBudgetTheApiDescribesIsTheKernelPrograms() {
        Layout l = Layout.INSTANCE;
        assertThat(dev.netlat.TraceOptions.TIMED_BURST).isEqualTo(l.get("const.NL_TIMED_BURST"));
        assertThat(dev.netlat.TraceOptions.TIMED_PER_SECOND).isEqualTo(l.get("const.NL_TIMED_PER_SEC"));
        assertThat(dev.netlat.TraceOptions.TIMED_ALL_PER_SECOND).isEqualTo(l.get("const.NL_TIMED_ALL_PER_SEC"));
        assertThat(dev.netlat.TraceOptions.TIMED_ALL_BURST).isEqualTo(l.get("const.NL_TIMED_ALL_BURST"));
    }

    @Test
    void javaEnumsAreInTheOrderOfTheCSideConstants() {
        Layout l = Layout.INSTANCE;
        String[] kinds = {"RK_TIMEOUT", "RK_FAST", "RK_TLP", "RK_SYN", "RK_SYN_ACK", "RK_OTHER"};
        dev.netlat.RetransmitKind[] java = {dev.netlat.RetransmitKind.TIMEOUT, dev.netlat.RetransmitKind.FAST,
            dev.netlat.RetransmitKind.TAIL_LOSS_PROBE, dev.netlat.RetransmitKind.SYN, dev.netlat.RetransmitKind.SYN_ACK,
            dev.netlat.RetransmitKind.OTHER};
        for (int i = 0; i < kinds.length; i++) {
            assertThat(l.get("const." + kinds[i])).as(kinds[i]).isEqualTo(java[i].ordinal());
        }
        assertThat(dev.netlat.RetransmitKind.values()).hasSize(kinds.length);
        String[] events = {"NL_EV_RETRANSMIT", "NL_EV_DROP", "NL_EV_RESET_SENT", "NL_EV_RESET_RECEIVED", "NL_EV_LISTEN_OVERFLOW"};
        for (int i = 0; i < events.length; i++) {
            assertThat(dev.netlat.NetworkEvent.Kind.values()[l.get("const." + events[i])].name())
                    .isEqualTo(events[i].substring("NL_EV_".length()));
        }
        assertThat(l.get("const.NL_HISTS")).isEqualTo(dev.netlat.Metric.values().length);
        for (dev.netlat.Metric m : dev.netlat.Metric.values()) {
            assertThat(l.get("const.NL_HIST_" + m.name())).as("NL_HIST_" + m.name()).isEqualTo(m.ordinal());
        }
    }

    /**
     * LostCause.java and RetransmitKind.java are generated by build.sh from netlat.h: each header names the digests of
     * what it was made from.
     */
    @ParameterizedTest
    @ValueSource(strings = {"LostCause", "RetransmitKind"})
    void generatedEnumIsFreshFromItsSources(String name) throws Exception {
        Path generated = GENERATED.resolve(name + ".java");
        List<String> header = Files.readAllLines(generated).stream().takeWhile(line -> line.startsWith("//")).toList();
        Map<String, String> recorded = new TreeMap<>();
        Map<String, String> actual = new TreeMap<>();
        for (String line : header) {
            String[] f = line.split("\\s+");
            if (f.length == 5 && f[1].equals("source") && f[3].equals("sha256")) {
                recorded.put(f[2], f[4]);
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(SOURCES.resolve(f[2])));
                actual.put(f[2], HexFormat.of().formatHex(digest));
            }
        }
        assertThat(recorded.keySet()).as("inputs named in the header of " + generated)
                .containsExactlyInAnyOrder("netlat.h", "java_enums.c");
        assertThat(actual).as(generated + " is stale: run bpf/src/main/c/build.sh and commit it with netlat.h")
                .isEqualTo(recorded);
    }

    /** The generated enum says what the layout of one build says: every kernel cause, at its index, in its words. */
    @Test
    void lostCausesAreTheKernelTable() {
        Layout l = Layout.INSTANCE;
        Map<Integer, String> kernel = new TreeMap<>();
        for (int i = 0; i < l.get("const.NL_LOST_CAUSES"); i++) {
            if (l.has("lost." + i)) {
                kernel.put(i, l.string("lost." + i));
            }
        }
        Map<Integer, String> java = new TreeMap<>();
        for (dev.netlat.LostCause c : dev.netlat.LostCause.values()) {
            if (c.kernelIndex() >= 0) {
                assertThat(java.put(c.kernelIndex(), c.description())).as("two causes at " + c.kernelIndex()).isNull();
            }
        }
        assertThat(java).as("LostCause vs the lost.N entries of netlat.layout").isEqualTo(kernel).isNotEmpty();
        assertThat(dev.netlat.LostCause.SOCKET_TABLE_FULL.description()).startsWith("socket table full");
    }
}
