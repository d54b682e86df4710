// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.netlat.NetworkTrace;
import dev.netlat.Stage;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLocksProvider.Lock;
import org.junit.jupiter.api.parallel.Resources;
import org.junit.platform.testkit.engine.EngineExecutionResults;

/**
 * "A test's counts are its own" under JUnit parallel execution: an unnarrowed traced test takes JUnit's GLOBAL lock
 * in READ_WRITE mode (as {@code @Isolated}), so untraced tests doing their own loopback traffic never run beside it;
 * port-narrowed tests lock only their ports and do run beside others.
 */
class ParallelIsolationTest {

    static final Duration MAX = Duration.ofSeconds(10);

    @TempDir
    Path reports;

    // ---------------------------------------------------------------- which locks, for every way of declaring

    @Retention(RetentionPolicy.RUNTIME)
    @TraceNetwork
    @interface TracedAlias {
    }

    @Retention(RetentionPolicy.RUNTIME)
    @TraceNetwork(ports = 8080)
    @interface Traced8080Alias {
    }

    @TraceNetwork
    abstract static class UnnarrowedBase {
    }

    @TraceNetwork
    static class Forms {
        void classLevel() {
        }

        @TraceNetwork(ports = {8081, 8082})
        void methodPortsWin() {
        }

        @Nested
        @TraceNetwork(ports = 9000)
        class Inner {
            void nestedPorts() {
            }
        }

        @Nested
        class InnerInherits {
            void fromOuter() {
            }
        }
    }

    static class MethodForms {
        @TraceNetwork
        void method() {
        }

        @TracedAlias
        void meta() {
        }

        @Traced8080Alias
        void metaPorts() {
        }

        @LatencyBudget(stage = Stage.SOCKET, below = "1s")
        void budgetOnly() {
        }

        @TraceNetwork(ports = {0, 70000})
        void invalidPorts() {
        }
    }

    static class Sub extends UnnarrowedBase {
        void inherited() {
        }
    }

    static final Lock GLOBAL = new Lock(Resources.GLOBAL, ResourceAccessMode.READ_WRITE);

    static Set<Lock> locks(List<Class<?>> enclosing, Class<?> cls, String method) throws Exception {
        Method m = cls.getDeclaredMethod(method);
        return new NetlatResourceLocks().provideForMethod(enclosing, cls, m);
    }

    static Lock port(int p) {
        return new Lock("netlat.port." + p, ResourceAccessMode.READ_WRITE);
    }

    @Test
    void providerLocksGlobalForUnnarrowedAndPortsForNarrowedWhereverTheAnnotationIs() throws Exception {
        assertThat(locks(List.of(), Forms.class, "classLevel")).containsExactly(GLOBAL);
        assertThat(locks(List.of(), Forms.class, "methodPortsWin")).containsExactlyInAnyOrder(port(8081), port(8082));
        assertThat(locks(List.of(Forms.class), Forms.Inner.class, "nestedPorts")).containsExactly(port(9000));
        assertThat(locks(List.of(Forms.class), Forms.InnerInherits.class, "fromOuter")).containsExactly(GLOBAL);
        assertThat(locks(List.of(), MethodForms.class, "method")).containsExactly(GLOBAL);
        assertThat(locks(List.of(), MethodForms.class, "meta")).containsExactly(GLOBAL);
        assertThat(locks(List.of(), MethodForms.class, "metaPorts")).containsExactly(port(8080));
        assertThat(locks(List.of(), MethodForms.class, "budgetOnly")).as("@LatencyBudget implies an unnarrowed trace")
                .containsExactly(GLOBAL);
        assertThat(locks(List.of(), MethodForms.class, "invalidPorts")).containsExactly(GLOBAL);
        assertThat(locks(List.of(), Sub.class, "inherited")).containsExactly(GLOBAL);
        assertThat(new NetlatResourceLocks().provideForClass(Forms.class)).isEmpty();
    }

    // ---------------------------------------------------------------- JUnit applies them (fake traces)

    /** Untraced tests, busy for a while each; how many run at a time is visible to the traced ones. */
    static final AtomicInteger UNTRACED_ACTIVE = new AtomicInteger();
    static final AtomicInteger UNTRACED_SEEN_BY_TRACED = new AtomicInteger();
    static final List<String> TRACED_RAN = new CopyOnWriteArrayList<>();

    static void busyUntraced() throws InterruptedException {
        UNTRACED_ACTIVE.incrementAndGet();
        try {
            Thread.sleep(150);
        } finally {
            UNTRACED_ACTIVE.decrementAndGet();
        }
    }

    static void tracedBody(String name) throws InterruptedException {
        TRACED_RAN.add(name);
        for (int i = 0; i < 8; i++) {
            UNTRACED_SEEN_BY_TRACED.accumulateAndGet(UNTRACED_ACTIVE.get(), Math::max);
            Thread.sleep(10);
        }
    }

    @TestKitScenario
    @Execution(ExecutionMode.CONCURRENT)
    static class Untraced {
        @Test
        void u1() throws Exception {
            busyUntraced();
        }

        @Test
        void u2() throws Exception {
            busyUntraced();
        }

        @Test
        void u3() throws Exception {
            busyUntraced();
        }
    }

    @TestKitScenario
    @TraceNetwork
    static class ClassLevel {
        @Test
        void t() throws Exception {
            tracedBody("class");
        }
    }

    @TestKitScenario
    static class MethodLevel {
        @Test
        @TraceNetwork
        void t() throws Exception {
            tracedBody("method");
        }
    }

    @TestKitScenario
    @TracedAlias
    static class MetaLevel {
        @Test
        void t() throws Exception {
            tracedBody("meta");
        }
    }

    @TestKitScenario
    static class BudgetOnly {
        @Test
        @LatencyBudget(stage = Stage.SOCKET, percentile = 50, below = "1s")
        void t() throws Exception {
            tracedBody("budget");
        }
    }

    @TestKitScenario
    static class InheritedLevel extends UnnarrowedBase {
        @Test
        void t() throws Exception {
            tracedBody("inherited");
        }
    }

    @TestKitScenario
    static class NestedLevel {
        @Nested
        class Inner {
            @Test
            @TraceNetwork
            void t() throws Exception {
                tracedBody("nested");
            }
        }
    }

    /** No GLOBAL lock: only the internal lock, which untraced tests ignore (the control). */
    @TestKitScenario
    @ExtendWith(NetlatExtension.class)
    static class ExtendWithOnly {
        @Test
        void t() throws Exception {
            tracedBody("extendWith");
        }
    }

    @Test
    void unnarrowedTracedTestsRunWithoutUntracedTestsBesideThemForEveryDeclaration() {
        FakeTraceFactory.reset(() -> new FakeTrace().with(Stage.SOCKET, 1_000, 2_000, 3_000));
        List<Class<?>> forms = List.of(ClassLevel.class, MethodLevel.class, MetaLevel.class, BudgetOnly.class,
                InheritedLevel.class, NestedLevel.class);
        for (Class<?> form : forms) {
            UNTRACED_SEEN_BY_TRACED.set(0);
            TRACED_RAN.clear();
            EngineExecutionResults r = runFake(List.of(Untraced.class, form));
            assertThat(TestKit.aborts(r)).as(form.getSimpleName()).isEmpty();
            assertThat(TestKit.failures(r)).as(form.getSimpleName()).isEmpty();
            r.testEvents().assertStatistics(s -> s.succeeded(4));
            assertThat(TRACED_RAN).as(form.getSimpleName()).hasSize(1);
            assertThat(UNTRACED_SEEN_BY_TRACED.get()).as("untraced tests running beside " + form.getSimpleName())
                    .isZero();
        }
        // the control: the same scenario without the declared lock does run untraced tests beside the traced one
        int seen = 0;
        for (int i = 0; i < 5 && seen == 0; i++) {
            UNTRACED_SEEN_BY_TRACED.set(0);
            EngineExecutionResults r = runFake(List.of(Untraced.class, ExtendWithOnly.class));
            assertThat(TestKit.failures(r)).isEmpty();
            seen = UNTRACED_SEEN_BY_TRACED.get();
        }
        assertThat(seen).as("control: untraced tests beside an @ExtendWith-only traced test").isPositive();
    }

    EngineExecutionResults runFake(List<Class<?>> classes) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(NetlatConfig.TRACE_FACTORY, FakeTraceFactory.class.getName());
        params.put(NetlatConfig.REPORT_DIR, reports.toString());
        return TestKit.run(classes, params, NetlatExtensionTest.PARALLEL);
    }

    // ---------------------------------------------------------------- real traffic: exact counts, 20 of 20

    static final int N = 220;
    static final AtomicLong ECHOES = new AtomicLong();
    static final AtomicLong ECHOES_DURING_TRACED = new AtomicLong();
    static volatile boolean tracedRunning;
    /** Control rounds only: the echoes go on until the traced test is done, whichever of them the scheduler ran first. */
    static volatile boolean echoUntilTracedDone;
    static volatile boolean tracedDone;
    static volatile CountDownLatch echoStarted = new CountDownLatch(1);
    static final List<Long> COUNTED = new CopyOnWriteArrayList<>();

    /** One loopback connection, 1-byte request and response, until {@code max} echoes or {@code time} passed. */
    static void echo(int max, Duration time) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + time.toNanos();
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Thread peer = new Thread(() -> {
                try (Socket s = server.accept(); InputStream in = s.getInputStream();
                     OutputStream out = s.getOutputStream()) {
                    int b;
                    while ((b = in.read()) >= 0) {
                        out.write(b);
                    }
                } catch (IOException ignored) {
                    // the client closed
                }
            }, "echo-peer");
            peer.setDaemon(true);
            peer.start();
            try (Socket c = new Socket()) {
                c.setTcpNoDelay(true);
                c.connect(server.getLocalSocketAddress(), 2_000);
                c.setSoTimeout(2_000);
                OutputStream out = c.getOutputStream();
                InputStream in = c.getInputStream();
                echoStarted.countDown();
                long controlDeadline = deadline + MAX.toNanos();
                for (int i = 0; (i < max && System.nanoTime() < deadline)
                        || (echoUntilTracedDone && !tracedDone && System.nanoTime() < controlDeadline); i++) {
                    out.write(1);
                    if (in.read() < 0) {
                        break;
                    }
                    ECHOES.incrementAndGet();
                    if (tracedRunning) {
                        ECHOES_DURING_TRACED.incrementAndGet();
                    }
                }
            }
            peer.join(2_000);
        }
    }

    @TestKitScenario
    @Execution(ExecutionMode.CONCURRENT)
    static class UntracedEchoes {
        @Test
        void e1() throws Exception {
            echo(3_000, Duration.ofMillis(400));
        }

        @Test
        void e2() throws Exception {
            echo(3_000, Duration.ofMillis(400));
        }
    }

    static void tracedWrites(NetworkTrace trace, Duration waitForEchoes) throws Exception {
        tracedRunning = true;
        try {
            // give concurrently scheduled untraced tests the chance to start (they cannot while the lock holds)
            echoStarted.await(waitForEchoes.toMillis(), TimeUnit.MILLISECONDS);
            int n = Loopback.send(0, N, 512, MAX);
            assertThat(n).isEqualTo(N);
            COUNTED.add(trace.writes());
        } finally {
            tracedRunning = false;
            tracedDone = true;
        }
    }

    @TestKitScenario
    @TraceNetwork
    static class TracedCounts {
        @Test
        void writes(NetworkTrace trace) throws Exception {
            tracedWrites(trace, Duration.ofMillis(200));
        }
    }

    /** The control: traced with the extension alone, no declared lock; untraced echoes can run beside it. */
    @TestKitScenario
    @ExtendWith(NetlatExtension.class)
    static class TracedCountsUnlocked {
        @Test
        void writes(NetworkTrace trace) throws Exception {
            // nothing keeps the echoes out here: wait until one runs, however busy the machine, so that the control
            // shows the leak every time it can happen instead of depending on the scheduler
            tracedWrites(trace, MAX);
        }
    }

    EngineExecutionResults runReal(List<Class<?>> classes) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put(NetlatConfig.REPORT_DIR, reports.toString());
        return TestKit.run(classes, params, NetlatExtensionTest.PARALLEL);
    }

    @Test
    void anUnnarrowedTracedTestCountsExactlyItsOwnWritesBesideUntracedEchoes20Of20() {
        RealEngine.require();
        COUNTED.clear();
        ECHOES_DURING_TRACED.set(0);
        long echoes = 0;
        for (int round = 0; round < 20; round++) {
            echoStarted = new CountDownLatch(1);
            ECHOES.set(0);
            EngineExecutionResults r = runReal(List.of(UntracedEchoes.class, TracedCounts.class));
            assertThat(TestKit.aborts(r)).isEmpty();
            assertThat(TestKit.failures(r)).isEmpty();
            r.testEvents().assertStatistics(s -> s.succeeded(3));
            assertThat(ECHOES.get()).as("round %d: the untraced class did echo", round).isPositive();
            echoes += ECHOES.get();
        }
        System.out.println("[ParallelIsolationTest] traced writes() per round: " + COUNTED + "; untraced echoes "
                + echoes + " in 20 rounds, " + ECHOES_DURING_TRACED.get() + " of them while the traced test ran");
        assertThat(COUNTED).hasSize(20).allSatisfy(w -> assertThat(w).isEqualTo((long) N));
        assertThat(ECHOES_DURING_TRACED.get()).isZero();

        // the control: without the declared GLOBAL lock the same run counts the echoes too (the reported bug)
        List<Long> unlocked = new ArrayList<>();
        for (int round = 0; round < 5 && unlocked.stream().allMatch(w -> w == N); round++) {
            COUNTED.clear();
            echoStarted = new CountDownLatch(1);
            tracedDone = false;
            echoUntilTracedDone = true;
            EngineExecutionResults r;
            try {
                r = runReal(List.of(UntracedEchoes.class, TracedCountsUnlocked.class));
            } finally {
                echoUntilTracedDone = false;
            }
            assertThat(TestKit.failures(r)).isEmpty();
            unlocked.addAll(COUNTED);
        }
        System.out.println("[ParallelIsolationTest] control without the lock, writes() per round: " + unlocked);
        assertThat(unlocked).as("control: untraced echoes leak into an unlocked trace").anySatisfy(
                w -> assertThat(w).isGreaterThan((long) N));
    }

    // ---------------------------------------------------------------- port-narrowed tests run beside others

    static final int PORT = 29831; // below the ephemeral range: no client socket of another test holds it
    static final CyclicBarrier BESIDE = new CyclicBarrier(2);
    static final List<String> TIMELINE = new CopyOnWriteArrayList<>();

    @TestKitScenario
    static class PortNarrowed {
        @Test
        @TraceNetwork(ports = PORT)
        void narrowed(NetworkTrace trace) throws Exception {
            TIMELINE.add("narrowed start " + System.nanoTime());
            BESIDE.await(10, TimeUnit.SECONDS); // the untraced echo test is running now
            int n = Loopback.send(PORT, 300, 512, MAX);
            TIMELINE.add("narrowed end " + System.nanoTime());
            assertThat(trace.writes()).as("the narrowed trace counts its port only").isEqualTo(n);
        }
    }

    @TestKitScenario
    static class UntracedBeside {
        @Test
        void echoes() throws Exception {
            TIMELINE.add("untraced start " + System.nanoTime());
            BESIDE.await(10, TimeUnit.SECONDS); // the narrowed traced test is running now
            echo(2_000, Duration.ofMillis(300));
            TIMELINE.add("untraced end " + System.nanoTime());
        }
    }

    @Test
    void aPortNarrowedTracedTestRunsBesideUntracedTests() {
        RealEngine.require();
        BESIDE.reset();
        TIMELINE.clear();
        EngineExecutionResults r = runReal(List.of(PortNarrowed.class, UntracedBeside.class));
        assertThat(TestKit.aborts(r)).isEmpty();
        assertThat(TestKit.failures(r)).as("both met at the barrier (10 s timeout): they overlapped").isEmpty();
        r.testEvents().assertStatistics(s -> s.succeeded(2));
        Map<String, Long> t = TIMELINE.stream().collect(Collectors.toMap(
                e -> e.substring(0, e.lastIndexOf(' ')), e -> Long.parseLong(e.substring(e.lastIndexOf(' ') + 1))));
        assertThat(t.get("narrowed start")).isLessThan(t.get("untraced end"));
        assertThat(t.get("untraced start")).isLessThan(t.get("narrowed end"));
    }
}
