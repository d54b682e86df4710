// SPDX-License-Identifier: Apache-2.0
package dev.netlat.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Runs one workload against one tracer as pairs of short passes in ABBA order (A untraced, B traced; even pairs A
 * then B, odd pairs B then A), so that the tracer switches only every second pass and a slow drift of the machine
 * falls on both arms alike. Loopback throughput here jumps between regimes for seconds at a time; a ratio taken
 * inside one pair sees the same regime in A and B far more often than two long runs would.
 */
final class AbbaRunner {
    private AbbaRunner() {
    }

    /** One row of the overhead table: per pair the A rate, the B rate and B/A; pairs done may be fewer than asked. */
    record Result(String workload, String tracer, int pairs, double[] ratios, double[] a, double[] b, String unit,
                  double scale) {
        double median() {
            return Stats.median(ratios);
        }
    }

    /** At most {@code pairs} pairs of {@code passNanos} each, and no pair begun after 15 minutes. */
    static Result run(Workload w, Tracer tracer, int pairs, long passNanos) throws Exception {
        double[] ratios = new double[pairs];
        double[] as = new double[pairs];
        double[] bs = new double[pairs];
        boolean on = false;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        int done = 0;
        try {
            for (int i = 0; i < pairs && System.nanoTime() < deadline; i++) {
                boolean[] order = i % 2 == 0 ? new boolean[] {false, true} : new boolean[] {true, false};
                double a = 0;
                double b = 0;
                for (boolean traced : order) {
                    if (traced != on) {
                        if (traced) {
                            tracer.on(w.port());
                        } else {
                            tracer.off();
                        }
                        on = traced;
                    }
                    double rate = w.pass(passNanos);
                    if (traced) {
                        b = rate;
                    } else {
                        a = rate;
                    }
                }
                as[i] = a;
                bs[i] = b;
                ratios[i] = b / a;
                done++;
            }
        } finally {
            if (on) {
                tracer.off();
            }
        }
        return new Result(w.name(), tracer.name(), done, Arrays.copyOf(ratios, done), Arrays.copyOf(as, done),
                Arrays.copyOf(bs, done), w.unit(), w.unitScale());
    }
}
