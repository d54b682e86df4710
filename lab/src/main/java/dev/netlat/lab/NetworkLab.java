// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;

/**
 * A small, disposable network for tests: a network namespace joined to the host by a veth pair, optionally with a
 * {@code tbf} rate limit on the host side and an nftables rule that drops packets on purpose.
 *
 * <pre>{@code
 * try (NetworkLab lab = NetworkLab.builder().rate("50mbit").burst("32kbit").limit("1mb").dropEveryNth(50).create();
 *      LabServer sink = lab.startSinkServer(0);
 *      Socket s = new Socket(lab.peerAddress(), sink.port())) {
 *     s.getOutputStream().write(data);
 *     ...
 *     lab.qdiscStats(); lab.nftDropCounter();
 * }
 * }</pre>
 *
 * <p>Layout: the host side interface {@link #hostInterface()} has {@link #hostAddress()}, the namespace side
 * {@link #peerInterface()} inside {@link #namespace()} has {@link #peerAddress()}; both are in a /30 of the
 * benchmarking range 198.18.0.0/15 that no other lab on this machine uses at the same time. Traffic from the host to
 * {@link #peerAddress()} leaves through the host interface, so the rate limit and a {@link DropPoint#HOST_EGRESS}
 * rule act on it; a {@link DropPoint#PEER_INGRESS} rule acts where it enters the namespace.
 *
 * <p>Every object a lab creates is named {@code nl-<pid>-<n>} (namespace, nft table), {@code nl-<pid>-<n>h} (host
 * interface) and {@code nl-<pid>-<n>p} (namespace interface), with the pid of the creating JVM. {@link #close()}
 * removes them, also when {@link Builder#create()} fails half-way; a JVM shutdown hook closes labs left open; and
 * each creation first removes objects left behind by JVMs that died ({@link #removeStale()}).
 *
 * <p>Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN) and the {@code ip} and {@code tc} tools of iproute2, plus
 * {@code nft} of nftables for drop rules; otherwise {@link Builder#create()} throws
 * {@link NetworkLabUnavailableException} saying what is missing. Thread-safe.
 */
public final class NetworkLab implements AutoCloseable {
    /** Prefix of every object name a lab creates. */
    public static final String NAME_PREFIX = "nl-";
    /** The burst used when {@link Builder#rate(String)} is given without {@link Builder#burst(String)}. */
    public static final String DEFAULT_BURST = "32kbit";
    /** The limit used when {@link Builder#rate(String)} is given without {@link Builder#limit(String)}. */
    public static final String DEFAULT_LIMIT = "1mb";

    private final LabNames names;
    private final LabCommands commands;
    private final NamespaceLink link;
    private final NamespaceThreads threads;
    /** Null without a rate limit. */
    private final TbfShaping shaping;
    /** Null without a drop rule. */
    private final NftDropRule dropRule;
    private final boolean ipv6;
    private volatile LabAddresses addresses;
    private volatile boolean closed;

    NetworkLab(LabBuilder b, LabTools tools) {
        this.shaping = b.rate == null ? null : new TbfShaping(b.rate, b.burst, b.limit);
        this.dropRule = b.hasDropRule() ? new NftDropRule(b.everyNth, b.fraction, b.dropPoint) : null;
        this.ipv6 = b.ipv6;
        this.names = LabNames.next();
        this.commands = new LabCommands(tools, b.commandTimeout, names.namespace());
        this.link = new NamespaceLink(commands, names);
        this.threads = new NamespaceThreads(this, names.namespace());
        OpenLabs.claim(names.base());
    }

    /** Starts describing a lab; {@link Builder#create()} builds it. */
    public static Builder builder() {
        return new Builder();
    }

    /** A lab with no rate limit and no drops: just the namespace, the veth pair and the addresses. */
    public static NetworkLab create() {
        return builder().create();
    }

    /** Name of the network namespace ({@code ip netns list} shows it; {@code ip netns exec <name> ...} enters it). */
    public String namespace() {
        return names.namespace();
    }

    /** Name of the veth end that stays on the host; the rate limit sits on it. */
    public String hostInterface() {
        return names.hostInterface();
    }

    /** Name of the veth end inside the namespace. */
    public String peerInterface() {
        return names.peerInterface();
    }

    /** Name of the lab's nftables table ({@code inet} family): in the namespace or on the host, see {@link #dropPoint()}. */
    public String nftTable() {
        return names.nftTable();
    }

    /** The host side's IPv4 address (on {@link #hostInterface()}), the source of host-to-namespace traffic. */
    public InetAddress hostAddress() {
        return addresses.host();
    }

    /** The namespace side's IPv4 address (on {@link #peerInterface()}): where to connect to reach servers in the lab. */
    public InetAddress peerAddress() {
        return addresses.peer();
    }

    /** The host side's IPv6 ULA address when the lab was built with {@link Builder#ipv6(boolean) ipv6(true)}. */
    public Optional<Inet6Address> hostAddress6() {
        return Optional.ofNullable(addresses.host6());
    }

    /** The namespace side's IPv6 ULA address when the lab was built with {@link Builder#ipv6(boolean) ipv6(true)}. */
    public Optional<Inet6Address> peerAddress6() {
        return Optional.ofNullable(addresses.peer6());
    }

    /** Prefix length of the IPv4 subnet shared by the two ends (30). */
    public int prefixLength() {
        return 30;
    }

    /** The tbf rate in bits per second, if the lab has a rate limit. */
    public OptionalLong rateBitsPerSecond() {
        return shaping == null ? OptionalLong.empty() : OptionalLong.of(shaping.rateBits());
    }

    /** The tbf burst in bytes as tc reads the configured value, if the lab has a rate limit. */
    public OptionalLong burstBytes() {
        return shaping == null ? OptionalLong.empty() : OptionalLong.of(shaping.burstBytes());
    }

    /** The tbf limit (queue size) in bytes as tc reads the configured value, if the lab has a rate limit. */
    public OptionalLong limitBytes() {
        return shaping == null ? OptionalLong.empty() : OptionalLong.of(shaping.limitBytes());
    }

    /** Where the drop rule sits, if the lab drops packets. */
    public Optional<DropPoint> dropPoint() {
        return dropRule == null ? Optional.empty() : Optional.of(dropRule.point());
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Counters of the root qdisc on {@link #hostInterface()}, from {@code tc -s -j qdisc show}. */
    public QdiscStats qdiscStats() {
        ensureOpen();
        return TbfShaping.rootQdiscStats(commands, names.hostInterface());
    }

    /**
     * Packets and bytes the lab's drop rule(s) dropped so far, from the rule counters in {@code nft -j list table}.
     *
     * @throws IllegalStateException when the lab was built without a drop rule
     */
    public NftCounter nftDropCounter() {
        ensureOpen();
        if (dropRule == null) {
            throw new IllegalStateException("this lab has no drop rule; build it with dropEveryNth(n) or"
                    + " dropFraction(p)");
        }
        return dropRule.counter(commands, names.nftTable());
    }

    /**
     * The namespace's SNMP counters named as {@code nstat -az} names them, e.g. {@code TcpInSegs},
     * {@code TcpExtTCPOFOQueue}, {@code IpExtInOctets}, {@code Ip6InReceives}: what the receiving side saw.
     */
    public Map<String, Long> nstat() {
        return threads.callUnchecked(() -> Nstat.read(Path.of("/proc/thread-self/net")));
    }

    /**
     * The host network namespace's SNMP counters (of this JVM's main thread), named as {@code nstat -az} names them,
     * e.g. {@code TcpRetransSegs}. These count every socket on the host, not only the lab's.
     */
    public static Map<String, Long> hostNstat() {
        return Nstat.read(Path.of("/proc/self/net"));
    }

    /**
     * Runs {@code task} on a thread that entered the lab's network namespace and returns its result. Sockets the
     * task creates belong to the namespace (and stay there when used from other threads later): this is how to
     * start a server that listens on {@link #peerAddress()}. Exceptions of the task are rethrown as they are.
     */
    public <T> T inNamespace(Callable<T> task) throws Exception {
        return threads.call(task);
    }

    /**
     * Like {@link #inNamespace(Callable)} without waiting: the task runs on its own thread in the namespace, so it
     * may block (e.g. an accept loop). The threads stop when the lab is closed.
     */
    public <T> Future<T> inNamespaceAsync(Callable<T> task) {
        return threads.submit(task);
    }

    /**
     * Starts a TCP server in the namespace that reads and discards everything and counts the bytes. It listens on
     * all of the namespace's addresses; connect to {@link #peerAddress()} (or {@link LabServer#socketAddress()}).
     *
     * @param port the port, or 0 for one the kernel picks
     */
    public LabServer startSinkServer(int port) {
        return threads.startServer(port, false, addresses.peer());
    }

    /** Like {@link #startSinkServer(int)}, but writes back everything it reads. */
    public LabServer startEchoServer(int port) {
        return threads.startServer(port, true, addresses.peer());
    }

    /**
     * Runs a command inside the namespace ({@code ip netns exec <namespace> command...}) and returns its stdout.
     *
     * @throws NetworkLabException with the command's stderr when it exits non-zero or runs longer than the lab's
     *                             command timeout
     */
    public String execInNamespace(String... command) {
        return execInNamespace(List.of(command));
    }

    /** Like {@link #execInNamespace(String...)}. */
    public String execInNamespace(List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        ensureOpen();
        return commands.check(commands.inNamespace(command));
    }

    /** Creates the lab's objects in the order that keeps the first packets from being lost or miscounted. */
    void setUp() {
        OpenLabs.opened(this);
        addresses = link.create(ipv6);
        if (shaping != null) {
            shaping.apply(commands, names.hostInterface());
        }
        link.up();
        if (dropRule != null) {
            dropRule.install(commands, names, addresses);
        }
        link.awaitCarrier();
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + names.namespace() + " was closed");
        }
    }

    /**
     * Stops the lab's servers and namespace threads and removes the host interface (which takes its peer with it),
     * the host-side nft table if any, and the namespace. Idempotent.
     *
     * @throws NetworkLabException when something could not be removed (everything else was removed anyway)
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<String> errors = new ArrayList<>();
        threads.close(errors);
        if (dropRule != null) {
            dropRule.removeFromHost(commands, names.nftTable(), errors);
        }
        link.remove(errors);
        OpenLabs.closed(this, names.base());
        if (!errors.isEmpty()) {
            throw new NetworkLabException("could not remove all of lab " + names.namespace() + ": "
                    + String.join("; ", errors));
        }
    }

    /**
     * Removes namespaces, host interfaces and host nft tables named like a lab's ({@code nl-<pid>-<n>...}) whose
     * creating JVM is gone: its pid is not a live process (or it is this JVM, which does not own that name). Every
     * {@link Builder#create()} does this first; call it directly to tidy up after crashed runs. Labs of live JVMs
     * are never touched.
     *
     * @return what was removed, e.g. {@code "netns nl-4242-0"}, {@code "link nl-4242-0h"},
     *         {@code "nft table inet nl-4242-0"}
     */
    public static List<String> removeStale() {
        return StaleObjects.remove(LabTools.require(false, false), Commands.DEFAULT_TIMEOUT);
    }

    /**
     * Checks that labs with every feature can be built here: root privileges (CAP_NET_ADMIN, CAP_SYS_ADMIN) and the
     * {@code ip}, {@code tc} and {@code nft} tools.
     *
     * @throws NetworkLabUnavailableException listing what is missing and how to get it
     */
    public static void checkAvailable() {
        LabTools.require(true, true);
    }

    @Override
    public String toString() {
        LabAddresses a = addresses;
        StringBuilder sb = new StringBuilder("NetworkLab[").append(names.namespace()).append(": host ")
                .append(names.hostInterface()).append(' ').append(a == null ? "?" : a.host().getHostAddress())
                .append(" <-> ").append(names.peerInterface()).append(' ')
                .append(a == null ? "?" : a.peer().getHostAddress());
        if (shaping != null) {
            sb.append(", ").append(shaping);
        }
        if (dropRule != null) {
            sb.append(", ").append(dropRule);
        }
        return sb.append(closed ? ", closed]" : "]").toString();
    }

    /** Describes a lab; every setter checks its value at once and names the bad value and the valid forms. */
    public static final class Builder extends LabBuilder {
        private Builder() {
        }
    }
}
