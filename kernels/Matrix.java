import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * kernels/Matrix.java: the kernel matrix table from the JUnit XML reports kernels/matrix.sh collected, one directory
 * per kernel (label, timing, reports/*.xml, or problem when the kernel did not run its tests). Run with the JDK's
 * source launcher: {@code java kernels/Matrix.java [--tag T] [--out FILE] DIR...}.
 *
 * <p>Rows are tests (display name, Class#method), columns kernels, cells: {@code works} (passed), {@code unavailable
 * (reason)} (aborted: the reason is the TestAbortedException's message, e.g. {@code Assumptions.abort(reason)}),
 * {@code failed (first line of the message)}, {@code not run} (the test did not run on that kernel). Prints the
 * Markdown table and writes it to FILE; exits 1 when any cell is failed or not run, or a kernel did not run.
 */
public final class Matrix {
    private static final int CELL_MAX = 140;

    record Cell(String text, boolean bad) {
    }

    record Row(String className, String method, String displayName) {
        String label() {
            String simple = className.substring(className.lastIndexOf('.') + 1).replace('$', '.');
            String id = simple + "#" + method;
            return displayName.isEmpty() || displayName.equals(method + "()") || displayName.startsWith(method + "(")
                    ? "`" + id + "`" : displayName + " (`" + id + "`)";
        }
    }

    record Column(String label, String timing, String problem, Map<Row, Cell> cells) {
    }

    public static void main(String[] args) throws Exception {
        String tag = "kernel-matrix";
        Path out = null;
        List<Column> columns = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tag" -> tag = args[++i];
                case "--out" -> out = Path.of(args[++i]);
                default -> columns.add(read(Path.of(args[i])));
            }
        }
        // rows: every test any kernel ran, grouped by class, in display-name order
        Map<Row, Boolean> rows = new TreeMap<>(Comparator.comparing(Row::className)
                .thenComparing(Row::displayName).thenComparing(Row::method));
        columns.forEach(c -> c.cells().keySet().forEach(r -> rows.put(r, true)));

        StringBuilder md = new StringBuilder();
        md.append("## Kernel matrix\n\n");
        md.append("Tests ").append(tag.isEmpty() ? "selected" : "tagged `" + tag + "`")
                .append(", run by `./netlat kernels` on ").append(LocalDate.now())
                .append(": Debian's kernels booted under QEMU (TCG) over the host's root file system, and the host's"
                        + " own kernel. works = passed; unavailable = the test aborted because the kernel lacks what"
                        + " it needs (the reason); failed = netlat measured wrong or could not run.\n\n");
        md.append("| test |");
        columns.forEach(c -> md.append(' ').append(escape(c.label())).append(" |"));
        md.append("\n|---|");
        columns.forEach(c -> md.append("---|"));
        md.append('\n');
        int bad = 0;
        for (Row r : rows.keySet()) {
            md.append("| ").append(escape(r.label())).append(" |");
            for (Column c : columns) {
                Cell cell = c.cells().getOrDefault(r, new Cell(c.problem() != null ? "did not run" : "not run", true));
                bad += cell.bad() ? 1 : 0;
                md.append(' ').append(escape(cell.text())).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        for (Column c : columns) {
            md.append("- ").append(escape(c.label())).append(": ")
                    .append(c.problem() != null ? "**" + escape(c.problem()) + "**" : "tests: " + c.cells().size())
                    .append(c.timing() != null ? " (" + c.timing() + ")" : "").append('\n');
        }
        System.out.print(md);
        if (out != null) {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, md, StandardCharsets.UTF_8);
        }
        List<String> problems = new ArrayList<>();
        for (Column c : columns) {
            if (c.problem() != null) {
                problems.add(c.label() + " " + c.problem());
            } else if (c.cells().isEmpty()) {
                problems.add(c.label() + " ran no tests (selection: tag '" + tag + "')");
            }
        }
        if (bad > 0) {
            problems.add(bad + " failed or missing cells");
        }
        if (!problems.isEmpty()) {
            System.err.println("kernels: the matrix FAILED: " + String.join("; ", problems));
            System.exit(1);
        }
    }

    static Column read(Path dir) throws Exception {
        String label = text(dir.resolve("label"), dir.getFileName().toString());
        String timing = text(dir.resolve("timing"), null);
        String problem = text(dir.resolve("problem"), null);
        Map<Row, Cell> cells = new LinkedHashMap<>();
        Path reports = dir.resolve("reports");
        if (Files.isDirectory(reports)) {
            List<Path> xmls;
            try (Stream<Path> s = Files.list(reports)) {
                xmls = s.filter(p -> p.toString().endsWith(".xml")).sorted().toList();
            }
            var factory = DocumentBuilderFactory.newInstance();
            for (Path xml : xmls) {
                NodeList cases = factory.newDocumentBuilder().parse(xml.toFile()).getElementsByTagName("testcase");
                for (int i = 0; i < cases.getLength(); i++) {
                    Element tc = (Element) cases.item(i);
                    cells.put(row(tc), cell(tc));
                }
            }
        }
        return new Column(label, timing, problem, cells);
    }

    private static final Pattern DISPLAY_NAME = Pattern.compile("^display-name: (.*)$", Pattern.MULTILINE);
    private static final Pattern UNIQUE_ID = Pattern.compile("^unique-id: (.*)$", Pattern.MULTILINE);
    private static final Pattern LEGACY_NAME = Pattern.compile("^([^(\\[]*)(?:\\([^)]*\\))?(\\[\\d+\\])?.*$");

    /** The legacy XML names a test {@code method(ParamTypes)[invocation]}; its display name is in system-out. */
    static Row row(Element tc) {
        Matcher m = LEGACY_NAME.matcher(tc.getAttribute("name"));
        String method = m.matches() ? m.group(1) + (m.group(2) != null ? m.group(2) : "") : tc.getAttribute("name");
        String display = "";
        for (Element e : children(tc, "system-out")) {
            Matcher d = DISPLAY_NAME.matcher(e.getTextContent());
            Matcher u = UNIQUE_ID.matcher(e.getTextContent());
            if (d.find()) {
                display = d.group(1).trim();
                // JUnit 5.13+ writes the path "JUnit Jupiter > class > ... > test", one segment per segment of the
                // unique id: the row is the test's own name (the last one; the others are assumed free of " > ")
                int segments = u.find() ? u.group(1).split("\\]/\\[").length : 1;
                String[] parts = display.split(" > ");
                if (segments > 1 && parts.length >= segments) {
                    display = String.join(" > ", List.of(parts).subList(segments - 1, parts.length));
                }
            }
        }
        return new Row(tc.getAttribute("classname"), method, display);
    }

    static Cell cell(Element tc) {
        for (String kind : List.of("failure", "error")) {
            for (Element e : children(tc, kind)) {
                // the element's text, "type: message" and the stack trace, keeps the message's line breaks (its
                // message attribute has them normalized to spaces)
                String type = e.getAttribute("type");
                String text = e.getTextContent().strip();
                if (!type.isEmpty() && text.startsWith(type)) {
                    text = text.substring(type.length()).replaceFirst("^:", "");
                }
                String line = firstLine(text);
                if (line.startsWith("at ")) { // no message, only the stack trace
                    line = "";
                }
                if (kind.equals("error") && !type.isEmpty()) { // not an assertion: the exception's type says much
                    line = type.substring(type.lastIndexOf('.') + 1) + (line.isEmpty() ? "" : ": " + line);
                }
                return new Cell("failed (" + shorten(line.isEmpty() ? type : line) + ")", true);
            }
        }
        for (Element e : children(tc, "skipped")) {
            // aborted: "org.opentest4j.TestAbortedException: reason" (+ stack), under a skipped class
            // "parent was skipped: ..."; disabled: the reason in the message attribute
            String reason = e.hasAttribute("message") ? e.getAttribute("message") : firstLine(e.getTextContent());
            reason = reason.replaceFirst("^parent was skipped: ", "")
                    .replaceFirst("^org\\.opentest4j\\.TestAbortedException: ?", "")
                    .replaceFirst("^Assumption failed: ", "");
            return new Cell("unavailable (" + shorten(reason) + ")", false);
        }
        return new Cell("works", false);
    }

    /** The first line that says something: AssertJ's soft assertions start with blank and "Multiple Failures" lines. */
    static String firstLine(String message) {
        for (String line : message.split("\n")) {
            String l = line.replaceFirst("^-- failure \\d+ --", "").trim();
            if (!l.isEmpty() && !l.startsWith("Multiple Failures (")) {
                return l;
            }
        }
        return "";
    }

    static String shorten(String s) {
        return s.length() <= CELL_MAX ? s : s.substring(0, CELL_MAX - 1) + "…";
    }

    static String escape(String s) {
        return s.replace("|", "\\|").replace("<", "&lt;"); // "<" would start HTML
    }

    static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                found.add(e);
            }
        }
        return found;
    }

    static String text(Path file, String otherwise) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file).trim() : otherwise;
    }
}
