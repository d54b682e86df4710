// SPDX-License-Identifier: Apache-2.0
package dev.netlat.capture;

import dev.netlat.NetworkTrace;
import dev.netlat.NetworkTracer;

/** A JVM that opens a trace, says "tracing [its program ids]", and then waits to be killed or told to exit (stdin closes). */
public final class TracingChild {
    public static void main(String[] args) throws Exception {
        NetworkTrace trace = NetworkTracer.start();
        System.out.println("tracing " + NetworkTracer.programs().stream().map(dev.netlat.KernelProgram::id).toList());
        System.out.flush();
        System.in.read(); // returns when the parent closes stdin, or never if it kills us
        if (args.length > 0 && args[0].equals("close")) {
            trace.close();
        }
    }
}
