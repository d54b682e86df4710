// SPDX-License-Identifier: Apache-2.0
package dev.netlat.assertj;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.LostCause;
import dev.netlat.NetworkEvent;
import dev.netlat.RetransmitKind;
import dev.netlat.Stage;
import dev.netlat.junit.FakeTrace;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class NetworkTraceAssertTest {

    @Test
    void cleanTracePasses() {
        FakeTrace t = new FakeTrace().with(Stage.TOTAL, FakeTrace.spread(200, 1_000, 9_000));
        assertThatCode(() -> NetAssertions.assertThat(t).hasNoRetransmits().hasRetransmitsAtMost(0).hasNoDrops()
                .hasNoDrops("NETFILTER_DROP").hasNoLostEvents().hasNoResets()
                .latency(Stage.TOTAL).p99Below(Duration.ofMillis(1))).doesNotThrowAnyException();
    }

    @Test
    void retransmitsAreReportedByKindWithEvents() {
        FakeTrace t = new FakeTrace().retransmits(RetransmitKind.TIMEOUT, 1).retransmits(RetransmitKind.FAST, 2);
        t.packets = 500;
        t.retransmittedBytes = 4096;
        t.events.add(new NetworkEvent(Instant.parse("2024-05-01T12:00:00Z"), NetworkEvent.Kind.RETRANSMIT,
                new InetSocketAddress("127.0.0.1", 40000), new InetSocketAddress("127.0.0.1", 8080), 1234, "TIMEOUT"));
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoRetransmits())
                .hasMessageContaining("Expected no TCP retransmits, but measured 3 retransmitted segments (4096 bytes) out of 500 packets sent")
                .hasMessageContaining("TIMEOUT=1").hasMessageContaining("FAST=2")
                .hasMessageNotContaining("SYN=0")
                .hasMessageContaining("Why it matters")
                .hasMessageContaining("RETRANSMIT /127.0.0.1:40000 -> /127.0.0.1:8080 seq=1234 TIMEOUT");
        assertThatCode(() -> NetAssertions.assertThat(t).hasRetransmitsAtMost(3)).doesNotThrowAnyException();
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasRetransmitsAtMost(2))
                .hasMessageContaining("Expected at most 2 TCP retransmits");
    }

    @Test
    void dropsByReason() {
        FakeTrace t = new FakeTrace().drops("NETFILTER_DROP", 2).drops("TCP_CSUM", 1);
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoDrops())
                .hasMessageContaining("measured 3 drops").hasMessageContaining("NETFILTER_DROP=2");
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoDrops("skb_drop_reason_netfilter_drop"))
                .hasMessageContaining("reason NETFILTER_DROP, but measured 2");
        assertThatCode(() -> NetAssertions.assertThat(t).hasNoDrops("SOCKET_FILTER")).doesNotThrowAnyException();
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoDropsOtherThan("netfilter_drop"))
                .hasMessageContaining("reasons other than [NETFILTER_DROP], but measured 1").hasMessageContaining("TCP_CSUM=1");
        assertThatCode(() -> NetAssertions.assertThat(t).hasNoDropsOtherThan("NETFILTER_DROP", "SKB_DROP_REASON_TCP_CSUM"))
                .doesNotThrowAnyException();
    }

    @Test
    void lostEvents() {
        FakeTrace t = new FakeTrace();
        t.lostEvents = 7;
        t.lostEventsByCause.put(LostCause.WRITE_RING_FULL, 7L);
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoLostEvents())
                .hasMessageContaining("could not record 7 events, by cause {" + LostCause.WRITE_RING_FULL.description()
                        + "=7}");
    }

    @Test
    void portViewAsserts() {
        FakeTrace t = new FakeTrace().port(8080, new FakeTrace().drops("NO_SOCKET", 1));
        assertThatThrownBy(() -> NetAssertions.assertThat(t.port(8080)).hasNoDrops()).hasMessageContaining("NO_SOCKET=1");
        assertThatCode(() -> NetAssertions.assertThat(t.port(9090)).hasNoDrops()).doesNotThrowAnyException();
    }

    @Test
    void lostEventsFailPercentilesAndCountersUnlessAccepted() {
        FakeTrace t = new FakeTrace().with(Stage.SOCKET, FakeTrace.spread(300, 1_000, 9_000));
        t.packets = 300;
        t.lostEventsByCause.put(LostCause.SOCKET_TABLE_FULL, 600L);
        assertThatThrownBy(() -> NetAssertions.assertThat(t).latency(Stage.SOCKET).p99Below(Duration.ofMillis(1)))
                .hasMessageContaining("but the sample is incomplete: 600 events lost in this trace window, by cause"
                        + " {socket table full (netlat.maps.sockets)=600}; 300 writes measured")
                .hasMessageContaining("can hide the tail");
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoDrops())
                .hasMessageContaining("the count may be short");
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoResets())
                .hasMessageContaining("Expected no TCP resets, and measured 0 sent and 0 received, but the window is"
                        + " incomplete");
        // a distribution taken by hand knows its window only when told
        assertThatCode(() -> NetAssertions.assertThat(t.latency(Stage.SOCKET)).p99Below(Duration.ofMillis(1)))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> NetAssertions.assertThat(t.latency(Stage.SOCKET)).withLostEventsOf(t)
                .p99Below(Duration.ofMillis(1))).hasMessageContaining("600 events lost");
        assertThatCode(() -> NetAssertions.assertThat(t).allowingLostEvents().hasNoRetransmits().hasNoDrops()
                .hasNoResets().latency(Stage.SOCKET).p99Below(Duration.ofMillis(1))).doesNotThrowAnyException();
        assertThatCode(() -> NetAssertions.assertThat(t.latency(Stage.SOCKET)).withLostEventsOf(t).allowingLostEvents()
                .p99Below(Duration.ofMillis(1))).doesNotThrowAnyException();
        LostEvents.setThreadPolicy(LostEvents.Policy.WARN);
        try {
            assertThatCode(() -> NetAssertions.assertThat(t).hasNoRetransmits().latency(Stage.SOCKET)
                    .p99Below(Duration.ofMillis(1))).doesNotThrowAnyException();
        } finally {
            LostEvents.setThreadPolicy(null);
        }
        // a counter that fails anyway says the count may be short too
        t.drops("NETFILTER_DROP", 1);
        assertThatThrownBy(() -> NetAssertions.assertThat(t).hasNoDrops())
                .hasMessageContaining("measured 1 drop").hasMessageContaining("Note: the count may be short");
    }
}
