// SPDX-License-Identifier: Apache-2.0
package dev.netlat.lab;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads that entered a lab's network namespace with setns(2), and the servers started on them. A socket belongs
 * to the namespace of the thread that created it, so this is how Java code gets sockets inside the lab without a
 * child process.
 */
final class NamespaceThreads {
    private static final String NETNS_DIR = "/var/run/netns/";
    private static final ThreadLocal<String> CURRENT_NAMESPACE = new ThreadLocal<>();

    private final NetworkLab lab;
    private final String namespace;
    private final Set<LabServer> servers = ConcurrentHashMap.newKeySet();
    private ExecutorService executor;

    NamespaceThreads(NetworkLab lab, String namespace) {
        this.lab = lab;
        this.namespace = namespace;
    }

    /** Runs the task on a namespace thread of its own; see {@link NetworkLab#inNamespaceAsync(Callable)}. */
    <T> Future<T> submit(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        lab.ensureOpen();
        return executor().submit(() -> {
            enterNamespace();
            return task.call();
        });
    }

    /** Runs the task and waits for it; see {@link NetworkLab#inNamespace(Callable)}. */
    <T> T call(Callable<T> task) throws Exception {
        Future<T> f = submit(task);
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

    /** Like {@link #call(Callable)}, with checked exceptions wrapped in {@link NetworkLabException}. */
    <T> T callUnchecked(Callable<T> task) {
        try {
            return call(task);
        } catch (RuntimeException e) {
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkLabException("interrupted while running in namespace " + namespace, e);
        } catch (Exception e) {
            throw new NetworkLabException("failed in namespace " + namespace + ": " + e, e);
        }
    }

    /** Starts a sink or echo server listening on all the namespace's addresses; see {@link LabServer}. */
    LabServer startServer(int port, boolean echo, InetAddress address) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is out of range; expected 0 (any) to 65535");
        }
        ServerSocket ss = callUnchecked(() -> {
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
        LabServer server = new LabServer(ss, echo, address, namespace + (echo ? "-echo" : "-sink"),
                () -> servers.remove(self[0]));
        self[0] = server;
        servers.add(server);
        try {
            lab.ensureOpen();
        } catch (IllegalStateException e) {
            server.close(); // the lab's close() may have run before the add and missed this server
            throw e;
        }
        return server;
    }

    /** Closes the servers and stops the threads; failures to close a server go to {@code errors}. */
    void close(List<String> errors) {
        for (LabServer s : List.copyOf(servers)) {
            try {
                s.close();
            } catch (RuntimeException e) {
                errors.add("closing " + s + ": " + e.getMessage());
            }
        }
        ExecutorService ex;
        synchronized (this) {
            ex = executor;
        }
        if (ex != null) {
            ex.shutdownNow();
            try {
                ex.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private synchronized ExecutorService executor() {
        if (executor == null) {
            AtomicInteger n = new AtomicInteger();
            executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
                    new SynchronousQueue<>(), r -> {
                        Thread t = new Thread(r, "netlab-" + namespace + "-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
        }
        return executor;
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
}
