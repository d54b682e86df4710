/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * netlat kernel programs: every attach point, and every kernel difference, in this one file. Each program is a thin
 * wrapper around a handler in tx_stages.bpf.h or tcp_events.bpf.h. Where kernels differ, a hook has variants: the
 * loader (dev.netlat.internal.HookPlan) picks one per hook from the running kernel's BTF before load, in the order
 * of hooks.h (a tracepoint with this kernel's signature, else fentry/fexit on a function with the same moment and
 * data), and turns the others' autoload off. Versions cited are those whose BTF was read (Debian 6.1, 6.12, 6.18).
 * Observers only: no program modifies, redirects or drops a packet.
 */
#include "tx_stages.bpf.h"
#include "tcp_events.bpf.h"

/* A per-packet hook that can interrupt itself has two programs that differ only in PRIMARY/NESTED (maps.bpf.h): the
 * kernel skips a program that is already running on this CPU, not its twin, so the second one must be a program of
 * its own. */

/* ---- write start: tracepoint on 6.18; 6.1 and 6.12 have no tcp:tcp_sendmsg_locked ---- */

SEC("tp_btf/tcp_sendmsg_locked")
int BPF_PROG(nl_sendmsg, struct sock *sk, struct msghdr *msg, struct sk_buff *skb, int size_goal)
{
	return on_write_start(sk, msg);
}

/* Entry of tcp_sendmsg_locked(): the same moment as the tracepoint's first firing for the call, and the same msghdr.
 * Kernels before 6.5 send sendfile()/splice() through do_tcp_sendpages(), not through here: those writes are not
 * followed there (their bytes still count in no stage). */
SEC("fentry/tcp_sendmsg_locked")
int BPF_PROG(nl_sendmsg_fentry, struct sock *sk, struct msghdr *msg, size_t size)
{
	return on_write_start(sk, msg);
}

/* ---- write end: sock:sock_send_length on 6.12 and 6.18; 6.1 lacks it ---- */

SEC("tp_btf/sock_send_length")
int BPF_PROG(nl_send_length, struct sock *sk, int ret, int flags)
{
	return on_write_end(sk, ret);
}

/* Return of tcp_sendmsg_locked(): the write's result, with write_seq final (the socket is still locked). */
SEC("fexit/tcp_sendmsg_locked")
int BPF_PROG(nl_send_length_fexit, struct sock *sk, struct msghdr *msg, size_t size, int ret)
{
	return on_write_end(sk, ret);
}

/*
 * The kernel skips a program that is already running on this CPU when its tracepoint fires again there
 * (recursion_misses), e.g. a drop in a softirq that interrupts nl_kfree_skb. A hook where that loses an event nothing
 * else shows (a retransmit, a drop) has a second program on the same attach point, attached after the first: PRIMARY
 * marks the first running on this CPU, NESTED runs the handler only while it is (the one case the kernel skipped it)
 * and counts that run, so the loader reports as lost only the misses no nested run made up for. A twin runs on every
 * event of its hook, as dear as an empty program; the busy hooks have none, and what a skipped run of theirs hid is
 * found later and named (KERNEL_SKIPPED_RUNS, and by the samples it cost).
 */

/* ---- packet path: the same tracepoints on 6.1, 6.12 and 6.18 ---- */

/* net_dev_queue and net_dev_start_xmit fire with bottom halves off (__dev_queue_xmit's rcu_read_lock_bh(), or the
 * NET_TX softirq), and hard interrupts do not transmit through them (netpoll calls the driver directly); netif_rx
 * fires in netif_rx_internal(), which netif_rx() enters with bottom halves off and __netif_rx() and dev_forward_skb()
 * only from a transmit path or a softirq. Only a hard interrupt handler that calls netif_rx() itself (some legacy
 * drivers; not loopback, veth or virtio) could interrupt one of these programs with another run of its hook: they
 * need no nested twin, whose run on every packet cost as much as an empty program's. A miss would still be reported
 * (KERNEL_SKIPPED_RUNS). */

SEC("tp_btf/net_dev_queue")
int BPF_PROG(nl_dev_queue, struct sk_buff *skb)
{
	return on_dev_queue(skb);
}

SEC("tp_btf/net_dev_start_xmit")
int BPF_PROG(nl_start_xmit, struct sk_buff *skb, struct net_device *dev)
{
	return on_start_xmit(skb, dev);
}

SEC("tp_btf/netif_rx")
int BPF_PROG(nl_netif_rx, struct sk_buff *skb)
{
	return on_netif_rx(skb);
}

/* 6.3 added a second argument (location), unused here: one program fits both signatures. consume_skb fires for
 * every skb freed anywhere: the program returns before any lookup unless a traced skb is in a driver's hands. No
 * twin: a run the kernel skips while this one runs (a softirq's free interrupting it) costs at most that skb's
 * device-done, which its ACK then names (DEVICE_DONE_NOT_SEEN); the twin's run on every free on the machine cost
 * as much as an empty program's. */
SEC("tp_btf/consume_skb")
int BPF_PROG(nl_consume_skb, struct sk_buff *skb)
{
	return on_consume_skb(skb);
}

/* Every segment an ESTABLISHED socket receives, before TCP acts on its ACK. No twin: a run the kernel skips (a
 * softirq's segment interrupting this program in release_sock's backlog) is an ACK no program saw, and the next ACK
 * or the state change out of ESTABLISHED finds it by snd_una (ack_locked): its samples are lost as ACK_NOT_SEEN, not
 * timed by that later ACK. */
SEC("tp_btf/tcp_probe")
int BPF_PROG(nl_tcp_probe, struct sock *sk, struct sk_buff *skb)
{
	return on_ack(sk, skb);
}

/* ---- retransmits: 6.18 adds `err` (the tracepoint then fires for failed attempts too); 6.1 and 6.12 fire only on
 * success, without it ---- */

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(nl_retransmit, const struct sock *sk, const struct sk_buff *skb, int err)
{
	return PRIMARY(NEST_RETRANSMIT, on_retransmit(sk, skb, err));
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(nl_retransmit_nested, const struct sock *sk, const struct sk_buff *skb, int err)
{
	return NESTED(NEST_RETRANSMIT, on_retransmit(sk, skb, err));
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(nl_retransmit_noerr, const struct sock *sk, const struct sk_buff *skb)
{
	return PRIMARY(NEST_RETRANSMIT, on_retransmit(sk, skb, 0));
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(nl_retransmit_noerr_nested, const struct sock *sk, const struct sk_buff *skb)
{
	return NESTED(NEST_RETRANSMIT, on_retransmit(sk, skb, 0));
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(nl_retransmit_synack, const struct sock *sk, const void *req)
{
	return on_retransmit_synack(sk);
}

/* ---- drops: 6.12 and 6.18 name the receiving socket (rx_sk); 6.1 does not, so a receive-side drop whose skb has no
 * socket yet is not attributed there ---- */

SEC("tp_btf/kfree_skb")
int BPF_PROG(nl_kfree_skb, struct sk_buff *skb, void *location, int reason, struct sock *rx_sk)
{
	return PRIMARY(NEST_KFREE_SKB, on_kfree_skb(skb, reason, rx_sk));
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(nl_kfree_skb_nested, struct sk_buff *skb, void *location, int reason, struct sock *rx_sk)
{
	return NESTED(NEST_KFREE_SKB, on_kfree_skb(skb, reason, rx_sk));
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(nl_kfree_skb_norxsk, struct sk_buff *skb, void *location, int reason)
{
	return PRIMARY(NEST_KFREE_SKB, on_kfree_skb(skb, reason, 0));
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(nl_kfree_skb_norxsk_nested, struct sk_buff *skb, void *location, int reason)
{
	return NESTED(NEST_KFREE_SKB, on_kfree_skb(skb, reason, 0));
}

/* ---- resets: 6.12 and 6.18 pass the reason; 6.1 does not ---- */

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(nl_send_reset, const struct sock *sk, const struct sk_buff *skb, int reason)
{
	return on_send_reset(sk, reason);
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(nl_send_reset_noreason, const struct sock *sk, const struct sk_buff *skb)
{
	return on_send_reset(sk, 0);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(nl_receive_reset, struct sock *sk)
{
	return on_receive_reset(sk);
}

/* ---- connection life: the same on 6.1, 6.12 and 6.18 ---- */

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(nl_set_state, const struct sock *sk, int oldstate, int newstate)
{
	return on_set_state(sk, oldstate, newstate);
}

SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(nl_destroy_sock, struct sock *sk)
{
	return on_destroy_sock(sk);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
