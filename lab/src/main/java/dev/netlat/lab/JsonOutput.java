// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Parses the JSON that {@code ip -j}, {@code tc -j} and {@code nft -j} print; reading it is sturdier than scraping
 * their human-readable output, which changes between versions.
 */
final class JsonOutput {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonOutput() {
    }

    /** The parsed output of the command described by {@code what}; throws with the start of the output if bad. */
    static JsonNode parse(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new NetworkLabException("cannot parse the JSON output of `" + what + "`: " + e.getMessage()
                    + "; output was: " + (text.length() > 500 ? text.substring(0, 500) + "…" : text), e);
        }
    }
}
