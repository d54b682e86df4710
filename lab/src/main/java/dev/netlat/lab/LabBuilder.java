// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.time.Duration;
import java.util.Objects;

/**
 * The body of {@link NetworkLab.Builder}: the settings of a lab, each checked when it is set so that a bad value is
 * reported where the test wrote it, and the creation of the lab from them. It is the builder's superclass rather
 * than the builder so that the public type stays {@code NetworkLab.Builder} while {@link NetworkLab}'s own file
 * stays about the lab.
 */
abstract sealed class LabBuilder permits NetworkLab.Builder {
    private static final System.Logger LOG = System.getLogger(NetworkLab.class.getName());

    String rate;
    String burst;
    String limit;
    Integer everyNth;
    Double fraction;
    DropPoint dropPoint = DropPoint.PEER_INGRESS;
    boolean ipv6;
    Duration commandTimeout = Commands.DEFAULT_TIMEOUT;

    LabBuilder() {
    }

    /**
     * Puts a {@code tbf} qdisc with this rate on the host-side interface (what host-to-namespace traffic goes
     * through), in tc syntax such as {@code 50mbit}, {@code 800kbit}, {@code 10mbps} (bytes/s).
     */
    public NetworkLab.Builder rate(String rate) {
        TcSyntax.rateBitsPerSecond("rate", rate);
        this.rate = rate.trim();
        return self();
    }

    /**
     * The tbf bucket size in tc syntax ({@code 32kbit}, {@code 4kb}, {@code 1514}); default {@value
     * NetworkLab#DEFAULT_BURST}. Must hold one full-size frame (at least 1600 bytes).
     */
    public NetworkLab.Builder burst(String burst) {
        long bytes = TcSyntax.sizeBytes("burst", burst);
        if (bytes < 1600) {
            throw new IllegalArgumentException("burst \"" + burst + "\" is " + bytes + " bytes; tbf drops"
                    + " frames larger than its burst, so it must hold one full-size frame: at least 1600 bytes,"
                    + " e.g. 32kbit or 4kb");
        }
        this.burst = burst.trim();
        return self();
    }

    /**
     * How many bytes the tbf queue holds before it drops, in tc syntax ({@code 1mb}, {@code 64kb},
     * {@code 100000}); default {@value NetworkLab#DEFAULT_LIMIT}. A small limit makes qdisc drops.
     */
    public NetworkLab.Builder limit(String limit) {
        TcSyntax.sizeBytes("limit", limit);
        this.limit = limit.trim();
        return self();
    }

    /** Drops every {@code n}th packet from host to namespace ({@code numgen inc mod n == 0 drop}); n ≥ 2. */
    public NetworkLab.Builder dropEveryNth(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("dropEveryNth(" + n + "): n must be at least 2 (every 2nd, 3rd,"
                    + " ... packet); n = 1 would drop everything");
        }
        if (fraction != null) {
            throw new IllegalArgumentException("dropEveryNth(" + n + ") conflicts with dropFraction(" + fraction
                    + "): choose one");
        }
        this.everyNth = n;
        return self();
    }

    /**
     * Drops this fraction of packets from host to namespace at random ({@code numgen random}), e.g. 0.01 for
     * 1 %; must be in (0, 1) with a resolution of 1e-6.
     */
    public NetworkLab.Builder dropFraction(double fraction) {
        if (!(fraction > 0 && fraction < 1) || Double.isNaN(fraction)) {
            throw new IllegalArgumentException("dropFraction(" + fraction + "): the fraction must be greater than 0"
                    + " and less than 1, e.g. 0.01 for 1 %");
        }
        if (fraction < 1.0 / NftDropRule.RANDOM_SCALE) {
            throw new IllegalArgumentException("dropFraction(" + fraction + ") is below the resolution of 1e-6;"
                    + " use at least 0.000001");
        }
        if (everyNth != null) {
            throw new IllegalArgumentException("dropFraction(" + fraction + ") conflicts with dropEveryNth("
                    + everyNth + "): choose one");
        }
        this.fraction = fraction;
        return self();
    }

    /** Where the drop rule sits; default {@link DropPoint#PEER_INGRESS} (real loss that makes retransmits). */
    public NetworkLab.Builder dropAt(DropPoint point) {
        this.dropPoint = Objects.requireNonNull(point, "dropAt(null): expected PEER_INGRESS or HOST_EGRESS");
        return self();
    }

    /** Also gives both ends IPv6 ULA addresses (fd6e:6c61:6200:&lt;n&gt;::1 and ::2 /64); default false. */
    public NetworkLab.Builder ipv6(boolean ipv6) {
        this.ipv6 = ipv6;
        return self();
    }

    /** How long each {@code ip}, {@code tc} or {@code nft} command may run; default 20 s. */
    public NetworkLab.Builder commandTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("commandTimeout(" + timeout + ") must be a positive duration,"
                    + " e.g. Duration.ofSeconds(20)");
        }
        this.commandTimeout = timeout;
        return self();
    }

    /**
     * Creates the lab: removes stale objects of dead JVMs, then creates the namespace, the veth pair, the
     * addresses, the qdisc and the drop rule. If any step fails, everything created so far is removed again.
     *
     * @throws IllegalStateException           when burst or limit are given without a rate
     * @throws NetworkLabUnavailableException when privileges or tools are missing
     * @throws NetworkLabException             when a command fails (its stderr is in the message)
     */
    public NetworkLab create() {
        if (rate == null && (burst != null || limit != null)) {
            throw new IllegalStateException((burst != null ? "burst(\"" + burst + "\")" : "limit(\"" + limit
                    + "\")") + " configures the tbf qdisc and needs rate(...) too, e.g. rate(\"50mbit\")");
        }
        LabTools tools = LabTools.require(rate != null, hasDropRule());
        try {
            StaleObjects.remove(tools, LabCommands.cleanupTimeout(commandTimeout));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "could not check for stale network lab objects", e);
        }
        NetworkLab lab = new NetworkLab(this, tools);
        try {
            lab.setUp();
        } catch (RuntimeException | Error e) {
            try {
                lab.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
        return lab;
    }

    boolean hasDropRule() {
        return everyNth != null || fraction != null;
    }

    /** Sealing makes the builder the only subclass, so this cast cannot fail. */
    private NetworkLab.Builder self() {
        return (NetworkLab.Builder) this;
    }
}
