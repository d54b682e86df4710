// SPDX-License-Identifier: Apache-2.0
package dev.netlat.junit;

import java.util.concurrent.ForkJoinPool;

/**
 * The JVM-wide lock that keeps traced tests from mixing traffic under parallel execution: unnarrowed tests hold it
 * exclusively, port-narrowed tests share it. Waiting writers block new readers (no writer starvation). A thread that
 * holds it exclusively may take it again in either mode (nested EngineTestKit runs). Not owned by a thread for
 * release: a {@link Hold} can be released from anywhere, once. Waiting goes through
 * {@link ForkJoinPool#managedBlock} so JUnit's fork-join pool can compensate for the blocked worker.
 */
final class TraceLock {
    static final TraceLock INSTANCE = new TraceLock();

    private int readers;
    private int writeHolds;
    private Thread writer;
    private int waitingWriters;

    /** One acquisition; {@link #release()} is idempotent. */
    final class Hold {
        private final boolean exclusive;
        private boolean released;

        private Hold(boolean exclusive) {
            this.exclusive = exclusive;
        }

        boolean exclusive() {
            return exclusive;
        }

        void release() {
            synchronized (TraceLock.this) {
                if (released) {
                    return;
                }
                released = true;
                if (exclusive) {
                    if (--writeHolds == 0) {
                        writer = null;
                    }
                } else {
                    readers--;
                }
                TraceLock.this.notifyAll();
            }
        }
    }

    Hold acquire(boolean exclusive) throws InterruptedException {
        Thread me = Thread.currentThread();
        synchronized (this) {
            if (exclusive) {
                waitingWriters++;
            }
        }
        boolean[] done = {false};
        try {
            ForkJoinPool.managedBlock(new ForkJoinPool.ManagedBlocker() {
                @Override
                public boolean block() throws InterruptedException {
                    synchronized (TraceLock.this) {
                        while (!tryAcquire(exclusive, me)) {
                            TraceLock.this.wait();
                        }
                        done[0] = true;
                    }
                    return true;
                }

                @Override
                public boolean isReleasable() {
                    synchronized (TraceLock.this) {
                        if (done[0]) {
                            return true;
                        }
                        if (tryAcquire(exclusive, me)) {
                            done[0] = true;
                        }
                        return done[0];
                    }
                }
            });
        } finally {
            synchronized (this) {
                if (exclusive) {
                    waitingWriters--;
                }
                notifyAll();
            }
        }
        return new Hold(exclusive);
    }

    private boolean tryAcquire(boolean exclusive, Thread me) {
        if (writer == me) { // reentrant for the exclusive holder, in either mode
            if (exclusive) {
                writeHolds++;
            } else {
                readers++;
            }
            return true;
        }
        if (exclusive) {
            if (writer == null && readers == 0) {
                writer = me;
                writeHolds = 1;
                return true;
            }
            return false;
        }
        if (writer == null && waitingWriters == 0) {
            readers++;
            return true;
        }
        return false;
    }
}
