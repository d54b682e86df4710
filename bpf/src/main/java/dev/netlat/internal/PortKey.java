// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

/** struct nl_port_key {u16 lport, rport, kind, bucket}, packed little-endian into a long as the kernel stores it. */
record PortKey(int lport, int rport, int kind, int bucket) {
    static final int HIST = 0;
    static final int COUNTER = 16;
    /** Drop counts by reason per port: bucket = reason value. */
    static final int DROP_REASON = 64;

    static PortKey unpack(long v) {
        return new PortKey((int) (v & 0xffff), (int) ((v >>> 16) & 0xffff), (int) ((v >>> 32) & 0xffff),
                (int) ((v >>> 48) & 0xffff));
    }

    boolean touches(int port) {
        return lport == port || rport == port;
    }
}
