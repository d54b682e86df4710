// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads the kernel's SNMP counters the way {@code nstat -az} names them (TcpRetransSegs, TcpExtTCPLostRetransmit, …). */
final class Nstat {
    private Nstat() {
    }

    /** Counters of the network namespace {@code procNet} (e.g. /proc/self/net or /proc/thread-self/net) belongs to. */
    static Map<String, Long> read(Path procNet) {
        Map<String, Long> out = new TreeMap<>();
        try {
            parsePairs(Files.readAllLines(procNet.resolve("snmp")), out);
            parsePairs(Files.readAllLines(procNet.resolve("netstat")), out);
            try {
                parseSnmp6(Files.readAllLines(procNet.resolve("snmp6")), out);
            } catch (NoSuchFileException e) {
                // IPv6 disabled in this kernel
            }
        } catch (IOException e) {
            throw new NetworkLabException("cannot read SNMP counters under " + procNet + ": " + e, e);
        }
        return out;
    }

    /** /proc/net/snmp and netstat: a header line "Tcp: A B" followed by a value line "Tcp: 1 2". */
    static void parsePairs(List<String> lines, Map<String, Long> out) {
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            String[] names = lines.get(i).trim().split("\\s+");
            String[] values = lines.get(i + 1).trim().split("\\s+");
            if (names.length == 0 || !names[0].endsWith(":") || !names[0].equals(values[0])) {
                continue;
            }
            String prefix = names[0].substring(0, names[0].length() - 1);
            for (int k = 1; k < Math.min(names.length, values.length); k++) {
                try {
                    out.put(prefix + names[k], Long.parseLong(values[k]));
                } catch (NumberFormatException ignored) {
                    // not a counter
                }
            }
        }
    }

    /** /proc/net/snmp6: "Ip6InReceives   5" per line. */
    static void parseSnmp6(List<String> lines, Map<String, Long> out) {
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                try {
                    out.put(f[0], Long.parseLong(f[1]));
                } catch (NumberFormatException ignored) {
                    // not a counter
                }
            }
        }
    }
}
