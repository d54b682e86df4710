/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Shared state of all netlat programs: the global block Java mmaps, the per-socket table, the per-port table,
 * and the helpers that record a sample. Included once, by netlat.bpf.c.
 */
#ifndef NETLAT_STATE_BPF_H
#define NETLAT_STATE_BPF_H

#include "netlat_vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "netlat.h"

/* Knobs set by the loader before load. */
const volatile struct nl_knobs knobs = {
	.target_tgid = 0,
	.writes_in_flight = NL_W_SLOTS,
	.packets_in_flight = NL_P_SLOTS,
};

/* The only variable in .bss, so it sits at offset 0 of the map Java mmaps. */
struct nl_global G = {};

/*
 * Sockets in scope: this process connected, listened or wrote on them (decided in process context). Small, so that
 * sockets that never write (a client waiting for its SYN-ACK, a listener) cost little; the large per-write state in
 * `socks` is created at the first write.
 */
struct traced {
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u16 listener;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct traced);
} traced_socks SEC(".maps");

static __always_inline bool in_scope(void)
{
	return !knobs.target_tgid || (bpf_get_current_pid_tgid() >> 32) == knobs.target_tgid;
}

static __always_inline struct traced *traced_of(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	return bpf_map_lookup_elem(&traced_socks, &key);
}

/* Puts a socket in scope (called in process context, after in_scope()). */
static __always_inline struct traced *trace_socket(const struct sock *sk, bool listener)
{
	__u64 key = (__u64)sk;
	struct traced *t = bpf_map_lookup_elem(&traced_socks, &key);
	if (t)
		return t;
	struct traced v = {
		.lport = sk->__sk_common.skc_num,
		.rport = bpf_ntohs(sk->__sk_common.skc_dport),
		.family = sk->__sk_common.skc_family,
		.listener = listener,
	};
	if (bpf_map_update_elem(&traced_socks, &key, &v, BPF_NOEXIST) && bpf_map_lookup_elem(&traced_socks, &key) == 0)
		__sync_fetch_and_add(&G.lost[NL_L_SOCKS_FULL], 1);
	return bpf_map_lookup_elem(&traced_socks, &key);
}

#define W_SLOTS NL_W_SLOTS
#define P_SLOTS NL_P_SLOTS
#define W_MASK (W_SLOTS - 1)
#define P_MASK (P_SLOTS - 1)

/* A write whose stages are still being followed. */
struct wslot {
	__u32 end;   /* sequence number after the write's last byte */
	__u32 pidx;  /* packet ring index of the packet carrying the last byte, once queued */
	__u64 t_call;
};

/* A packet of first-transmitted data, as queued at net_dev_queue (before any software segmentation). */
struct pslot {
	__u32 seq;
	__u32 end;
	__u64 t_queue;
	__u64 t_xmit;  /* first segment handed to the driver */
	__u64 t_xlast; /* segment carrying the packet's last byte handed to the driver (tbf splits GSO skbs) */
	__u64 t_done;
	__u64 t_ack;
	__u32 flags;
	__u32 pad;
};

#define PF_NOQUEUE 1

/*
 * Per traced socket. Rings are indexed by free-running u32 counters (masked on access):
 * writes  [w_a|w_d .. w_q) have SOCKET done and wait for TOTAL/ACK, [w_q .. w_tail) wait for their packet;
 * packets [p_head .. p_tail) are kept until ACKed and no pending write refers to them;
 * p_x / p_xl / p_d / p_a: next packet to see its first start_xmit / last start_xmit / device-done / ACK.
 */
struct sock_state {
	struct bpf_spin_lock lock;
	__u32 pad0;
	struct bpf_timer settle_later; /* finishes, outside the ACK's processing, what an ACK's hook left to resolve */
	__u64 key;         /* the struct sock * this state belongs to, as a number */
	__u32 epoch;
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u16 pad;
	__u64 call_msg;    /* msghdr of the write in progress, 0 when none */
	__u64 call_start;
	__u32 call_seq0;   /* write_seq when the write in progress started */
	__u32 q_max;       /* end of the highest data queued so far: anything at or below is a retransmission */
	__u32 x_max;       /* same for net_dev_start_xmit */
	__u32 w_tail, w_q, w_d, w_a;
	__u32 p_head, p_tail, p_x, p_xl, p_d, p_a, scan;
	__u32 e_x, e_d, e_a; /* next packet whose QDISC / DEVICE / RTT sample is still to be recorded */
	struct wslot w[W_SLOTS];
	struct pslot p[P_SLOTS];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 16384);
	__type(key, __u64); /* struct sock * */
	__type(value, struct sock_state);
} socks SEC(".maps");

/* All-zero bytes to create socks entries from: a sock_state is too large for the BPF stack, and a value
 * holding a bpf_spin_lock may not be passed to a helper, so the template is typed as plain bytes. */
struct sock_state_bytes {
	char b[sizeof(struct sock_state)];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sock_state_bytes);
} sock_template SEC(".maps");

/* skbs handed to a driver, until the device is done with them: the socket and the end of their data. */
struct txskb {
	__u64 sk;
	__u32 end;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sk_buff * */
	__type(value, struct txskb);
} tx_skbs SEC(".maps");

/*
 * The skb a loopback device is transmitting on this CPU. loopback_xmit hands the skb to netif_rx synchronously,
 * inside the same call on the same CPU with bottom halves off, so a per-CPU slot replaces the tx_skbs insert, lookup
 * and delete (and their shared counter) on the busiest path there is.
 */
struct lo_xmit {
	__u64 skb;
	struct txskb t;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lo_xmit);
} lo_in_xmit SEC(".maps");

/* Histogram buckets and counters per (local port, remote port) for port views. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct nl_port_key);
	__type(value, __u64);
} port_stats SEC(".maps");

static __always_inline bool before(__u32 a, __u32 b)
{
	return (__s32)(a - b) < 0;
}

static __always_inline bool after(__u32 a, __u32 b)
{
	return before(b, a);
}

static __always_inline int log2_u64(__u64 v)
{
	int r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r;
}

/* Same as dev.netlat.HistogramBuckets.index. Global (verified once, its result an unknown scalar to the caller):
 * inlined, clang recomputes the result after the caller's bound check in a form the verifier cannot bound, and as
 * a static subprogram 6.1's verifier walks it with the caller's state into contradictory bounds ("misaligned
 * access off (0x0; 0xffffffffffffffff)" in nl_tcp_probe). */
__noinline __u64 bucket_of(__u64 ns)
{
	if (ns < NL_SUB)
		return ns;
	int e = log2_u64(ns);
	if (e >= NL_MAX_EXP)
		return NL_OVERFLOW;
	return NL_SUB + (e - NL_SUB_BITS) * NL_SUB + ((ns >> (e - NL_SUB_BITS)) & (NL_SUB - 1));
}

/*
 * The recording functions are global (not static): the verifier checks each once, on its own, instead of at every
 * call site inside the loops that call them.
 */
__noinline int port_add(__u16 lport, __u16 rport, __u16 kind, __u16 bucket, __u64 delta)
{
	/* a third of the per-write cost when on: only while some open window asked for port views */
	if (!G.port_views)
		return 0;
	struct nl_port_key k = { .lport = lport, .rport = rport, .kind = kind, .bucket = bucket };
	__u64 *v = bpf_map_lookup_elem(&port_stats, &k);
	if (!v) {
		__u64 zero = 0;
		bpf_map_update_elem(&port_stats, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&port_stats, &k);
		if (!v) {
			__sync_fetch_and_add(&G.lost[NL_L_PORT_FULL], 1);
			return 0;
		}
	}
	__sync_fetch_and_add(v, delta);
	return 0;
}

__noinline int count(__u16 lport, __u16 rport, __u64 counter, __u64 delta)
{
	if (counter >= NL_COUNTERS)
		return 0;
	__sync_fetch_and_add(&G.counters[counter], delta);
	port_add(lport, rport, NL_PK_COUNTER + counter, 0, delta);
	return 0;
}

__noinline int record_sample(__u16 lport, __u16 rport, __u64 hist, __u64 ns, __u64 epoch)
{
	if (hist >= NL_HISTS)
		return 0;
	/* 64-bit, so the checked register is the index: with a __u32, clang zero-extends the result once for the check
	 * and again for the index, and 6.1's verifier does not carry the bound over ("R4 unbounded memory access") */
	__u64 b = bucket_of(ns);
	if (b > NL_OVERFLOW)
		b = NL_OVERFLOW;
	__sync_fetch_and_add(&G.hist[hist][b], 1);
	__sync_fetch_and_add(&G.sum_ns[hist], ns);
	__sync_fetch_and_add(&G.completed[epoch & 1][hist], 1);
	port_add(lport, rport, NL_PK_HIST + hist, b, 1);
	return 0;
}

__noinline int record_lost(__u64 hist, __u64 cause, __u64 epoch)
{
	if (hist < 8)
		__sync_fetch_and_add(&G.completed[epoch & 1][hist], 1);
	if (cause < NL_LOST_CAUSES)
		__sync_fetch_and_add(&G.lost[cause], 1);
	return 0;
}

static __always_inline struct sock_state *sock_state_of(struct sock *sk)
{
	__u64 key = (__u64)sk;
	return bpf_map_lookup_elem(&socks, &key);
}

/* The TCP header of an skb: sequence range of its payload, ack number and flags. Returns the payload length, -1 if unreadable. */
static __always_inline long tcp_header(const struct sk_buff *skb, __u32 *seq, __u32 *end, __u8 *flags, __u32 *ack)
{
	/* direct loads from the BTF-typed skb (no helper call per field: this runs on every packet, three times) */
	__u64 head = (__u64)skb->head;
	__u64 data = (__u64)skb->data;
	__u16 th_off = skb->transport_header;
	if (th_off == (__u16)~0U)
		return -1;
	struct tcphdr th;
	if (bpf_probe_read_kernel(&th, sizeof(th), (void *)(head + th_off)))
		return -1;
	__u32 doff = (th.doff_res >> 4) * 4;
	/* skb->len counts from skb->data, which may sit before (L2/L3 headers) or at the TCP header */
	long hdr_from_data = (long)(head + th_off) - (long)data;
	long payload = (long)skb->len - hdr_from_data - doff;
	if (payload < 0 || payload > 0x7fffffff)
		payload = 0;
	*seq = bpf_ntohl(th.seq);
	*ack = bpf_ntohl(th.ack_seq);
	*flags = th.flags;
	*end = *seq + (__u32)payload;
	return payload;
}

static __always_inline void push_event(const struct sock *sk, __u32 kind, __u32 detail, __u32 seq)
{
	__u64 i = __sync_fetch_and_add(&G.ev_head, 1);
	struct nl_event *e = &G.events[i & (NL_EVENTS - 1)];
	e->ts_ns = bpf_ktime_get_ns();
	e->kind = kind;
	e->detail = detail;
	e->seq = seq;
	e->family = sk->__sk_common.skc_family;
	e->lport = sk->__sk_common.skc_num;
	e->rport = bpf_ntohs(sk->__sk_common.skc_dport);
	if (e->family == AF_INET6) {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&e->daddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		__u32 s = sk->__sk_common.skc_rcv_saddr, d = sk->__sk_common.skc_daddr;
		__builtin_memcpy(e->saddr, &s, 4);
		__builtin_memcpy(e->daddr, &d, 4);
	}
}

#endif
