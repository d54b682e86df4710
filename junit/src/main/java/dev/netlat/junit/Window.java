// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

/** What part of a test the trace window covers. */
public enum Window {
    /** Only the test method itself (default): traffic of {@code @BeforeEach}/{@code @AfterEach} is not measured. */
    TEST,
    /**
     * The test method and its {@code @BeforeEach}/{@code @AfterEach} methods; the trace can then also be injected into
     * those methods.
     */
    LIFECYCLE
}
