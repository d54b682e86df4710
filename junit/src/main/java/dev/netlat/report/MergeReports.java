// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One netlat report from the report directories of several CI shards: the JSON reports (and the skipped traced
 * tests) of every shard copied into one directory, its {@code index.html}, and the console summary of the whole run
 * ({@link RunSummary}); with {@code GITHUB_STEP_SUMMARY} set, the Markdown summary is appended to the job summary as
 * the test run's listener does.
 *
 * <pre>
 * java -cp "netlat-junit.jar:&lt;its dependencies&gt;" dev.netlat.report.MergeReports OUT_DIR IN_DIR...
 * </pre>
 * e.g. after downloading the {@code target/netlat} of each shard as an artifact:
 * {@code java -cp "$(cat cp.txt)" dev.netlat.report.MergeReports merged shard-1/target/netlat shard-2/target/netlat}
 * (with {@code mvn dependency:build-classpath -Dmdep.outputFile=cp.txt} in a project that depends on netlat-junit;
 * junit-platform-launcher is not needed). Every file of the shards is taken, so give it the directories of one run.
 *
 * <p>{@code OUT_DIR} is created if missing and must not hold JSON reports already, so that a report never mixes
 * runs. A test found in two shards (a file of the same name) is kept twice, the later copy as
 * {@code <name>~<shard>.json}. Exit status 0 when the report was written (whatever the budgets say: the shards'
 * builds judged them), 2 for wrong arguments, 1 when reading or writing failed.
 */
public final class MergeReports {
    private static final String USAGE = "usage: java -cp <netlat-junit + dependencies> dev.netlat.report.MergeReports"
            + " OUT_DIR IN_DIR...";

    private MergeReports() {
    }

    public static void main(String[] args) {
        int status = run(List.of(args), System.out, System.err, System.getenv());
        if (status != 0) {
            System.exit(status);
        }
    }

    /** {@link #main} without exiting; returns the exit status. */
    static int run(List<String> args, PrintStream out, PrintStream err, Map<String, String> env) {
        if (args.size() < 2) {
            err.println(USAGE);
            return 2;
        }
        Path target = Path.of(args.get(0)).toAbsolutePath().normalize();
        List<Path> shards = new ArrayList<>();
        for (String a : args.subList(1, args.size())) {
            Path shard = Path.of(a).toAbsolutePath().normalize();
            if (!Files.isDirectory(shard)) {
                err.println("netlat: " + a + " is not a directory of netlat JSON reports\n" + USAGE);
                return 2;
            }
            if (shard.equals(target)) {
                err.println("netlat: OUT_DIR " + target + " is one of the IN_DIRs; merge into a new directory\n"
                        + USAGE);
                return 2;
            }
            shards.add(shard);
        }
        try {
            int present = Reports.jsonFiles(target, null).size()
                    + Reports.jsonFiles(target.resolve(SkippedTest.DIRECTORY), null).size();
            if (present > 0) {
                err.println("netlat: OUT_DIR " + target + " already holds " + present + " JSON report"
                        + (present == 1 ? "" : "s") + "; merge into an empty or new directory");
                return 2;
            }
            for (int i = 0; i < shards.size(); i++) {
                copy(shards.get(i), target, i + 1);
                copy(shards.get(i).resolve(SkippedTest.DIRECTORY), target.resolve(SkippedTest.DIRECTORY), i + 1);
            }
            RunResults results = RunResults.read(target, null);
            Path html = HtmlReport.write(target, results);
            out.print(RunSummary.render(results, target, html, false));
            out.println("[netlat] merged " + RunSummary.count(shards.size(), "shard") + " into " + target);
            MarkdownSummary.appendIfRequested(env, results);
            return 0;
        } catch (IOException | RuntimeException e) {
            err.println("netlat: could not merge into " + target + ": " + e);
            return 1;
        }
    }

    /** Copies the {@code *.json} directly in {@code from} to {@code to}, renaming a name taken by an earlier shard. */
    private static void copy(Path from, Path to, int shard) throws IOException {
        List<Path> files = Reports.jsonFiles(from, null);
        if (!files.isEmpty()) {
            Files.createDirectories(to);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            String base = name.substring(0, name.length() - ".json".length());
            Path dest = to.resolve(name);
            for (int n = 0; Files.exists(dest); n++) {
                dest = to.resolve(base + "~" + shard + (n == 0 ? "" : "-" + n) + ".json");
            }
            Files.copy(f, dest);
        }
    }
}
