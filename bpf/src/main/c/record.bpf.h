/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Helpers written once: sequence arithmetic, histogram buckets, counting and recording samples, reading headers. */
#ifndef NETLAT_RECORD_BPF_H
#define NETLAT_RECORD_BPF_H
#include "maps.bpf.h"

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
	add_counter(counter, delta);
	port_add(lport, rport, NL_PK_COUNTER + counter, 0, delta);
	return 0;
}

/* The socket's port_hot slot, while it has one of the current generation (take_port_slot); none without storage. */
static __always_inline struct nl_port_hot *port_slot_of(const struct sock_hot *h)
{
	if (!h)
		return 0;
	__u32 slot = h->port_slot;
	if (!slot || slot == NO_PORT_SLOT || h->port_gen != (__u32)G.port_gen)
		return 0;
	slot--;
	return bpf_map_lookup_elem(&port_hot, &slot);
}

/* A port slot's counters are counters 0..NL_PORT_HOT - 1 of the per-CPU block too. */
_Static_assert(NL_C_WRITES == 0 && NL_C_BYTES == 1 && NL_C_PACKETS == 2 && NL_C_NOQUEUE_PACKETS == 3 &&
		       NL_C_TIMED_WRITES == 4 && NL_C_TIMED_PACKETS == 5 && NL_PORT_HOT == 6,
	       "slot counters 0..5");
_Static_assert(sizeof(struct nl_port_hot) == 64, "a port slot is one cache line");

static __always_inline void add_hot(__u64 *c, __u64 writes, __u64 bytes, __u64 packets)
{
	if (writes)
		__sync_fetch_and_add(&c[NL_C_WRITES], writes);
	if (bytes)
		__sync_fetch_and_add(&c[NL_C_BYTES], bytes);
	if (packets)
		__sync_fetch_and_add(&c[NL_C_PACKETS], packets);
}

/*
 * Counts a socket's writes, bytes and packets, with one per-CPU lookup and one slot lookup however many it counts
 * (callers pass constant zeros for the others, which the compiler drops): the port view goes to the socket's
 * port_hot slot, without a hash lookup, while it has one, else (no slot, or no storage: `h` 0) to the per-port
 * table. Atomic: the write-end hook runs outside the socket's lock, and two threads can write one socket.
 */
static __always_inline void count_hot(const struct sock_hot *h, const struct sock *sk, __u64 writes, __u64 bytes,
				      __u64 packets)
{
	__u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (c)
		add_hot(c->c, writes, bytes, packets);
	if (!G.port_views)
		return;
	struct nl_port_hot *p = port_slot_of(h);
	if (p) {
		add_hot(p->c, writes, bytes, packets);
		return;
	}
	__u16 lport = SOCK_LPORT(sk), rport = SOCK_RPORT(sk);
	if (writes)
		port_add(lport, rport, NL_PK_COUNTER + NL_C_WRITES, 0, writes);
	if (bytes)
		port_add(lport, rport, NL_PK_COUNTER + NL_C_BYTES, 0, bytes);
	if (packets)
		port_add(lport, rport, NL_PK_COUNTER + NL_C_PACKETS, 0, packets);
}

/* One of the other counters a port slot holds (a constant below NL_PORT_HOT), counted as count_hot counts. */
static __always_inline void count_slot(const struct sock_hot *h, const struct sock *sk, __u32 counter, __u64 delta)
{
	if (counter >= NL_PORT_HOT)
		return;
	__u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (c)
		__sync_fetch_and_add(&c->c[counter], delta);
	if (!G.port_views)
		return;
	struct nl_port_hot *p = port_slot_of(h);
	if (p)
		__sync_fetch_and_add(&p->c[counter], delta);
	else
		port_add(SOCK_LPORT(sk), SOCK_RPORT(sk), NL_PK_COUNTER + counter, 0, delta);
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
	e->lport = SOCK_LPORT(sk);
	e->rport = SOCK_RPORT(sk);
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
