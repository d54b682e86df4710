// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses rates and sizes the way {@code tc} (iproute2 tc_util.c) does, so values can be checked before use. */
final class TcSyntax {
    private static final Pattern NUMBER_UNIT = Pattern.compile("(\\d+(?:\\.\\d+)?)([A-Za-z]*)");

    /** tc's rate suffixes (case-insensitive) and bits per second per unit. */
    private static final Map<String, Double> RATE_UNITS = new LinkedHashMap<>();
    /** tc's size suffixes (case-insensitive) and bytes per unit; no suffix means bytes. */
    private static final Map<String, Double> SIZE_UNITS = new LinkedHashMap<>();

    static {
        RATE_UNITS.put("bit", 1.0);
        RATE_UNITS.put("kbit", 1e3);
        RATE_UNITS.put("kibit", 1024.0);
        RATE_UNITS.put("mbit", 1e6);
        RATE_UNITS.put("mibit", 1024.0 * 1024);
        RATE_UNITS.put("gbit", 1e9);
        RATE_UNITS.put("gibit", 1024.0 * 1024 * 1024);
        RATE_UNITS.put("tbit", 1e12);
        RATE_UNITS.put("tibit", 1024.0 * 1024 * 1024 * 1024);
        RATE_UNITS.put("bps", 8.0);
        RATE_UNITS.put("kbps", 8e3);
        RATE_UNITS.put("kibps", 8.0 * 1024);
        RATE_UNITS.put("mbps", 8e6);
        RATE_UNITS.put("mibps", 8.0 * 1024 * 1024);
        RATE_UNITS.put("gbps", 8e9);
        RATE_UNITS.put("gibps", 8.0 * 1024 * 1024 * 1024);
        RATE_UNITS.put("tbps", 8e12);
        RATE_UNITS.put("tibps", 8.0 * 1024 * 1024 * 1024 * 1024);

        SIZE_UNITS.put("b", 1.0);
        SIZE_UNITS.put("k", 1024.0);
        SIZE_UNITS.put("kb", 1024.0);
        SIZE_UNITS.put("m", 1024.0 * 1024);
        SIZE_UNITS.put("mb", 1024.0 * 1024);
        SIZE_UNITS.put("g", 1024.0 * 1024 * 1024);
        SIZE_UNITS.put("gb", 1024.0 * 1024 * 1024);
        SIZE_UNITS.put("kbit", 1024.0 / 8);
        SIZE_UNITS.put("mbit", 1024.0 * 1024 / 8);
        SIZE_UNITS.put("gbit", 1024.0 * 1024 * 1024 / 8);
    }

    static final String RATE_FORMS = "a number with a tc rate unit, e.g. 50mbit, 800kbit, 1gbit, 10mbps (megabytes/s),"
            + " 64kibit; units: bit, kbit, mbit, gbit, tbit, bps, kbps, mbps, gbps, tbps and the binary kibit, mibit,"
            + " gibit, tibit, kibps, mibps, gibps, tibps";
    static final String SIZE_FORMS = "a number of bytes with an optional tc size unit, e.g. 1514, 32kbit, 4kb, 1mb;"
            + " units: b, k/kb (KiB), m/mb (MiB), g/gb (GiB), kbit, mbit, gbit";

    private TcSyntax() {
    }

    /** Bits per second of a tc rate such as {@code 50mbit}; throws IllegalArgumentException naming the value. */
    static long rateBitsPerSecond(String what, String value) {
        Matcher m = numberAndUnit(what, value, "rate", RATE_FORMS);
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        if (unit.isEmpty()) {
            throw invalid(what, value, "has no unit (tc would read it as bytes per second)", RATE_FORMS);
        }
        Double scale = RATE_UNITS.get(unit);
        if (scale == null) {
            throw invalid(what, value, "has unknown unit \"" + m.group(2) + "\"", RATE_FORMS);
        }
        double bits = Double.parseDouble(m.group(1)) * scale;
        if (bits < 8) {
            throw invalid(what, value, "is below 1 byte per second", RATE_FORMS);
        }
        if (bits > 8e12 * 10) {
            throw invalid(what, value, "is implausibly large", RATE_FORMS);
        }
        return (long) bits;
    }

    /** Bytes of a tc size such as {@code 32kbit} or {@code 1mb}; throws IllegalArgumentException naming the value. */
    static long sizeBytes(String what, String value) {
        Matcher m = numberAndUnit(what, value, "size", SIZE_FORMS);
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        Double scale = unit.isEmpty() ? Double.valueOf(1.0) : SIZE_UNITS.get(unit);
        if (scale == null) {
            throw invalid(what, value, "has unknown unit \"" + m.group(2) + "\"", SIZE_FORMS);
        }
        double bytes = Double.parseDouble(m.group(1)) * scale;
        if (bytes < 1) {
            throw invalid(what, value, "is less than one byte", SIZE_FORMS);
        }
        if (bytes > 0xFFFF_FFFFL) {
            throw invalid(what, value, "exceeds tc's 32-bit size limit (4 GiB)", SIZE_FORMS);
        }
        return (long) bytes;
    }

    /** The value split into number (group 1) and unit (group 2); throws when it is null or not of that form. */
    private static Matcher numberAndUnit(String what, String value, String kind, String forms) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null; expected " + forms);
        }
        Matcher m = NUMBER_UNIT.matcher(value.trim());
        if (!m.matches()) {
            throw invalid(what, value, "is not a tc " + kind, forms);
        }
        return m;
    }

    /** Names the setting, its bad value, what is wrong with it and the valid forms, so the test can be fixed. */
    private static IllegalArgumentException invalid(String what, String value, String problem, String forms) {
        return new IllegalArgumentException(what + " \"" + value + "\" " + problem + "; expected " + forms);
    }
}
