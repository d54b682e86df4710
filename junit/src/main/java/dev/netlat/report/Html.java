// SPDX-License-Identifier: Apache-2.0
package dev.netlat.report;

/**
 * Escaping for the HTML report. Everything from a JSON report (test names, messages, kernel reasons, addresses)
 * goes through {@link #esc} before it reaches the page, since those strings may hold {@code <}, {@code &} or quotes.
 */
final class Html {
    private Html() {
    }

    /** Escapes text for HTML element content and attribute values; null gives "". */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
