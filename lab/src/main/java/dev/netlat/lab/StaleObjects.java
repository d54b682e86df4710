// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes namespaces, veth links and host nft tables that JVMs which died left behind. A JVM killed mid-test never
 * runs its shutdown hook, and its objects would otherwise pile up and use up subnets; the pid in each name (see
 * {@link LabNames}) tells whether the JVM that made it is gone.
 */
final class StaleObjects {
    private static final System.Logger LOG = System.getLogger(NetworkLab.class.getName());
    private static final Object LOCK = new Object();

    private StaleObjects() {
    }

    /** Removes the stale objects and says what was removed, as {@link NetworkLab#removeStale()} describes. */
    static List<String> remove(LabTools tools, Duration timeout) {
        synchronized (LOCK) {
            List<String> removed = new ArrayList<>();
            if (tools.nft() != null) {
                Commands.Result r = Commands.run(timeout, null, List.of(tools.nft(), "-j", "list", "tables"));
                if (r.ok()) {
                    for (JsonNode item : JsonOutput.parse(r.stdout(), "nft -j list tables").path("nftables")) {
                        JsonNode t = item.get("table");
                        if (t != null && isStale(LabNames.OBJECT_NAME, t.path("name").asText())) {
                            String family = t.path("family").asText("inet");
                            String name = t.path("name").asText();
                            if (removeObject(timeout, List.of(tools.nft(), "delete", "table", family, name))) {
                                removed.add("nft table " + family + " " + name);
                            }
                        }
                    }
                }
            }
            // List links before deleting namespaces: deleting a namespace takes its veth pair along asynchronously.
            List<String> staleLinks = new ArrayList<>();
            for (JsonNode link : JsonOutput.parse(Commands.check(timeout, List.of(tools.ip(), "-j", "link", "show")),
                    "ip -j link show")) {
                String name = link.path("ifname").asText();
                int at = name.indexOf('@');
                if (at >= 0) {
                    name = name.substring(0, at);
                }
                if (isStale(LabNames.LINK_NAME, name)) {
                    staleLinks.add(name);
                }
            }
            String netns = Commands.check(timeout, List.of(tools.ip(), "-j", "netns", "list"));
            if (!netns.isBlank()) {
                for (JsonNode ns : JsonOutput.parse(netns, "ip -j netns list")) {
                    String name = ns.path("name").asText();
                    if (isStale(LabNames.OBJECT_NAME, name)
                            && removeObject(timeout, List.of(tools.ip(), "netns", "del", name))) {
                        removed.add("netns " + name);
                    }
                }
            }
            for (String name : staleLinks) {
                if (removeObject(timeout, List.of(tools.ip(), "link", "del", name))) {
                    removed.add("link " + name);
                } else if (!Files.exists(Path.of("/sys/class/net", name))) {
                    removed.add("link " + name); // went away with its namespace
                }
            }
            if (!removed.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "removed stale network lab objects: {0}", removed);
            }
            return removed;
        }
    }

    private static boolean removeObject(Duration timeout, List<String> command) {
        Commands.Result r = Commands.run(timeout, null, command);
        if (!r.ok() && !r.notFound()) {
            LOG.log(System.Logger.Level.WARNING, "could not remove stale object: {0}", r.describe());
        }
        return r.ok();
    }

    /** A lab name whose pid is not a live process, or is this JVM's but not of a lab this JVM has under way. */
    private static boolean isStale(Pattern pattern, String name) {
        Matcher m = pattern.matcher(name);
        if (!m.matches()) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (pid == LabNames.PID) {
            return !OpenLabs.owns(NetworkLab.NAME_PREFIX + m.group(1) + "-" + m.group(2));
        }
        return ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true);
    }
}
