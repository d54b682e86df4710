// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    private static final System.Logger LOG = System.getLogger(NetworkLab.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicInteger COUNTER = new AtomicInteger();
    /** Base names this JVM is creating or has open; anything else named with our pid is stale. */
    private static final Set<String> OWNED = ConcurrentHashMap.newKeySet();
    private static final Set<NetworkLab> OPEN = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HOOK_INSTALLED = new AtomicBoolean();
    private static final Object ALLOCATION_LOCK = new Object();
    private static final Object STALE_LOCK = new Object();
    private static final ThreadLocal<String> CURRENT_NAMESPACE = new ThreadLocal<>();

    private static final Pattern OBJECT_NAME = Pattern.compile("nl-(\\d{1,10})-([0-9a-z]{1,10})");
    private static final Pattern LINK_NAME = Pattern.compile("nl-(\\d{1,10})-([0-9a-z]{1,10})[hp]");
    private static final int MAX_IFNAME = 15;
    private static final int NET_BASE = (198 << 24) | (18 << 16); // 198.18.0.0/15
    private static final int SUBNETS = 1 << 15; // /30 subnets in a /15
    private static final String ULA_PREFIX = "fd6e:6c61:6200:"; // fd6e:6c61:6200::/48, a /64 per lab
    private static final int RANDOM_SCALE = 1_000_000;
    private static final String NETNS_DIR = "/var/run/netns/";

    private final Tools tools;
    private final Duration timeout;
    /** Removing things gets at least the default timeout, even when creation was given a short one. */
    private final Duration cleanupTimeout;
    private final String base;
    private final String namespace;
    private final String hostInterface;
    private final String peerInterface;
    private final String tableName;
    private final String rate;
    private final String burst;
    private final String limit;
    private final long rateBits;
    private final long burstBytes;
    private final long limitBytes;
    private final Integer everyNth;
    private final Double fraction;
    private final DropPoint dropPoint;
    private final boolean ipv6;

    private volatile Inet4Address hostAddress;
    private volatile Inet4Address peerAddress;
    private volatile Inet6Address hostAddress6;
    private volatile Inet6Address peerAddress6;

    // What close() must remove; set before the command that creates it, so a timed-out command is cleaned up too.
    private volatile boolean namespaceAttempted;
    private volatile boolean linkAttempted;
    private volatile boolean hostTableAttempted;
    private volatile boolean closed;
    private final Set<LabServer> servers = ConcurrentHashMap.newKeySet();
    private ExecutorService namespaceExecutor;

    private NetworkLab(Builder b, Tools tools) {
        this.tools = tools;
        this.timeout = b.commandTimeout;
        this.cleanupTimeout = cleanupTimeout(b.commandTimeout);
        this.rate = b.rate;
        this.burst = b.rate == null ? null : Objects.requireNonNullElse(b.burst, DEFAULT_BURST);
        this.limit = b.rate == null ? null : Objects.requireNonNullElse(b.limit, DEFAULT_LIMIT);
        this.rateBits = rate == null ? 0 : TcSyntax.rateBitsPerSecond("rate", rate);
        this.burstBytes = burst == null ? 0 : TcSyntax.sizeBytes("burst", burst);
        this.limitBytes = limit == null ? 0 : TcSyntax.sizeBytes("limit", limit);
        this.everyNth = b.everyNth;
        this.fraction = b.fraction;
        this.dropPoint = b.dropPoint;
        this.ipv6 = b.ipv6;
        this.base = NAME_PREFIX + PID + "-" + Integer.toString(COUNTER.getAndIncrement(), 36);
        if (base.length() + 1 > MAX_IFNAME) {
            throw new NetworkLabException("lab name " + base + "h would exceed the kernel's " + MAX_IFNAME
                    + "-character interface name limit (this JVM created too many labs)");
        }
        this.namespace = base;
        this.hostInterface = base + "h";
        this.peerInterface = base + "p";
        this.tableName = base;
    }

    /** Starts describing a lab; {@link Builder#create()} builds it. */
    public static Builder builder() {
        return new Builder();
    }

    /** A lab with no rate limit and no drops: just the namespace, the veth pair and the addresses. */
    public static NetworkLab create() {
        return builder().create();
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** Name of the network namespace ({@code ip netns list} shows it; {@code ip netns exec <name> ...} enters it). */
    public String namespace() {
        return namespace;
    }

    /** Name of the veth end that stays on the host; the rate limit sits on it. */
    public String hostInterface() {
        return hostInterface;
    }

    /** Name of the veth end inside the namespace. */
    public String peerInterface() {
        return peerInterface;
    }

    /** Name of the lab's nftables table ({@code inet} family): in the namespace or on the host, see {@link #dropPoint()}. */
    public String nftTable() {
        return tableName;
    }

    /** The host side's IPv4 address (on {@link #hostInterface()}), the source of host-to-namespace traffic. */
    public InetAddress hostAddress() {
        return hostAddress;
    }

    /** The namespace side's IPv4 address (on {@link #peerInterface()}): where to connect to reach servers in the lab. */
    public InetAddress peerAddress() {
        return peerAddress;
    }

    /** The host side's IPv6 ULA address when the lab was built with {@link Builder#ipv6(boolean) ipv6(true)}. */
    public Optional<Inet6Address> hostAddress6() {
        return Optional.ofNullable(hostAddress6);
    }

    /** The namespace side's IPv6 ULA address when the lab was built with {@link Builder#ipv6(boolean) ipv6(true)}. */
    public Optional<Inet6Address> peerAddress6() {
        return Optional.ofNullable(peerAddress6);
    }

    /** Prefix length of the IPv4 subnet shared by the two ends (30). */
    public int prefixLength() {
        return 30;
    }

    /** The tbf rate in bits per second, if the lab has a rate limit. */
    public OptionalLong rateBitsPerSecond() {
        return rate == null ? OptionalLong.empty() : OptionalLong.of(rateBits);
    }

    /** The tbf burst in bytes as tc reads the configured value, if the lab has a rate limit. */
    public OptionalLong burstBytes() {
        return rate == null ? OptionalLong.empty() : OptionalLong.of(burstBytes);
    }

    /** The tbf limit (queue size) in bytes as tc reads the configured value, if the lab has a rate limit. */
    public OptionalLong limitBytes() {
        return rate == null ? OptionalLong.empty() : OptionalLong.of(limitBytes);
    }

    /** Where the drop rule sits, if the lab drops packets. */
    public Optional<DropPoint> dropPoint() {
        return hasDropRule() ? Optional.of(dropPoint) : Optional.empty();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    // --------------------------------------------------------------------------------------------- inspection

    /** Counters of the root qdisc on {@link #hostInterface()}, from {@code tc -s -j qdisc show}. */
    public QdiscStats qdiscStats() {
        ensureOpen();
        String out = Commands.check(timeout, List.of(tools.tc(), "-s", "-j", "qdisc", "show", "dev", hostInterface));
        JsonNode arr = parseJson(out, "tc -s -j qdisc show dev " + hostInterface);
        JsonNode root = null;
        for (JsonNode q : arr) {
            if (q.path("root").asBoolean(false)) {
                root = q;
                break;
            }
        }
        if (root == null) {
            if (arr.size() == 0) {
                throw new NetworkLabException("tc shows no qdisc on " + hostInterface + ": " + out);
            }
            root = arr.get(0);
        }
        return new QdiscStats(root.path("kind").asText(), root.path("bytes").asLong(), root.path("packets").asLong(),
                root.path("drops").asLong(), root.path("overlimits").asLong(), root.path("requeues").asLong(),
                root.path("backlog").asLong(), root.path("qlen").asLong());
    }

    /**
     * Packets and bytes the lab's drop rule(s) dropped so far, from the rule counters in {@code nft -j list table}.
     *
     * @throws IllegalStateException when the lab was built without a drop rule
     */
    public NftCounter nftDropCounter() {
        ensureOpen();
        if (!hasDropRule()) {
            throw new IllegalStateException("this lab has no drop rule; build it with dropEveryNth(n) or"
                    + " dropFraction(p)");
        }
        List<String> list = List.of(tools.nft(), "-j", "list", "table", "inet", tableName);
        String out = Commands.check(timeout, dropPoint == DropPoint.PEER_INGRESS ? inNamespaceCommand(list) : list);
        long packets = 0;
        long bytes = 0;
        for (JsonNode item : parseJson(out, "nft -j list table inet " + tableName).path("nftables")) {
            for (JsonNode expr : item.path("rule").path("expr")) {
                JsonNode counter = expr.get("counter");
                if (counter != null) {
                    packets += counter.path("packets").asLong();
                    bytes += counter.path("bytes").asLong();
                }
            }
        }
        return new NftCounter(packets, bytes);
    }

    /**
     * The namespace's SNMP counters named as {@code nstat -az} names them, e.g. {@code TcpInSegs},
     * {@code TcpExtTCPOFOQueue}, {@code IpExtInOctets}, {@code Ip6InReceives}: what the receiving side saw.
     */
    public Map<String, Long> nstat() {
        return callInNamespace(() -> Nstat.read(Path.of("/proc/thread-self/net")));
    }

    /**
     * The host network namespace's SNMP counters (of this JVM's main thread), named as {@code nstat -az} names them,
     * e.g. {@code TcpRetransSegs}. These count every socket on the host, not only the lab's.
     */
    public static Map<String, Long> hostNstat() {
        return Nstat.read(Path.of("/proc/self/net"));
    }

    // ------------------------------------------------------------------------------------- inside the namespace

    /**
     * Runs {@code task} on a thread that entered the lab's network namespace and returns its result. Sockets the
     * task creates belong to the namespace (and stay there when used from other threads later): this is how to
     * start a server that listens on {@link #peerAddress()}. Exceptions of the task are rethrown as they are.
     */
    public <T> T inNamespace(Callable<T> task) throws Exception {
        Future<T> f = inNamespaceAsync(task);
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    /**
     * Like {@link #inNamespace(Callable)} without waiting: the task runs on its own thread in the namespace, so it
     * may block (e.g. an accept loop). The threads stop when the lab is closed.
     */
    public <T> Future<T> inNamespaceAsync(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        ensureOpen();
        return executor().submit(() -> {
            enterNamespace();
            return task.call();
        });
    }

    /** Like {@link #inNamespace(Callable)}, with checked exceptions wrapped in {@link NetworkLabException}. */
    private <T> T callInNamespace(Callable<T> task) {
        try {
            return inNamespace(task);
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkLabException("interrupted while running in namespace " + namespace, e);
        } catch (Exception e) {
            throw new NetworkLabException("failed in namespace " + namespace + ": " + e, e);
        }
    }

    /**
     * Starts a TCP server in the namespace that reads and discards everything and counts the bytes. It listens on
     * all of the namespace's addresses; connect to {@link #peerAddress()} (or {@link LabServer#socketAddress()}).
     *
     * @param port the port, or 0 for one the kernel picks
     */
    public LabServer startSinkServer(int port) {
        return startServer(port, false);
    }

    /** Like {@link #startSinkServer(int)}, but writes back everything it reads. */
    public LabServer startEchoServer(int port) {
        return startServer(port, true);
    }

    private LabServer startServer(int port, boolean echo) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 0 (any) to 65535");
        }
        ServerSocket ss = callInNamespace(() -> {
            ServerSocket s = new ServerSocket();
            try {
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(port), 128);
                return s;
            } catch (IOException e) {
                s.close();
                throw e;
            }
        });
        LabServer[] self = new LabServer[1];
        LabServer server = new LabServer(ss, echo, peerAddress, namespace + (echo ? "-echo" : "-sink"),
                () -> servers.remove(self[0]));
        self[0] = server;
        servers.add(server);
        if (closed) {
            server.close();
            throw new IllegalStateException("lab " + namespace + " was closed");
        }
        return server;
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
        return Commands.check(timeout, inNamespaceCommand(command));
    }

    private List<String> inNamespaceCommand(List<String> command) {
        List<String> l = new ArrayList<>(List.of(tools.ip(), "netns", "exec", namespace));
        l.addAll(command);
        return l;
    }

    private synchronized ExecutorService executor() {
        if (namespaceExecutor == null) {
            AtomicInteger n = new AtomicInteger();
            namespaceExecutor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), r -> {
                        Thread t = new Thread(r, "netlab-" + namespace + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
        }
        return namespaceExecutor;
    }

    /** Moves the calling thread into the lab's namespace with setns(2), once per thread. */
    private void enterNamespace() {
        if (namespace.equals(CURRENT_NAMESPACE.get())) {
            return;
        }
        String path = NETNS_DIR + namespace;
        int fd;
        try {
            fd = LibC.INSTANCE.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new NetworkLabException("cannot open " + path + " (errno " + e.getErrorCode() + "): " + e.getMessage(), e);
        }
        try {
            LibC.INSTANCE.setns(fd, LibC.CLONE_NEWNET);
        } catch (LastErrorException e) {
            throw new NetworkLabException("setns(" + path + ", CLONE_NEWNET) failed (errno " + e.getErrorCode()
                    + "): " + e.getMessage() + "; entering a namespace needs CAP_SYS_ADMIN", e);
        } finally {
            LibC.INSTANCE.close(fd);
        }
        CURRENT_NAMESPACE.set(namespace);
    }

    // ------------------------------------------------------------------------------------------------- set-up

    private void setUp() {
        installShutdownHook();
        OPEN.add(this);
        namespaceAttempted = true;
        ip("netns", "add", namespace);
        linkAttempted = true;
        ip("link", "add", hostInterface, "type", "veth", "peer", "name", peerInterface, "netns", namespace);
        if (!ipv6) {
            // Keeps IPv6 neighbour discovery and MLD off the host side, so qdisc counters show only the test's traffic.
            writeQuietly(Path.of("/proc/sys/net/ipv6/conf", hostInterface, "disable_ipv6"), "1");
        }
        assignHostAddress();
        ip("-n", namespace, "addr", "add", peerAddress.getHostAddress() + "/30", "dev", peerInterface);
        if (ipv6) {
            ip("-6", "addr", "add", hostAddress6.getHostAddress() + "/64", "dev", hostInterface, "nodad");
            ip("-n", namespace, "-6", "addr", "add", peerAddress6.getHostAddress() + "/64", "dev", peerInterface,
                    "nodad");
        }
        if (rate != null) {
            Commands.check(timeout, List.of(tools.tc(), "qdisc", "replace", "dev", hostInterface, "root", "tbf",
                    "rate", rate, "burst", burst, "limit", limit));
        }
        ip("-n", namespace, "link", "set", "lo", "up");
        ip("-n", namespace, "link", "set", peerInterface, "up");
        ip("link", "set", hostInterface, "up");
        if (hasDropRule()) {
            installDropRule();
        }
        awaitCarrier();
    }

    private boolean hasDropRule() {
        return everyNth != null || fraction != null;
    }

    private void ip(String... args) {
        List<String> l = new ArrayList<>(args.length + 1);
        l.add(tools.ip());
        l.addAll(List.of(args));
        Commands.check(timeout, l);
    }

    /**
     * Picks a /30 in 198.18.0.0/15 that no interface on the host uses, and assigns the host end while holding a
     * machine-wide file lock, so labs of concurrent JVMs never share a subnet.
     */
    private void assignHostAddress() {
        synchronized (ALLOCATION_LOCK) {
            try (FileChannel ch = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = ch.lock()) {
                assert lock.isValid();
                Set<Integer> used = usedSubnets();
                int start = Math.floorMod(base.hashCode() * 31 + 17, SUBNETS);
                int index = -1;
                for (int k = 0; k < SUBNETS; k++) {
                    int i = (start + k) % SUBNETS;
                    if (!used.contains(i)) {
                        index = i;
                        break;
                    }
                }
                if (index < 0) {
                    throw new NetworkLabException("all " + SUBNETS + " /30 subnets of 198.18.0.0/15 are in use;"
                            + " close labs or run NetworkLab.removeStale()");
                }
                hostAddress = v4(NET_BASE + index * 4 + 1);
                peerAddress = v4(NET_BASE + index * 4 + 2);
                if (ipv6) {
                    String net = ULA_PREFIX + Integer.toHexString(index) + "::";
                    hostAddress6 = (Inet6Address) InetAddress.getByName(net + "1");
                    peerAddress6 = (Inet6Address) InetAddress.getByName(net + "2");
                }
                ip("addr", "add", hostAddress.getHostAddress() + "/30", "dev", hostInterface);
            } catch (IOException e) {
                throw new NetworkLabException("cannot lock " + lockFile() + " to allocate a subnet: " + e, e);
            }
        }
    }

    private static Path lockFile() {
        Path runLock = Path.of("/run/lock");
        Path dir = Files.isDirectory(runLock) && Files.isWritable(runLock)
                ? runLock : Path.of(System.getProperty("java.io.tmpdir"));
        return dir.resolve("netlat-lab.lock");
    }

    private Set<Integer> usedSubnets() {
        String out = Commands.check(timeout, List.of(tools.ip(), "-j", "-4", "addr", "show"));
        Set<Integer> used = new HashSet<>();
        for (JsonNode link : parseJson(out, "ip -j -4 addr show")) {
            for (JsonNode a : link.path("addr_info")) {
                String local = a.path("local").asText("");
                try {
                    InetAddress addr = InetAddress.getByName(local);
                    if (addr instanceof Inet4Address) {
                        byte[] b = addr.getAddress();
                        int v = ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
                        if ((v & 0xFFFE_0000) == NET_BASE) {
                            used.add((v - NET_BASE) >>> 2);
                        }
                    }
                } catch (UnknownHostException ignored) {
                    // not an address literal
                }
            }
        }
        return used;
    }

    private static Inet4Address v4(int v) {
        try {
            return (Inet4Address) InetAddress.getByAddress(
                    new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    private void installDropRule() {
        String match = dropPoint == DropPoint.PEER_INGRESS
                ? "iifname \"" + peerInterface + "\"" : "oifname \"" + hostInterface + "\"";
        String numgen = everyNth != null
                ? "numgen inc mod " + everyNth + " == 0"
                : "numgen random mod " + RANDOM_SCALE + " < " + Math.max(1, Math.round(fraction * RANDOM_SCALE));
        String hook = dropPoint == DropPoint.PEER_INGRESS ? "prerouting priority -300" : "output priority 0";
        StringBuilder script = new StringBuilder()
                .append("table inet ").append(tableName).append(" {\n")
                .append("  chain lab_drop {\n")
                .append("    type filter hook ").append(hook).append("; policy accept;\n")
                .append("    ").append(match).append(" ip saddr ").append(hostAddress.getHostAddress())
                .append(" ip daddr ").append(peerAddress.getHostAddress()).append(' ').append(numgen)
                .append(" counter drop\n");
        if (ipv6) {
            script.append("    ").append(match).append(" ip6 saddr ").append(hostAddress6.getHostAddress())
                    .append(" ip6 daddr ").append(peerAddress6.getHostAddress()).append(' ').append(numgen)
                    .append(" counter drop\n");
        }
        script.append("  }\n}\n");
        List<String> nft = List.of(tools.nft(), "-f", "-");
        if (dropPoint == DropPoint.PEER_INGRESS) {
            Commands.check(timeout, script.toString(), inNamespaceCommand(nft));
        } else {
            hostTableAttempted = true;
            Commands.check(timeout, script.toString(), nft);
        }
    }

    /** veth reports carrier once both ends are up; wait for it so the first SYN is not lost. */
    private void awaitCarrier() {
        Path operstate = Path.of("/sys/class/net", hostInterface, "operstate");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            try {
                if ("up".equals(Files.readString(operstate).trim())) {
                    return;
                }
                Thread.sleep(5);
            } catch (IOException e) {
                return; // no sysfs: nothing to wait on
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        LOG.log(System.Logger.Level.WARNING, "{0} did not report carrier within 3 s", hostInterface);
    }

    private static void writeQuietly(Path p, String value) {
        try {
            Files.writeString(p, value);
        } catch (IOException e) {
            // IPv6 not built in or sysctl not writable: harmless
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("lab " + namespace + " was closed");
        }
    }

    // --------------------------------------------------------------------------------------------- tear-down

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
        for (LabServer s : List.copyOf(servers)) {
            try {
                s.close();
            } catch (RuntimeException e) {
                errors.add("closing " + s + ": " + e.getMessage());
            }
        }
        ExecutorService ex;
        synchronized (this) {
            ex = namespaceExecutor;
        }
        if (ex != null) {
            ex.shutdownNow();
            try {
                ex.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (hostTableAttempted) {
            removeQuietly(errors, List.of(tools.nft(), "delete", "table", "inet", tableName));
        }
        if (linkAttempted) {
            removeQuietly(errors, List.of(tools.ip(), "link", "del", hostInterface));
        }
        if (namespaceAttempted) {
            removeQuietly(errors, List.of(tools.ip(), "netns", "del", namespace));
        }
        OPEN.remove(this);
        OWNED.remove(base); // leftovers, if any, are now stale and removed by the next lab's creation
        if (!errors.isEmpty()) {
            throw new NetworkLabException("could not remove all of lab " + namespace + ": "
                    + String.join("; ", errors));
        }
    }

    private static Duration cleanupTimeout(Duration commandTimeout) {
        return commandTimeout.compareTo(Commands.DEFAULT_TIMEOUT) > 0 ? commandTimeout : Commands.DEFAULT_TIMEOUT;
    }

    private void removeQuietly(List<String> errors, List<String> command) {
        try {
            Commands.Result r = Commands.run(cleanupTimeout, null, command);
            if (!r.ok() && !isNotFound(r.stderr())) {
                errors.add(r.describe());
            }
        } catch (RuntimeException e) {
            errors.add(e.getMessage());
        }
    }

    private static boolean isNotFound(String stderr) {
        String s = stderr.toLowerCase(Locale.ROOT);
        return s.contains("cannot find device") || s.contains("no such file") || s.contains("does not exist")
                || s.contains("no such device");
    }

    private static void installShutdownHook() {
        if (HOOK_INSTALLED.compareAndSet(false, true)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                for (NetworkLab lab : List.copyOf(OPEN)) {
                    try {
                        lab.close();
                    } catch (RuntimeException e) {
                        System.err.println("netlat NetworkLab: " + e.getMessage());
                    }
                }
            }, "netlab-shutdown"));
        }
    }

    // ------------------------------------------------------------------------------------------ stale objects

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
        return removeStale(requireTools(false, false), Commands.DEFAULT_TIMEOUT);
    }

    private static List<String> removeStale(Tools tools, Duration timeout) {
        synchronized (STALE_LOCK) {
            List<String> removed = new ArrayList<>();
            if (tools.nft() != null) {
                Commands.Result r = Commands.run(timeout, null, List.of(tools.nft(), "-j", "list", "tables"));
                if (r.ok()) {
                    for (JsonNode item : parseJson(r.stdout(), "nft -j list tables").path("nftables")) {
                        JsonNode t = item.get("table");
                        if (t != null && isStale(OBJECT_NAME, t.path("name").asText())) {
                            String family = t.path("family").asText("inet");
                            String name = t.path("name").asText();
                            if (removeStaleObject(timeout, List.of(tools.nft(), "delete", "table", family, name))) {
                                removed.add("nft table " + family + " " + name);
                            }
                        }
                    }
                }
            }
            // List links before deleting namespaces: deleting a namespace takes its veth pair along asynchronously.
            List<String> staleLinks = new ArrayList<>();
            for (JsonNode link : parseJson(Commands.check(timeout, List.of(tools.ip(), "-j", "link", "show")),
                    "ip -j link show")) {
                String name = link.path("ifname").asText();
                int at = name.indexOf('@');
                if (at >= 0) {
                    name = name.substring(0, at);
                }
                if (isStale(LINK_NAME, name)) {
                    staleLinks.add(name);
                }
            }
            String netns = Commands.check(timeout, List.of(tools.ip(), "-j", "netns", "list"));
            if (!netns.isBlank()) {
                for (JsonNode ns : parseJson(netns, "ip -j netns list")) {
                    String name = ns.path("name").asText();
                    if (isStale(OBJECT_NAME, name)
                            && removeStaleObject(timeout, List.of(tools.ip(), "netns", "del", name))) {
                        removed.add("netns " + name);
                    }
                }
            }
            for (String name : staleLinks) {
                if (removeStaleObject(timeout, List.of(tools.ip(), "link", "del", name))) {
                    removed.add("link " + name);
                } else if (!Files.exists(Path.of("/sys/class/net", name))) {
                    removed.add("link " + name); // went away with its namespace
                }
            }
            if (!removed.isEmpty()) {
                LOG.log(System.Logger.Level.INFO, "removed stale network lab objects: {0}", removed);
            }
            return removed;
        }
    }

    private static boolean removeStaleObject(Duration timeout, List<String> command) {
        Commands.Result r = Commands.run(timeout, null, command);
        if (!r.ok() && !isNotFound(r.stderr())) {
            LOG.log(System.Logger.Level.WARNING, "could not remove stale object: {0}", r.describe());
        }
        return r.ok();
    }

    private static boolean isStale(Pattern pattern, String name) {
        Matcher m = pattern.matcher(name);
        if (!m.matches()) {
            return false;
        }
        long pid;
        try {
            pid = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (pid == PID) {
            return !OWNED.contains(NAME_PREFIX + m.group(1) + "-" + m.group(2));
        }
        return ProcessHandle.of(pid).map(ph -> !ph.isAlive()).orElse(true);
    }

    // ------------------------------------------------------------------------------------------ requirements

    /** Absolute paths of the tools; {@code tc} and {@code nft} are null when not installed. */
    private record Tools(String ip, String tc, String nft) {
        @Override
        public String tc() {
            if (tc == null) {
                throw new NetworkLabUnavailableException(List.of(missing("tc", "iproute2")));
            }
            return tc;
        }
    }

    /**
     * Checks that labs with every feature can be built here: root privileges (CAP_NET_ADMIN, CAP_SYS_ADMIN) and the
     * {@code ip}, {@code tc} and {@code nft} tools.
     *
     * @throws NetworkLabUnavailableException listing what is missing and how to get it
     */
    public static void checkAvailable() {
        requireTools(true, true);
    }

    private static Tools requireTools(boolean needTc, boolean needNft) {
        List<String> problems = new ArrayList<>();
        long caps = effectiveCapabilities();
        boolean netAdmin = (caps & (1L << 12)) != 0;
        boolean sysAdmin = (caps & (1L << 21)) != 0;
        if (!netAdmin || !sysAdmin) {
            problems.add("missing " + (!netAdmin && !sysAdmin ? "CAP_NET_ADMIN and CAP_SYS_ADMIN"
                    : !netAdmin ? "CAP_NET_ADMIN" : "CAP_SYS_ADMIN")
                    + " (needed to create network namespaces, veth links, qdiscs and nftables rules): run as root,"
                    + " e.g. `sudo mvn test`, or start the container with --cap-add NET_ADMIN --cap-add SYS_ADMIN");
        }
        Optional<String> ip = Commands.find("ip");
        Optional<String> tc = Commands.find("tc");
        Optional<String> nft = Commands.find("nft");
        if (ip.isEmpty()) {
            problems.add(missing("ip", "iproute2"));
        }
        if (needTc && tc.isEmpty()) {
            problems.add(missing("tc", "iproute2"));
        }
        if (needNft && nft.isEmpty()) {
            problems.add(missing("nft", "nftables"));
        }
        if (!problems.isEmpty()) {
            throw new NetworkLabUnavailableException(problems);
        }
        return new Tools(ip.get(), tc.orElse(null), nft.orElse(null));
    }

    private static String missing(String tool, String pkg) {
        return "`" + tool + "` not found on PATH or in /usr/sbin, /sbin: install the " + pkg + " package (Debian/Ubuntu:"
                + " apt-get install " + pkg + "; Fedora/RHEL: dnf install " + ("iproute2".equals(pkg) ? "iproute" : pkg)
                + ")";
    }

    private static long effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux or unreadable: fall through
        }
        return 0;
    }

    private static JsonNode parseJson(String text, String what) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new NetworkLabException("cannot parse the JSON output of `" + what + "`: " + e.getMessage()
                    + "; output was: " + (text.length() > 500 ? text.substring(0, 500) + "…" : text), e);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("NetworkLab[").append(namespace).append(": host ")
                .append(hostInterface).append(' ').append(hostAddress == null ? "?" : hostAddress.getHostAddress())
                .append(" <-> ").append(peerInterface).append(' ')
                .append(peerAddress == null ? "?" : peerAddress.getHostAddress());
        if (rate != null) {
            sb.append(", tbf rate ").append(rate).append(" burst ").append(burst).append(" limit ").append(limit);
        }
        if (everyNth != null) {
            sb.append(", drop every ").append(everyNth).append("th packet at ").append(dropPoint);
        } else if (fraction != null) {
            sb.append(", drop ").append(fraction).append(" of packets at ").append(dropPoint);
        }
        return sb.append(closed ? ", closed]" : "]").toString();
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Describes a lab; every setter checks its value at once and names the bad value and the valid forms. */
    public static final class Builder {
        private String rate;
        private String burst;
        private String limit;
        private Integer everyNth;
        private Double fraction;
        private DropPoint dropPoint = DropPoint.PEER_INGRESS;
        private boolean ipv6;
        private Duration commandTimeout = Commands.DEFAULT_TIMEOUT;

        private Builder() {
        }

        /**
         * Puts a {@code tbf} qdisc with this rate on the host-side interface (what host-to-namespace traffic goes
         * through), in tc syntax such as {@code 50mbit}, {@code 800kbit}, {@code 10mbps} (bytes/s).
         */
        public Builder rate(String rate) {
            TcSyntax.rateBitsPerSecond("rate", rate);
            this.rate = rate.trim();
            return this;
        }

        /**
         * The tbf bucket size in tc syntax ({@code 32kbit}, {@code 4kb}, {@code 1514}); default {@value
         * NetworkLab#DEFAULT_BURST}. Must hold one full-size frame (at least 1600 bytes).
         */
        public Builder burst(String burst) {
            long bytes = TcSyntax.sizeBytes("burst", burst);
            if (bytes < 1600) {
                throw new IllegalArgumentException("burst \"" + burst + "\" is " + bytes + " bytes; tbf drops"
                        + " frames larger than its burst, so it must hold one full-size frame: at least 1600 bytes,"
                        + " e.g. 32kbit or 4kb");
            }
            this.burst = burst.trim();
            return this;
        }

        /**
         * How many bytes the tbf queue holds before it drops, in tc syntax ({@code 1mb}, {@code 64kb},
         * {@code 100000}); default {@value NetworkLab#DEFAULT_LIMIT}. A small limit makes qdisc drops.
         */
        public Builder limit(String limit) {
            TcSyntax.sizeBytes("limit", limit);
            this.limit = limit.trim();
            return this;
        }

        /** Drops every {@code n}th packet from host to namespace ({@code numgen inc mod n == 0 drop}); n ≥ 2. */
        public Builder dropEveryNth(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("dropEveryNth(" + n + "): n must be at least 2 (every 2nd, 3rd,"
                        + " ... packet); n = 1 would drop everything");
            }
            if (fraction != null) {
                throw new IllegalArgumentException("dropEveryNth(" + n + ") conflicts with dropFraction(" + fraction
                        + "): choose one");
            }
            this.everyNth = n;
            return this;
        }

        /**
         * Drops this fraction of packets from host to namespace at random ({@code numgen random}), e.g. 0.01 for
         * 1 %; must be in (0, 1) with a resolution of 1e-6.
         */
        public Builder dropFraction(double fraction) {
            if (!(fraction > 0 && fraction < 1) || Double.isNaN(fraction)) {
                throw new IllegalArgumentException("dropFraction(" + fraction + "): the fraction must be greater than 0"
                        + " and less than 1, e.g. 0.01 for 1 %");
            }
            if (fraction < 1.0 / RANDOM_SCALE) {
                throw new IllegalArgumentException("dropFraction(" + fraction + ") is below the resolution of 1e-6;"
                        + " use at least 0.000001");
            }
            if (everyNth != null) {
                throw new IllegalArgumentException("dropFraction(" + fraction + ") conflicts with dropEveryNth("
                        + everyNth + "): choose one");
            }
            this.fraction = fraction;
            return this;
        }

        /** Where the drop rule sits; default {@link DropPoint#PEER_INGRESS} (real loss that makes retransmits). */
        public Builder dropAt(DropPoint point) {
            this.dropPoint = Objects.requireNonNull(point, "dropAt(null): expected PEER_INGRESS or HOST_EGRESS");
            return this;
        }

        /** Also gives both ends IPv6 ULA addresses (fd6e:6c61:6200:&lt;n&gt;::1 and ::2 /64); default false. */
        public Builder ipv6(boolean ipv6) {
            this.ipv6 = ipv6;
            return this;
        }

        /** How long each {@code ip}, {@code tc} or {@code nft} command may run; default 20 s. */
        public Builder commandTimeout(Duration timeout) {
            if (timeout == null || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("commandTimeout(" + timeout + ") must be a positive duration,"
                        + " e.g. Duration.ofSeconds(20)");
            }
            this.commandTimeout = timeout;
            return this;
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
            boolean drop = everyNth != null || fraction != null;
            Tools tools = requireTools(rate != null, drop);
            try {
                removeStale(tools, cleanupTimeout(commandTimeout));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "could not check for stale network lab objects", e);
            }
            NetworkLab lab = new NetworkLab(this, tools);
            OWNED.add(lab.base);
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
    }
}
