// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/** Tracing cannot run here; the message says what is missing and how to get it. */
public class NetlatUnavailableException extends RuntimeException {
    private final transient Availability availability;

    public NetlatUnavailableException(Availability availability) {
        super(availability.reason());
        this.availability = availability;
    }

    public NetlatUnavailableException(String message, Throwable cause) {
        super(message, cause);
        this.availability = null;
    }

    /** The availability check that failed, or null when loading failed after the check passed. */
    public Availability availability() {
        return availability;
    }
}
