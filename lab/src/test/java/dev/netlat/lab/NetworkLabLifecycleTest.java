// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import static dev.netlat.lab.LabTestSupport.linkList;
import static dev.netlat.lab.LabTestSupport.netnsList;
import static dev.netlat.lab.LabTestSupport.nftTables;
import static dev.netlat.lab.LabTestSupport.sh;
import static dev.netlat.lab.LabTestSupport.tryRun;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.io.File;
import java.net.Inet4Address;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Creating, naming, closing and cleaning up labs, checked with ip/nft on the real kernel. */
class NetworkLabLifecycleTest {
    private static final long PID = ProcessHandle.current().pid();

    @BeforeAll
    static void available() {
        LabTestSupport.assumeLabAvailable();
    }

    @Test
    void createAndCloseLeavesNothingBehind() {
        NetworkLab lab = NetworkLab.builder().rate("100mbit").dropEveryNth(10).dropAt(DropPoint.HOST_EGRESS)
                .ipv6(true).create();
        String ns = lab.namespace();
        String host = lab.hostInterface();
        String table = lab.nftTable();
        try {
            assertThat(ns).startsWith("nl-" + PID + "-");
            assertThat(host).startsWith(ns).hasSizeLessThanOrEqualTo(15);
            assertThat(lab.peerInterface()).startsWith(ns).hasSizeLessThanOrEqualTo(15);
            assertThat(netnsList()).contains(ns);
            assertThat(linkList()).contains(host + "@");
            assertThat(nftTables()).contains("table inet " + table);
            assertThat(sh("ip", "-n", ns, "-o", "link", "show")).contains(lab.peerInterface() + "@").contains("lo:");
            assertThat(sh("ip", "-n", ns, "-br", "link", "show", "lo")).contains("UNKNOWN"); // lo is up
            assertThat(sh("tc", "qdisc", "show", "dev", host)).contains("tbf");
        } finally {
            lab.close();
        }
        assertThat(lab.isClosed()).isTrue();
        assertThat(netnsList()).doesNotContain(ns);
        assertThat(linkList()).doesNotContain(host);
        assertThat(nftTables()).doesNotContain(table);
        lab.close(); // idempotent
    }

    @Test
    void peerIngressRuleLivesInTheNamespaceAndGoesWithIt() {
        String ns;
        try (NetworkLab lab = NetworkLab.builder().dropEveryNth(5).create()) {
            ns = lab.namespace();
            assertThat(lab.execInNamespace("nft", "list", "tables")).contains("table inet " + lab.nftTable());
            assertThat(nftTables()).doesNotContain(lab.nftTable());
            assertThat(lab.dropPoint()).contains(DropPoint.PEER_INGRESS);
        }
        assertThat(netnsList()).doesNotContain(ns);
    }

    @Test
    void addressesAreUniqueBenchmarkingRangeSubnets() {
        try (NetworkLab a = NetworkLab.create(); NetworkLab b = NetworkLab.builder().ipv6(true).create()) {
            for (NetworkLab lab : List.of(a, b)) {
                assertThat(lab.hostAddress()).isInstanceOf(Inet4Address.class);
                byte[] h = lab.hostAddress().getAddress();
                byte[] p = lab.peerAddress().getAddress();
                assertThat(h[0] & 0xff).isEqualTo(198);
                assertThat(h[1] & 0xfe).isEqualTo(18);
                assertThat(h[3] & 3).isEqualTo(1);
                assertThat(p[3] & 3).isEqualTo(2);
                assertThat((h[2] << 8 | h[3] & 0xfc)).isEqualTo(p[2] << 8 | p[3] & 0xfc); // same /30
                assertThat(sh("ip", "-n", lab.namespace(), "-br", "addr", "show", "dev", lab.peerInterface()))
                        .contains(lab.peerAddress().getHostAddress() + "/30");
            }
            assertThat(a.hostAddress()).isNotEqualTo(b.hostAddress());
            assertThat(a.namespace()).isNotEqualTo(b.namespace());
            assertThat(a.peerAddress6()).isEmpty();
            assertThat(b.peerAddress6()).hasValueSatisfying(v6 ->
                    assertThat(v6.getHostAddress()).startsWith("fd6e:6c61:6200:"));
            assertThat(sh("ip", "-n", b.namespace(), "-br", "addr", "show", "dev", b.peerInterface()))
                    .contains("fd6e:6c61:6200:").contains("::2/64");
        }
    }

    @Test
    void usingAClosedLabFailsClearly() {
        NetworkLab lab = NetworkLab.create();
        lab.close();
        assertThatIllegalStateException().isThrownBy(lab::qdiscStats).withMessageContaining("was closed");
        assertThatIllegalStateException().isThrownBy(() -> lab.inNamespace(() -> 1))
                .withMessageContaining(lab.namespace());
        assertThatIllegalStateException().isThrownBy(() -> lab.startSinkServer(0));
    }

    @Test
    void nftCounterWithoutDropRuleIsAnError() {
        try (NetworkLab lab = NetworkLab.create()) {
            assertThatIllegalStateException().isThrownBy(lab::nftDropCounter)
                    .withMessageContaining("dropEveryNth");
            assertThat(lab.qdiscStats().kind()).isNotEqualTo("tbf");
            assertThat(lab.rateBitsPerSecond()).isEmpty();
        }
    }

    @Test
    void failureHalfWayRemovesWhatWasCreated() throws Exception {
        // A 1 ns command timeout makes a creation command time out, whatever it managed to do. Rarely a command has
        // already exited when its wait starts and the step passes; then the lab is closed and the next try made.
        Throwable thrown = null;
        for (int attempt = 0; attempt < 5 && thrown == null; attempt++) {
            NetworkLab[] made = new NetworkLab[1];
            thrown = catchThrowable(() -> made[0] = NetworkLab.builder().commandTimeout(Duration.ofNanos(1)).create());
            if (made[0] != null) {
                String ns = made[0].namespace();
                try {
                    made[0].close();
                } catch (RuntimeException e) {
                    // its commands have the same 1 ns timeout: remove what it left by hand
                    new ProcessBuilder("ip", "netns", "del", ns).start().waitFor();
                    new ProcessBuilder("ip", "link", "del", ns + "h").start().waitFor();
                }
            }
        }
        assertThat(thrown).isInstanceOf(NetworkLabException.class).hasMessageContaining("did not finish within");
        Matcher m = Pattern.compile("nl-" + PID + "-[0-9a-z]+").matcher(thrown.getMessage());
        assertThat(m.find()).as("lab name in %s", thrown.getMessage()).isTrue();
        String name = m.group();
        assertThat(netnsList()).doesNotContain(name + "\n").doesNotContain(name + " ");
        assertThat(linkList()).doesNotContain(name + "h");
        assertThat(new File("/var/run/netns/" + name)).doesNotExist();
    }

    private static Throwable catchThrowable(org.assertj.core.api.ThrowableAssert.ThrowingCallable c) {
        return org.assertj.core.api.Assertions.catchThrowable(c);
    }

    @Test
    void staleObjectsOfDeadProcessesAreRemovedAndLiveOnesKept() throws Exception {
        long dead = deadPid();
        Process live = new ProcessBuilder("sleep", "30").start();
        String deadName = "nl-" + dead + "-zt";
        String liveName = "nl-" + live.pid() + "-zt";
        String ownUnowned = "nl-" + PID + "-zzt"; // our pid, but no lab of ours: left by an earlier JVM with our pid
        try {
            for (String n : List.of(deadName, liveName, ownUnowned)) {
                sh("ip", "netns", "add", n);
                sh("ip", "link", "add", n + "h", "type", "veth", "peer", "name", n + "p");
                sh("nft", "add", "table", "inet", n);
            }
            List<String> removed = NetworkLab.removeStale();

            // Labs created concurrently by other JVMs may remove the dead pid's objects first; only this JVM may
            // remove the ones named with its own pid.
            assertThat(removed).contains("netns " + ownUnowned, "nft table inet " + ownUnowned,
                    "link " + ownUnowned + "h");
            assertThat(removed).noneMatch(s -> s.contains(liveName));
            for (String n : List.of(deadName, ownUnowned)) {
                assertThat(netnsList()).doesNotContain(n);
                assertThat(linkList()).doesNotContain(n + "h").doesNotContain(n + "p");
                assertThat(nftTables()).doesNotContain(n);
            }
            assertThat(netnsList()).contains(liveName);
            assertThat(linkList()).contains(liveName + "h");
            assertThat(nftTables()).contains(liveName);
        } finally {
            live.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            for (String n : List.of(deadName, liveName, ownUnowned)) {
                tryRun("ip", "netns", "del", n);
                tryRun("ip", "link", "del", n + "h");
                tryRun("nft", "delete", "table", "inet", n);
            }
        }
    }

    @Test
    void creatingALabRemovesStaleObjectsFirst() throws Exception {
        String deadName = "nl-" + deadPid() + "-zc";
        sh("ip", "netns", "add", deadName);
        try (NetworkLab lab = NetworkLab.create()) {
            assertThat(netnsList()).doesNotContain(deadName).contains(lab.namespace());
        } finally {
            tryRun("ip", "netns", "del", deadName);
        }
    }

    @Test
    void withoutPrivilegesTheMessageSaysWhatToDo() throws Exception {
        // Run a child JVM with CAP_NET_ADMIN and CAP_SYS_ADMIN dropped from its bounding set.
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        Process p = new ProcessBuilder("setpriv", "--bounding-set", "-net_admin,-sys_admin",
                "--inh-caps", "-net_admin,-sys_admin", java, "-cp", cp, UnprivilegedMain.class.getName())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(out).contains("NetworkLabUnavailableException")
                .contains("missing CAP_NET_ADMIN and CAP_SYS_ADMIN")
                .contains("run as root");
    }

    /** Entry point of the unprivileged child JVM. */
    static final class UnprivilegedMain {
        public static void main(String[] args) {
            try (NetworkLab lab = NetworkLab.create()) {
                System.out.println("created " + lab);
            } catch (RuntimeException e) {
                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
        }
    }

    /** The pid of a process that just ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        long pid = p.pid();
        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        return pid;
    }
}
