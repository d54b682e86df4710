// SPDX-License-Identifier: Apache-2.0
package dev.netlat.jmh;

import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import joptsimple.HelpFormatter;
import joptsimple.OptionException;
import joptsimple.OptionParser;
import joptsimple.OptionSet;
import joptsimple.OptionSpec;
import org.openjdk.jmh.profile.ProfilerException;

/**
 * Parses a profiler's init line exactly as JMH's own profilers do. JMH 1.37's {@code ProfilerUtils.parseInitLine} and
 * {@code ProfilerOptionFormatter} are package-private, so they are called reflectively (everything on the class path
 * shares the unnamed module, which is open); if a JMH version lacks them, a copy of the same logic is used: the line is
 * split on {@code ;}, each part becomes {@code -part}, {@code help} prints the options, unknown options fail with the
 * parser's help.
 */
final class JmhProfilerOptions {
    private static final String UTILS = "org.openjdk.jmh.profile.ProfilerUtils";
    private static final String FORMATTER = "org.openjdk.jmh.profile.ProfilerOptionFormatter";

    private JmhProfilerOptions() {
    }

    static void useJmhHelpFormat(OptionParser parser, String profilerName) {
        try {
            Constructor<?> c = Class.forName(FORMATTER).getDeclaredConstructor(String.class);
            c.setAccessible(true);
            parser.formatHelpWith((HelpFormatter) c.newInstance(profilerName));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // jopt-simple's default help format
        }
    }

    static OptionSet parseInitLine(String initLine, OptionParser parser) throws ProfilerException {
        Method m;
        try {
            m = Class.forName(UTILS).getDeclaredMethod("parseInitLine", String.class, OptionParser.class);
            m.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return parseLikeJmh(initLine, parser);
        }
        try {
            return (OptionSet) m.invoke(null, initLine, parser);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof ProfilerException pe) {
                throw pe;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new ProfilerException(String.valueOf(cause));
        } catch (IllegalAccessException e) {
            return parseLikeJmh(initLine, parser);
        }
    }

    /** The same steps as JMH 1.37's {@code ProfilerUtils.parseInitLine}. */
    static OptionSet parseLikeJmh(String initLine, OptionParser parser) throws ProfilerException {
        parser.accepts("help", "Display help.");
        OptionSpec<String> nonOptions = parser.nonOptions();
        String[] split = initLine.split(";");
        for (int c = 0; c < split.length; c++) {
            if (!split[c].isEmpty()) {
                split[c] = "-" + split[c];
            }
        }
        OptionSet set;
        try {
            set = parser.parse(split);
        } catch (OptionException e) {
            throw new ProfilerException(e.getMessage() + "\n" + help(parser));
        }
        if (set.has("help")) {
            throw new ProfilerException(help(parser));
        }
        String s = set.valueOf(nonOptions);
        if (s != null && !s.isEmpty()) {
            throw new ProfilerException("Unhandled options: " + s + " in " + initLine);
        }
        return set;
    }

    private static String help(OptionParser parser) {
        StringWriter sw = new StringWriter();
        try {
            parser.printHelpOn(sw);
        } catch (IOException e) {
            sw.append(e.toString());
        }
        return sw.toString();
    }
}
