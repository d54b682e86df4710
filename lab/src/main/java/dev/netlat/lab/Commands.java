// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Runs {@code ip}, {@code tc}, {@code nft} and other commands with a timeout, capturing their output. */
final class Commands {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private Commands() {
    }

    /** Outcome of a finished command. */
    record Result(List<String> command, int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }

        /** Whether stderr says the object the command acts on does not exist, e.g. when removing it again. */
        boolean notFound() {
            String s = stderr.toLowerCase(Locale.ROOT);
            return s.contains("cannot find device") || s.contains("no such file") || s.contains("does not exist")
                    || s.contains("no such device");
        }

        String describe() {
            String err = stderr.strip();
            if (err.isEmpty()) {
                err = stdout.strip();
            }
            return "`" + String.join(" ", command) + "` failed with exit code " + exitCode
                    + (err.isEmpty() ? "" : ": " + err);
        }
    }

    /** Runs the command; returns its result whatever the exit code. Throws only on timeout or when it cannot start. */
    static Result run(Duration timeout, String stdin, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("LC_ALL", "C");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new NetworkLabException("cannot start `" + String.join(" ", command) + "`: " + e.getMessage(), e);
        }
        StreamDrain out = new StreamDrain(p.getInputStream(), "stdout");
        StreamDrain err = new StreamDrain(p.getErrorStream(), "stderr");
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // The process may exit without reading its input; its exit code and stderr tell the story.
        }
        boolean finished;
        try {
            finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetworkLabException("interrupted while running `" + String.join(" ", command) + "`", e);
        }
        if (!finished) {
            p.destroyForcibly();
            throw new NetworkLabException("`" + String.join(" ", command) + "` did not finish within "
                    + timeout.toMillis() + " ms and was killed; stderr so far: " + err.text(Duration.ofMillis(200)));
        }
        return new Result(List.copyOf(command), p.exitValue(), out.text(Duration.ofSeconds(2)),
                err.text(Duration.ofSeconds(2)));
    }

    /** Runs the command and returns its stdout; throws with the command and its stderr when it fails. */
    static String check(Duration timeout, String stdin, List<String> command) {
        Result r = run(timeout, stdin, command);
        if (!r.ok()) {
            throw new NetworkLabException(r.describe() + hint(r.stderr()));
        }
        return r.stdout();
    }

    static String check(Duration timeout, List<String> command) {
        return check(timeout, null, command);
    }

    /** Points at the missing kernel piece when a tool's error message is a known symptom of one. */
    private static String hint(String stderr) {
        String s = stderr.toLowerCase();
        if (s.contains("unknown device type")) {
            return " (the kernel lacks veth support: load it with `modprobe veth`, CONFIG_VETH)";
        }
        if (s.contains("qdisc kind is unknown")) {
            return " (the kernel lacks the tbf qdisc: load it with `modprobe sch_tbf`, CONFIG_NET_SCH_TBF)";
        }
        if (s.contains("operation not permitted")) {
            return " (needs CAP_NET_ADMIN and CAP_SYS_ADMIN: run as root)";
        }
        if (s.contains("could not process rule") && s.contains("no such file")) {
            return " (the kernel may lack nftables modules: try `modprobe nf_tables nft_numgen nft_counter`)";
        }
        return "";
    }

    /** Absolute path of an executable from PATH or the usual sbin directories (often not on a user's PATH). */
    static Optional<String> find(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(":")) {
                if (!d.isEmpty()) {
                    dirs.add(d);
                }
            }
        }
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin", "/bin"));
        for (String d : dirs) {
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    static List<String> cmd(String first, String... rest) {
        List<String> l = new ArrayList<>(1 + rest.length);
        l.add(first);
        l.addAll(List.of(rest));
        return l;
    }

    /** Reads a stream to the end on a daemon thread so a chatty child can never block on a full pipe. */
    private static final class StreamDrain {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final Thread thread;

        StreamDrain(InputStream in, String what) {
            thread = new Thread(() -> {
                byte[] b = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(b)) >= 0) {
                        synchronized (buf) {
                            buf.write(b, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // process killed or stream closed
                }
            }, "netlab-cmd-" + what);
            thread.setDaemon(true);
            thread.start();
        }

        String text(Duration wait) {
            try {
                thread.join(wait.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
