// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.parallel.ResourceAccessMode;
import org.junit.jupiter.api.parallel.ResourceLocksProvider;
import org.junit.jupiter.api.parallel.Resources;

/**
 * The JUnit resource locks of a traced test, declared through {@code @ResourceLock(providers = …)} on
 * {@link TraceNetwork}, {@link LatencyBudget} and {@link LatencyBudgets} (so also wherever those are used as
 * meta-annotations or inherited):
 * <ul>
 *   <li>a test traced without {@link TraceNetwork#ports()} sees every socket of the JVM, so it takes
 *       {@link Resources#GLOBAL} in {@link ResourceAccessMode#READ_WRITE} mode, exactly what {@code @Isolated} takes:
 *       no other test, traced or not, runs while it does. JUnit applies a global read-write lock at the top-level
 *       class, so that class's tests run one at a time and alone;</li>
 *   <li>a port-narrowed test takes {@value #PORT_LOCK_PREFIX}{@code <port>} in read-write mode for each of its
 *       ports: it runs in parallel with everything except tests on the same port and unnarrowed traced tests.</li>
 * </ul>
 * The locks are per test method (the method's {@link TraceNetwork} wins over the class's, as for the trace itself);
 * nothing is locked at class level by this provider.
 */
public final class NetlatResourceLocks implements ResourceLocksProvider {
    /** Prefix of the per-port lock keys: {@code netlat.port.8080}. */
    public static final String PORT_LOCK_PREFIX = "netlat.port.";

    public NetlatResourceLocks() {
    }

    @Override
    public Set<Lock> provideForMethod(List<Class<?>> enclosingInstanceTypes, Class<?> testClass, Method testMethod) {
        List<Class<?>> chain = new ArrayList<>();
        chain.add(testClass);
        List<Class<?>> outer = new ArrayList<>(enclosingInstanceTypes);
        Collections.reverse(outer);
        chain.addAll(outer);
        int[] ports = TraceSettings.findTraceNetwork(testMethod, chain).map(TraceNetwork::ports).orElse(new int[0]);
        return locksFor(ports);
    }

    /** The locks of a test traced with these ports (empty: unnarrowed). Ports outside 1..65535 are left out. */
    static Set<Lock> locksFor(int[] ports) {
        Set<Lock> locks = new LinkedHashSet<>();
        for (int p : ports) {
            if (p >= 1 && p <= 65535) {
                locks.add(new Lock(PORT_LOCK_PREFIX + p, ResourceAccessMode.READ_WRITE));
            }
        }
        if (locks.isEmpty()) {
            // unnarrowed, or only invalid ports (the test then fails with a configuration error): run alone
            locks.add(new Lock(Resources.GLOBAL, ResourceAccessMode.READ_WRITE));
        }
        return locks;
    }
}
