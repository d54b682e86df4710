// SPDX-License-Identifier: Apache-2.0
package dev.netlat;

/**
 * The log-linear bucket layout shared with the kernel programs ({@code netlat.h}): values below 64 ns get a bucket
 * each; above, every power of two is cut into 64 equal buckets, so a bucket is at most 1/64 of its lower bound wide
 * and its midpoint is within 0.8 % of any value in it. Values of 2^37 ns (about 137 s) and more land in
 * {@link #OVERFLOW}.
 */
public final class HistogramBuckets {
    public static final int SUB_BITS = 6;
    public static final int SUB = 1 << SUB_BITS;
    public static final int MAX_EXP = 37;
    /** Number of regular buckets; the overflow bucket follows them. */
    public static final int BUCKETS = SUB + (MAX_EXP - SUB_BITS) * SUB;
    public static final int OVERFLOW = BUCKETS;
    /** Buckets including the overflow one: the length of a histogram array. */
    public static final int SLOTS = BUCKETS + 1;

    private HistogramBuckets() {
    }

    /** The bucket of a value in nanoseconds, exactly as the kernel programs compute it. */
    public static int index(long nanos) {
        if (nanos < 0) {
            return 0;
        }
        if (nanos < SUB) {
            return (int) nanos;
        }
        int exp = 63 - Long.numberOfLeadingZeros(nanos);
        if (exp >= MAX_EXP) {
            return OVERFLOW;
        }
        return SUB + (exp - SUB_BITS) * SUB + (int) ((nanos >>> (exp - SUB_BITS)) & (SUB - 1));
    }

    /** Smallest value of a bucket, inclusive. */
    public static long lowerBound(int index) {
        if (index < SUB) {
            return index;
        }
        if (index >= OVERFLOW) {
            return 1L << MAX_EXP;
        }
        int exp = (index - SUB) / SUB + SUB_BITS;
        int sub = (index - SUB) % SUB;
        return (long) (SUB + sub) << (exp - SUB_BITS);
    }

    /** Largest value of a bucket plus one (exclusive); the overflow bucket is open and returns Long.MAX_VALUE. */
    public static long upperBound(int index) {
        if (index >= OVERFLOW) {
            return Long.MAX_VALUE;
        }
        if (index < SUB) {
            return index + 1L;
        }
        int exp = (index - SUB) / SUB + SUB_BITS;
        return lowerBound(index) + (1L << (exp - SUB_BITS));
    }

    /** The value reported for samples in a bucket: its midpoint (exact for the one-nanosecond buckets). */
    public static double representative(int index) {
        if (index < SUB) {
            return index;
        }
        if (index >= OVERFLOW) {
            return lowerBound(OVERFLOW);
        }
        return (lowerBound(index) + upperBound(index) - 1) / 2.0;
    }
}
