// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

/** No tracer in either slot (A-vs-A): how far from 1 the harness's ratio lands on its own, the noise floor of a run. */
final class NoTracer implements Tracer {
    @Override
    public String name() {
        return "A-vs-A (no tracer)";
    }

    @Override
    public void on(int port) {
    }

    @Override
    public void off() {
    }
}
