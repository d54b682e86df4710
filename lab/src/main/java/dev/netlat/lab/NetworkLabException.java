// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

/** Setting up, inspecting or removing a {@link NetworkLab} failed; the message carries the tool's own error output. */
public class NetworkLabException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public NetworkLabException(String message) {
        super(message);
    }

    public NetworkLabException(String message, Throwable cause) {
        super(message, cause);
    }
}
