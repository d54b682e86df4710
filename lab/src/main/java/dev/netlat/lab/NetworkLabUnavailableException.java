// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import dev.netlat.NetlatUnavailableException;
import java.util.List;

/**
 * A {@link NetworkLab} cannot be built here: privileges or tools are missing. The message says what to do (run as
 * root, add capabilities, install iproute2 or nftables). It is a {@link NetlatUnavailableException}, so code that
 * skips tests when netlat cannot run treats it the same way.
 */
public class NetworkLabUnavailableException extends NetlatUnavailableException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public NetworkLabUnavailableException(List<String> problems) {
        super("NetworkLab cannot run here: " + String.join("; ", problems), null);
        this.problems = List.copyOf(problems);
    }

    /** Each missing requirement with how to fix it. */
    public List<String> problems() {
        return problems;
    }
}
