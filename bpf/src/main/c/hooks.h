/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * hooks.h — every hook netlat needs and the programs (netlat.bpf.c) that can serve it, best first. The loader
 * (dev.netlat.internal.HookPlan, reading this table from netlat.layout) takes, per hook, the first variant the
 * running kernel's BTF offers: a tracepoint whose btf_trace_<target> has at least `args` arguments (variants of one
 * tracepoint are listed with the most arguments first), or a function <target> with at least `args` parameters for
 * fentry/fexit. A variant the verifier rejects is dropped and the next one tried; a hook with none left makes the
 * stages and counters that need it unavailable, with the reason.
 *
 * A hook named <hook>_nested serves the same attach point as <hook>, attached after it, for the runs the kernel
 * skips (netlat.bpf.c).
 *
 * `seen` names the kernels whose BTF was read to have this signature (Debian 6.1, 6.12, 6.18).
 *
 * X(hook, program, kind, target, args, seen)
 */
#ifndef NETLAT_HOOKS_H
#define NETLAT_HOOKS_H

#define NL_HOOK_VARIANTS(X)                                                                   \
	X(write_start,       nl_sendmsg,             tp_btf, tcp_sendmsg_locked,    4, "6.18")     \
	X(write_start,       nl_sendmsg_fentry,      fentry, tcp_sendmsg_locked,    3, "6.1 6.12") \
	X(write_end,         nl_send_length,         tp_btf, sock_send_length,      3, "6.12 6.18") \
	X(write_end,         nl_send_length_fexit,   fexit,  tcp_sendmsg_locked,    3, "6.1")      \
	X(dev_queue,         nl_dev_queue,           tp_btf, net_dev_queue,         1, "6.1 6.12 6.18") \
	X(start_xmit,        nl_start_xmit,          tp_btf, net_dev_start_xmit,    2, "6.1 6.12 6.18") \
	X(netif_rx,          nl_netif_rx,            tp_btf, netif_rx,              1, "6.1 6.12 6.18") \
	X(consume_skb,       nl_consume_skb,         tp_btf, consume_skb,           1, "6.1 6.12 6.18") \
	X(tcp_probe,         nl_tcp_probe,           tp_btf, tcp_probe,             2, "6.1 6.12 6.18") \
	X(retransmit,        nl_retransmit,          tp_btf, tcp_retransmit_skb,    3, "6.18")     \
	X(retransmit,        nl_retransmit_noerr,    tp_btf, tcp_retransmit_skb,    2, "6.1 6.12") \
	X(retransmit_nested, nl_retransmit_nested,   tp_btf, tcp_retransmit_skb,    3, "6.18")     \
	X(retransmit_nested, nl_retransmit_noerr_nested, tp_btf, tcp_retransmit_skb, 2, "6.1 6.12") \
	X(retransmit_synack, nl_retransmit_synack,   tp_btf, tcp_retransmit_synack, 2, "6.1 6.12 6.18") \
	X(kfree_skb,         nl_kfree_skb,           tp_btf, kfree_skb,             4, "6.12 6.18") \
	X(kfree_skb,         nl_kfree_skb_norxsk,    tp_btf, kfree_skb,             3, "6.1")      \
	X(kfree_skb_nested,  nl_kfree_skb_nested,    tp_btf, kfree_skb,             4, "6.12 6.18") \
	X(kfree_skb_nested,  nl_kfree_skb_norxsk_nested, tp_btf, kfree_skb,         3, "6.1")      \
	X(send_reset,        nl_send_reset,          tp_btf, tcp_send_reset,        3, "6.12 6.18") \
	X(send_reset,        nl_send_reset_noreason, tp_btf, tcp_send_reset,        2, "6.1")      \
	X(receive_reset,     nl_receive_reset,       tp_btf, tcp_receive_reset,     1, "6.1 6.12 6.18") \
	X(set_state,         nl_set_state,           tp_btf, inet_sock_set_state,   3, "6.1 6.12 6.18") \
	X(destroy_sock,      nl_destroy_sock,        tp_btf, tcp_destroy_sock,      1, "6.1 6.12 6.18")

#endif
