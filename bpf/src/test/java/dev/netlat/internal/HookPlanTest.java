// SPDX-License-Identifier: Apache-2.0
package dev.netlat.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.netlat.Stage;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The choice of a program per hook, from what a kernel's BTF offers (the kernels' signatures as read from their BTF). */
class HookPlanTest {
    static final java.util.List<HookVariant> TABLE = HookVariant.table(Layout.INSTANCE);

    /** The attach points of every row present with the given arguments, except those listed as absent. */
    static Map<String, Integer> kernel(Map<String, Integer> args, String... absent) {
        Map<String, Integer> out = new HashMap<>();
        for (HookVariant v : TABLE) {
            out.put(v.attachPoint(), args.getOrDefault(v.attachPoint(), v.args()));
        }
        for (String a : absent) {
            out.put(a, -1);
        }
        return out;
    }

    static final Map<String, Integer> K618 = kernel(Map.of("tp_btf/tcp_retransmit_skb", 3, "tp_btf/kfree_skb", 4,
            "tp_btf/tcp_send_reset", 3, "tp_btf/consume_skb", 2), "fentry/tcp_sendmsg_locked", "fexit/tcp_sendmsg_locked");
    static final Map<String, Integer> K612 = kernel(Map.of("tp_btf/tcp_retransmit_skb", 2, "tp_btf/kfree_skb", 4,
            "tp_btf/tcp_send_reset", 3, "tp_btf/consume_skb", 2), "tp_btf/tcp_sendmsg_locked");
    static final Map<String, Integer> K61 = kernel(Map.of("tp_btf/tcp_retransmit_skb", 2, "tp_btf/kfree_skb", 3,
            "tp_btf/tcp_send_reset", 2, "tp_btf/consume_skb", 1), "tp_btf/tcp_sendmsg_locked", "tp_btf/sock_send_length");

    @Test
    void theNewestKernelUsesTracepointsOnly() {
        HookPlan p = new HookPlan(TABLE, K618, Set.of(), Set.of());
        assertThat(p.loads("nl_sendmsg")).isTrue();
        assertThat(p.loads("nl_sendmsg_fentry")).isFalse();
        assertThat(p.loads("nl_retransmit")).isTrue();
        assertThat(p.loads("nl_retransmit_noerr")).as("one program per tracepoint: both would count twice").isFalse();
        assertThat(p.unavailableStages()).isEmpty();
        assertThat(p.describe().values()).allSatisfy(d -> assertThat(d).startsWith("tp_btf/"));
    }

    @Test
    void kernel612WritesThroughFentryAndRetransmitsWithoutErr() {
        HookPlan p = new HookPlan(TABLE, K612, Set.of(), Set.of());
        assertThat(p.loads("nl_sendmsg_fentry")).isTrue();
        assertThat(p.loads("nl_send_length")).isTrue();
        assertThat(p.loads("nl_retransmit_noerr")).isTrue();
        assertThat(p.loads("nl_retransmit")).isFalse();
        assertThat(p.loads("nl_kfree_skb")).isTrue();
        assertThat(p.unavailableStages()).isEmpty();
        assertThat(p.stageHooks().get(Stage.SOCKET)).isEqualTo(
                "fentry/tcp_sendmsg_locked, tp_btf/sock_send_length, tp_btf/net_dev_queue");
        assertThat(p.describe().get("retransmit")).startsWith("tp_btf/tcp_retransmit_skb (nl_retransmit_noerr)")
                .contains("tcp_retransmit_skb has 2 arguments on this kernel, this variant reads 3");
    }

    @Test
    void kernel61UsesTheOlderSignaturesAndFexitForTheWriteEnd() {
        HookPlan p = new HookPlan(TABLE, K61, Set.of(), Set.of());
        for (String prog : new String[] {"nl_sendmsg_fentry", "nl_send_length_fexit", "nl_retransmit_noerr",
            "nl_kfree_skb_norxsk", "nl_send_reset_noreason", "nl_consume_skb"}) {
            assertThat(p.loads(prog)).as(prog).isTrue();
        }
        assertThat(p.unavailableStages()).isEmpty();
        assertThat(p.rttAvailable()).isTrue();
    }

    @Test
    void aHookWithNothingToAttachToMakesItsStagesUnavailableWithTheReason() {
        HookPlan p = new HookPlan(TABLE, kernel(Map.of(), "tp_btf/tcp_sendmsg_locked", "fentry/tcp_sendmsg_locked"),
                Set.of(), Set.of());
        assertThat(p.unavailableStages()).containsOnlyKeys(Stage.SOCKET, Stage.TOTAL, Stage.ACK);
        assertThat(p.unavailableStages().get(Stage.SOCKET))
                .contains("this kernel has no tracepoint tcp_sendmsg_locked (kernels seen with it: 6.18)")
                .contains("this kernel's BTF has no function tcp_sendmsg_locked");
        assertThat(p.rttAvailable()).as("RTT needs no write hook").isTrue();
    }

    @Test
    void aRefusedProgramHandsItsHookToTheNextVariant() {
        HookPlan p = new HookPlan(TABLE, K618, Set.of(), Set.of("nl_sendmsg_fentry"));
        assertThat(p.loads("nl_sendmsg_fentry")).as("forced ahead of the tracepoint").isTrue();
        p.refused("nl_sendmsg_fentry", "not allowed by this kernel (EPERM)");
        assertThat(p.loads("nl_sendmsg")).isTrue();
        assertThat(p.describe().get("write_start")).startsWith("tp_btf/tcp_sendmsg_locked (nl_sendmsg)")
                .contains("fentry/tcp_sendmsg_locked (nl_sendmsg_fentry) refused: not allowed by this kernel (EPERM)");
        p.refused("nl_sendmsg", "rejected by this kernel's verifier");
        assertThat(p.has("write_start")).isFalse();
        assertThat(p.unavailableStages().get(Stage.ACK)).contains("rejected by this kernel's verifier");
        assertThatThrownBy(() -> p.refused("nl_sendmsg", "again")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void disabledTargetsAreTreatedAsAbsent() {
        HookPlan p = new HookPlan(TABLE, K618, Set.of("net_dev_start_xmit"), Set.of());
        assertThat(p.unavailableStages()).containsOnlyKeys(Stage.QDISC, Stage.DEVICE, Stage.TOTAL);
        assertThat(p.unavailableStages().get(Stage.QDISC)).contains("net_dev_start_xmit");
    }

    @Test
    void theVerifierLogTailDropsStatistics() {
        String log = "libbpf: prog 'x': BPF program load failed: Permission denied\n-- BEGIN PROG LOAD LOG --\n"
                + "0: R1=ctx()\nfunc 'tcp_retransmit_skb' doesn't have 3-th argument\ninvalid bpf_context access off=16 size=8\n"
                + "processed 58 insns (limit 1000000)\n-- END PROG LOAD LOG --\nlibbpf: prog 'x': failed to load: -13\n";
        assertThat(ProgramLoader.verifierLogTail(log, 2))
                .isEqualTo("func 'tcp_retransmit_skb' doesn't have 3-th argument / invalid bpf_context access off=16 size=8");
    }

    @Test
    void aRefusalWithoutVerifierLogIsToldByLibbpfsLastLines() {
        String log = "libbpf: prog 'x': BPF program load failed: Invalid argument\n\n"
                + "libbpf: prog 'x': failed to load: -22\nlibbpf: failed to load object 'netlat'\n";
        assertThat(ProgramLoader.verifierLogTail(log, 2)).isEmpty();
        assertThat(ProgramLoader.libbpfLines(log, 2))
                .isEqualTo("libbpf: prog 'x': failed to load: -22 / libbpf: failed to load object 'netlat'");
    }
}
