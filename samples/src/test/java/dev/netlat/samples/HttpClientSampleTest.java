// SPDX-License-Identifier: Apache-2.0
package dev.netlat.samples;

import static dev.netlat.assertj.NetAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.netlat.NetworkTrace;
import dev.netlat.NetworkView;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import dev.netlat.junit.LatencyBudget;
import dev.netlat.junit.TraceNetwork;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sample 1 — an ordinary HTTP client test, with network latency budgets.
 *
 * <p>What to learn here:
 * <ul>
 *   <li>{@code @TraceNetwork} on the class traces every TCP socket of this JVM while each test method runs: here
 *       both the JDK {@link HttpClient} and the {@code com.sun.net.httpserver} server on loopback. Nothing in the
 *       code under test changes.</li>
 *   <li>{@code @LatencyBudget} states a budget per stage; the extension checks it after the test and fails it with
 *       the stage's histogram when the budget is broken. A p99 budget needs at least 100 samples (writes or
 *       packets), so the test makes a few hundred requests: a percentile over fewer samples is noise and netlat
 *       refuses to judge it.</li>
 *   <li>The same trace is injected as a parameter, for AssertJ assertions inside the test: budgets as
 *       assertions, counters, retransmits. {@code assertThat(trace).hasNoRetransmits()} is the strict check; on
 *       loopback it also counts Linux's <em>tail loss probes</em>, which the kernel sends when the ACK of the last
 *       packets in flight is a few milliseconds late. On a busy shared machine (a CI runner, a laptop running a
 *       build) the receiving thread is sometimes that late, so these samples check the retransmits that mean
 *       loss: fast and timeout retransmits, which need a packet that really went missing.</li>
 *   <li>On loopback ({@code lo} is a {@code noqueue} device) there is no QDISC stage: budget SOCKET, TOTAL and ACK
 *       there, and see {@link BufferbloatSampleTest} for QDISC.</li>
 * </ul>
 *
 * <p>The budgets are generous because CI machines are shared and noisy; set yours to what your service needs.
 */
@TraceNetwork
class HttpClientSampleTest {

    private static final int REQUESTS = 300;
    private static final Duration MAX_TIME = Duration.ofSeconds(20);

    static {
        // The JDK's built-in server writes a response's headers and body in separate writes and, by default, leaves
        // Nagle's algorithm on: the body then waits in the socket until the client's delayed ACK (~40 ms on Linux).
        // netlat shows that as SOCKET/TOTAL p90 of ~40 ms on loopback, for every response. Comment this line out and
        // watch the SOCKET budget below fail with the bimodal histogram. (Read once, when the server class loads.)
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private static HttpServer server;
    private static ExecutorService serverThreads;
    private static HttpClient client;
    private static URI base;

    /** Started before the trace window opens (the window covers the test method only), so set-up is not measured. */
    @BeforeAll
    static void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/hello", exchange -> {
            byte[] body = "hello, netlat\n".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/upload", exchange -> {
            long n = 0;
            try (InputStream in = exchange.getRequestBody()) {
                byte[] buf = new byte[16 * 1024];
                for (int r; (r = in.read(buf)) >= 0; ) {
                    n += r;
                }
            }
            byte[] body = Long.toString(n).getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        serverThreads = Executors.newFixedThreadPool(2);
        server.setExecutor(serverThreads);
        server.start();
        base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopServer() throws InterruptedException {
        if (server != null) {
            server.stop(0);
        }
        if (serverThreads != null) {
            serverThreads.shutdownNow();
            serverThreads.awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Small GETs: every request and every response is a write of a few hundred bytes. SOCKET (write call until the
     * packet enters the qdisc layer) and TOTAL (until the device is done) are microseconds on loopback; ACK adds the
     * peer's receive path.
     */
    @Test
    @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "10ms")
    @LatencyBudget(stage = Stage.TOTAL, percentile = 99, below = "10ms")
    @LatencyBudget(stage = Stage.ACK, percentile = 90, below = "20ms")
    void smallGets(NetworkTrace trace) throws Exception {
        int ok = 0;
        long deadline = System.nanoTime() + MAX_TIME.toNanos();
        for (int i = 0; i < REQUESTS && System.nanoTime() < deadline; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/hello"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            ok++;
        }
        assertThat(ok).isEqualTo(REQUESTS);

        // Counters: at least one write per request (client) and one per response (server).
        assertThat(trace.writes()).isGreaterThanOrEqualTo(2L * REQUESTS);
        assertNothingLost(trace);
        // The same budget as an assertion, where you want it in the code rather than on the method:
        assertThat(trace.latency(Stage.SOCKET)).hasSamplesAtLeast(REQUESTS).p99Below(Duration.ofMillis(10));
    }

    /**
     * POSTs of 64 KiB: the client sends each body in several writes. Large writes are where SOCKET grows first
     * (a full send buffer or a closed receive window), long before anything on the wire is slow.
     */
    @Test
    @LatencyBudget(stage = Stage.SOCKET, percentile = 99, below = "20ms")
    @LatencyBudget(stage = Stage.ACK, percentile = 99, below = "50ms")
    void uploads(NetworkTrace trace) throws Exception {
        byte[] body = new byte[64 * 1024];
        int uploads = 120;
        int ok = 0;
        long deadline = System.nanoTime() + MAX_TIME.toNanos();
        for (int i = 0; i < uploads && System.nanoTime() < deadline; i++) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/upload"))
                    .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.body()).isEqualTo(Integer.toString(body.length));
            ok++;
        }
        assertThat(ok).isEqualTo(uploads);
        assertThat(trace.bytes()).isGreaterThanOrEqualTo((long) uploads * body.length);
        assertNothingLost(trace);
    }

    /**
     * No packet went missing: nothing was dropped but duplicates, and TCP never timed out. Retransmits after duplicate
     * ACKs (FAST) and tail loss probes are not loss here: on loopback and veth they happen with no drop at all, when
     * packets of one connection are handled on both CPUs and arrive reordered or an ACK is a few ms late on a busy
     * machine (the kernel counts them too); the receiver then discards the copy it already has (drop reason
     * TCP_OLD_DATA). How many there are depends on the machine's load, not on the code under test, so they are
     * printed, not bounded: with no drop but those copies, every one of them was spurious. On a dedicated, quiet
     * machine write {@code assertThat(trace).hasNoRetransmits().hasNoDrops()}, which print the events.
     */
    static void assertNothingLost(NetworkView view) {
        assertNothingLost(view, false);
    }

    /** @param shapedLink lost samples are accepted (and printed): see BufferbloatSampleTest#behindAQueue */
    static void assertNothingLost(NetworkView view, boolean shapedLink) {
        if (shapedLink) {
            assertThat(view).allowingLostEvents().hasNoDropsOtherThan("TCP_OLD_DATA");
        } else {
            assertThat(view).hasNoDropsOtherThan("TCP_OLD_DATA"); // a retransmitted copy the receiver already had
        }
        Map<RetransmitKind, Long> byKind = view.retransmitsByKind();
        assertThat(byKind).as("retransmits by kind: a timeout means a packet really went missing")
                .containsEntry(RetransmitKind.TIMEOUT, 0L);
        long spurious = view.retransmits();
        if (spurious > 0) {
            System.out.println("Retransmits without loss (reordering, late ACKs): " + byKind);
        }
    }
}
