// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one lab's {@code ip}, {@code tc} and {@code nft} commands, on the host or inside its namespace, with the
 * lab's timeouts, so the parts of a lab need not each carry the tools and timeouts around.
 */
final class LabCommands {
    private final LabTools tools;
    private final Duration timeout;
    /** Removing things gets at least the default timeout, even when creation was given a short one. */
    private final Duration cleanupTimeout;
    private final String namespace;

    LabCommands(LabTools tools, Duration timeout, String namespace) {
        this.tools = tools;
        this.timeout = timeout;
        this.cleanupTimeout = cleanupTimeout(timeout);
        this.namespace = namespace;
    }

    static Duration cleanupTimeout(Duration commandTimeout) {
        return commandTimeout.compareTo(Commands.DEFAULT_TIMEOUT) > 0 ? commandTimeout : Commands.DEFAULT_TIMEOUT;
    }

    LabTools tools() {
        return tools;
    }

    /** Runs {@code ip} with these arguments; throws with its stderr when it fails. */
    void ip(String... args) {
        check(Commands.cmd(tools.ip(), args));
    }

    /** Runs the command and returns its stdout; throws with its stderr when it fails. */
    String check(List<String> command) {
        return Commands.check(timeout, command);
    }

    /** Like {@link #check(List)}, feeding {@code stdin} to the command. */
    String check(String stdin, List<String> command) {
        return Commands.check(timeout, stdin, command);
    }

    /** The command as run inside the namespace by {@code ip netns exec}. */
    List<String> inNamespace(List<String> command) {
        List<String> l = new ArrayList<>(List.of(tools.ip(), "netns", "exec", namespace));
        l.addAll(command);
        return l;
    }

    /**
     * Runs a command that removes something; a failure other than "it is gone already" is added to {@code errors}
     * rather than thrown, so that closing a lab goes on to remove the rest.
     */
    void remove(List<String> errors, List<String> command) {
        try {
            Commands.Result r = Commands.run(cleanupTimeout, null, command);
            if (!r.ok() && !r.notFound()) {
                errors.add(r.describe());
            }
        } catch (RuntimeException e) {
            errors.add(e.getMessage());
        }
    }
}
