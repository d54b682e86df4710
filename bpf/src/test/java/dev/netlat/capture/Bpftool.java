// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Asks bpftool (Debian package bpftool) what the kernel has loaded: an independent view of our programs and links. */
public final class Bpftool {
    private Bpftool() {
    }

    /** Ids of loaded programs named nl_* (ours). */
    public static List<Integer> ourProgramIds() throws IOException, InterruptedException {
        return ids(run("bpftool", "-j", "prog", "show"), "nl_");
    }

    /** Ids of links whose program is one of ours. */
    public static List<Integer> ourLinkProgIds() throws IOException, InterruptedException {
        List<Integer> progs = ourProgramIds();
        List<Integer> out = new ArrayList<>();
        Matcher m = Pattern.compile("\"prog_id\":(\\d+)").matcher(run("bpftool", "-j", "link", "show"));
        while (m.find()) {
            int id = Integer.parseInt(m.group(1));
            if (progs.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    private static List<Integer> ids(String json, String prefix) {
        List<Integer> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\{\"id\":(\\d+),\"type\":\"[a-z_]+\",\"name\":\"([^\"]*)\"").matcher(json);
        while (m.find()) {
            if (m.group(2).startsWith(prefix)) {
                out.add(Integer.parseInt(m.group(1)));
            }
        }
        return out;
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", cmd) + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (is bpftool installed? apt-get install bpftool): "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
