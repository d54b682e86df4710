/* Host program run by build.sh: prints the layout of netlat.h for the Java side (dev.netlat.internal.Layout). */
#include <stddef.h>
#include <stdio.h>
#include "netlat.h"
#include "hooks.h"
#include <linux/bpf.h>

#define OFF(f) printf("offset." #f "=%zu\n", offsetof(struct nl_global, f))
#define EV(f) printf("event." #f "=%zu\n", offsetof(struct nl_event, f))
#define K(c) printf("const." #c "=%d\n", c)

int main(void)
{
	printf("size.global=%zu\nsize.event=%zu\nsize.port_key=%zu\nsize.port_hot=%zu\n", sizeof(struct nl_global),
	       sizeof(struct nl_event), sizeof(struct nl_port_key), sizeof(struct nl_port_hot));
	OFF(active); OFF(epoch); OFF(txskb_inflight); OFF(ev_head); OFF(port_views); OFF(time_all); OFF(port_gen); OFF(port_slot_next); OFF(lost); OFF(entered);
	OFF(completed); OFF(sum_ns); OFF(drops_by_reason); OFF(hist); OFF(events);
	EV(ts_ns); EV(kind); EV(detail); EV(seq); EV(family); EV(lport); EV(rport); EV(saddr); EV(daddr);
	K(NL_HISTS); K(NL_SLOTS); K(NL_SUB_BITS); K(NL_MAX_EXP); K(NL_COUNTERS); K(NL_LOST_CAUSES); K(NL_DROP_REASONS);
	printf("knob.settle_at_queue=%zu\n", offsetof(struct nl_knobs, settle_at_queue));
	printf("knob.listen_overflow_reason=%zu\n", offsetof(struct nl_knobs, listen_overflow_reason));
	printf("knob.retrans_catch_up=%zu\n", offsetof(struct nl_knobs, retrans_catch_up));
	printf("knob.hide_queue_every=%zu\n", offsetof(struct nl_knobs, hide_queue_every));
	printf("knob.hide_ack_every=%zu\n", offsetof(struct nl_knobs, hide_ack_every));
	printf("knob.target_tgid=%zu\nknob.writes_in_flight=%zu\nknob.packets_in_flight=%zu\nsize.knobs=%zu\n",
	       offsetof(struct nl_knobs, target_tgid), offsetof(struct nl_knobs, writes_in_flight),
	       offsetof(struct nl_knobs, packets_in_flight), sizeof(struct nl_knobs));
	K(NL_W_SLOTS); K(NL_P_SLOTS);
	K(NL_EVENTS); K(NL_PK_HIST); K(NL_PK_COUNTER); K(NL_PORT_SLOTS); K(NL_PORT_HOT);
	/* struct bpf_prog_info, as this machine's uapi header has it; Java reads the per-program counters with it */
	printf("prog_info.size=%zu\n", sizeof(struct bpf_prog_info));
	printf("prog_info.run_time_ns=%zu\n", offsetof(struct bpf_prog_info, run_time_ns));
	printf("prog_info.run_cnt=%zu\n", offsetof(struct bpf_prog_info, run_cnt));
	printf("prog_info.recursion_misses=%zu\n", offsetof(struct bpf_prog_info, recursion_misses));
	printf("prog_info.id=%zu\n", offsetof(struct bpf_prog_info, id));
	/* counters and histogram ids (dev.netlat.internal.Counter); the lost causes with their words, against which
	 * BpfObjectGuardTest checks the generated dev.netlat.LostCause */
	K(NL_C_WRITES); K(NL_C_BYTES); K(NL_C_PACKETS); K(NL_C_NOQUEUE_PACKETS); K(NL_C_RETRANS); K(NL_C_RETRANS_BYTES);
	K(NL_C_RETRANS_FAILED); K(NL_C_DROPS); K(NL_C_RST_SENT); K(NL_C_RST_RECV); K(NL_C_CONN_OPENED);
	K(NL_C_CONN_CLOSED); K(NL_C_LISTEN_OVERFLOW); K(NL_C_RETRANS_KIND); K(NL_C_INCOMPLETE); K(NL_C_SOCKETS); K(NL_C_NESTED);
	K(NL_C_TIMED_WRITES); K(NL_C_TIMED_PACKETS); K(NL_TIMED_BURST); K(NL_TIMED_PER_SEC);
	K(NL_TIMED_ALL_BURST); K(NL_TIMED_ALL_PER_SEC);
	K(NL_HIST_SOCKET); K(NL_HIST_QDISC); K(NL_HIST_DEVICE); K(NL_HIST_TOTAL); K(NL_HIST_ACK); K(NL_HIST_RTT);
	K(RK_TIMEOUT); K(RK_FAST); K(RK_TLP); K(RK_SYN); K(RK_SYN_ACK); K(RK_OTHER);
	K(NL_EV_RETRANSMIT); K(NL_EV_DROP); K(NL_EV_RESET_SENT); K(NL_EV_RESET_RECEIVED); K(NL_EV_LISTEN_OVERFLOW);
#define LOST(name, index, java, text) printf("lost.%d=%s\n", index, text);
	NL_LOST_CAUSE_TABLE(LOST)
	/* the hook table: hook.N=<hook> <program> <kind> <target> <args> <kernels seen> */
	int n = 0;
#define HOOK(hook, prog, kind, target, args, seen) \
	printf("hook.%d=%s %s %s %s %d %s\n", n++, #hook, #prog, #kind, #target, args, seen);
	NL_HOOK_VARIANTS(HOOK)
	printf("hooks=%d\n", n);
	return 0;
}
