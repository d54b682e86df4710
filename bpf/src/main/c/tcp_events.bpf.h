/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Retransmits, drops (with the kernel's drop reason), resets and connection events of traced sockets.
 * Like the stages, only sockets put in scope in process context (traced_socks) count.
 */
#ifndef NETLAT_TCP_EVENTS_BPF_H
#define NETLAT_TCP_EVENTS_BPF_H
#include "tx_stages.bpf.h"

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10

#define TCP_CA_DISORDER 1
#define TCP_CA_CWR 2
#define TCP_CA_RECOVERY 3
#define TCP_CA_LOSS 4
#define ICSK_TIME_LOSS_PROBE 5


static __always_inline __u32 retransmit_kind(const struct sock *sk)
{
	if (sk->__sk_common.skc_state == TCP_SYN_SENT)
		return RK_SYN;
	struct inet_connection_sock *icsk = (struct inet_connection_sock *)sk;
	__u8 ca = BPF_CORE_READ_BITFIELD_PROBED(icsk, icsk_ca_state);
	if (ca == TCP_CA_LOSS)
		return RK_TIMEOUT;
	if (ca == TCP_CA_RECOVERY || ca == TCP_CA_DISORDER || ca == TCP_CA_CWR)
		return RK_FAST;
	/* a tail loss probe is sent from the probe timer, outside recovery */
	if (bpf_core_field_exists(icsk->icsk_pending) && BPF_CORE_READ(icsk, icsk_pending) == ICSK_TIME_LOSS_PROBE)
		return RK_TLP;
	return RK_OTHER;
}

/* The segments the socket's total_retrans (`total`, read by the caller) grew by since its last look, and the look
 * taken, also in the socket's storage when it has one (the caller holds the socket lock, so no atomics): 0 for
 * nothing new, or for a baseline from before a reuse of the socket (tcp_disconnect zeroes total_retrans). */
static __always_inline __u32 take_retrans_growth(struct traced *t, struct sock_hot *h, __u32 total)
{
	__u32 segs = total - t->retrans_seen;
	t->retrans_seen = total;
	if (h)
		h->retrans_seen = total;
	return segs > 0xffff ? 0 : segs;
}

/* Callers pass the socket's ports now, not those recorded when it came into scope: connect() enters SYN_SENT before
 * it picks the local port, so a retransmitted SYN would count under port 0 (seen: port view 1 short of tcpi). */
static __always_inline void count_retransmits(__u16 lport, __u16 rport, __u32 segs, __u32 kind)
{
	count(lport, rport, NL_C_RETRANS, segs);
	count(lport, rport, NL_C_RETRANS_KIND + kind, segs);
}

/*
 * A retransmit attempt; err != 0 for a failed one. What is counted is what tcpi_total_retrans counts:
 * __tcp_retransmit_skb adds tcp_skb_pcount() to tp->total_retrans (and TcpRetransSegs) *before* it hands the skb to
 * tcp_transmit_skb, so an attempt whose transmission then fails counts there too: most often the local qdisc dropped
 * it (err = NET_XMIT_DROP = 1, e.g. a full tbf), also -ENOBUFS or a local netfilter drop (-EPERM). Attempts that give
 * up earlier (-EBUSY: still in the host queue, -EAGAIN, -ENOMEM, ...) count nowhere. Since the tracepoint fires after
 * the addition, the growth of total_retrans since the last event of the socket is exactly the segments the kernel
 * counted, whatever err says (on kernels whose tracepoint fires only for err == 0, a failed attempt is picked up by the
 * next successful one). The socket lock serializes retransmits of one socket, so `retrans_seen` needs no atomics.
 */
static __always_inline int on_retransmit(const struct sock *sk, const struct sk_buff *skb, int err)
{
	struct traced *t = traced_of(sk);
	if (!t)
		return 0;
	/* also while no window is open: a later window counts only its own */
	__u32 segs = take_retrans_growth(t, hot_of(sk), total_retrans_of(sk));
	if (!G.active)
		return 0;
	__u16 lport = SOCK_LPORT(sk), rport = SOCK_RPORT(sk);
	if (err)
		count(lport, rport, NL_C_RETRANS_FAILED, 1);
	if (segs == 0)
		return 0; /* nothing counted by the kernel (an attempt that gave up early) */
	/* the skb is the write-queue original: its headers are built on a clone, but skb->cb still holds
	 * struct tcp_skb_cb { seq, end_seq, ... } and skb->len is the payload */
	__u32 seq = 0;
	bpf_probe_read_kernel(&seq, sizeof(seq), (char *)skb + bpf_core_field_offset(struct sk_buff, cb));
	long payload = BPF_CORE_READ(skb, len);
	__u32 kind = retransmit_kind(sk);
	count_retransmits(lport, rport, segs, kind);
	if (payload > 0)
		count(lport, rport, NL_C_RETRANS_BYTES, payload);
	push_event(sk, NL_EV_RETRANSMIT, kind, seq);
	return 0;
}

/*
 * On a kernel that runs no program while PID 1 is current and counts no miss (knob retrans_catch_up, set by the
 * loader only there: elsewhere the verifier drops this as dead code), a retransmit event can be hidden. The next seen
 * one makes it up (the growth of total_retrans); the last ones of a connection would stay uncounted, so each ACK
 * picks up what no event brought. Their kind is the socket's state at that ACK; their bytes are not known. Runs under
 * the socket lock, as on_retransmit does.
 */
static __always_inline void retrans_catch_up(const struct sock *sk, struct sock_hot *h)
{
	/* a traced socket has its own storage from when it came into scope (trace_socket): one without is not traced,
	 * or had no memory for it (counted as SOCKET_STORAGE_FAILED) */
	if (!knobs.retrans_catch_up || !h)
		return;
	/* the common case, nothing retransmitted since the last look, without a lookup in traced_socks */
	__u32 total = total_retrans_of_arg(sk);
	if (total == h->retrans_seen)
		return;
	struct traced *t = traced_of(sk);
	if (!t)
		return;
	__u32 segs = take_retrans_growth(t, h, total);
	if (segs)
		count_retransmits(SOCK_LPORT(sk), SOCK_RPORT(sk), segs, retransmit_kind(sk));
}

/* An incoming segment of a traced socket: the ACK stage, and retransmits no event brought (where that can happen). */
static __always_inline int on_ack(struct sock *sk, struct sk_buff *skb)
{
	if (!G.active)
		return 0;
	struct sock_hot *h = hot_of(sk);
	retrans_catch_up(sk, h);
	return on_tcp_probe(sk, skb, h);
}

static __always_inline int on_retransmit_synack(const struct sock *sk)
{
	if (!G.active)
		return 0;
	struct traced *t = traced_of(sk);
	if (!t)
		return 0;
	count(t->lport, t->rport, NL_C_RETRANS, 1);
	count(t->lport, t->rport, NL_C_RETRANS_KIND + RK_SYN_ACK, 1);
	push_event(sk, NL_EV_RETRANSMIT, RK_SYN_ACK, 0);
	return 0;
}

/*
 * Listen overflows: what TcpExtListenOverflows counts, per listener. The kernel counts one wherever it finds the
 * accept queue full (sk_acceptq_is_full), and tcp_listendrop() adds one to the listener's sk_drops there too:
 *  - for a SYN, in tcp_conn_request() (tcp_v4_rcv -> tcp_v4_do_rcv -> tcp_rcv_state_process, TCP_LISTEN). The SYN is
 *    then freed with consume_skb(), not kfree_skb(), on every kernel (6.18 included): no drop reason, no tracepoint
 *    that names the listener. These are counted at the listener's close only, from its sk_drops.
 *  - for the handshake's final ACK, in tcp_v4/v6_syn_recv_sock(), called from tcp_check_req() (tcp_v4_rcv, socket
 *    looked up in TCP_NEW_SYN_RECV, then sk = req->rsk_listener). Since 6.15 tcp_check_req() names it
 *    SKB_DROP_REASON_TCP_LISTEN_OVERFLOW, and tcp_v4_rcv frees the ACK through discard_and_relse with
 *    sk_skb_reason_drop(listener, skb, reason): the kfree_skb tracepoint has skb->sk == NULL and rx_sk == the
 *    listener (state TCP_LISTEN). These are counted live, one each. Kernels without the reason (6.1, 6.12: the
 *    loader leaves the knob 0, and the verifier drops this code) free the same ACK as NOT_SPECIFIED.
 * sk_drops moves by more than the overflows: each ACK overflow adds 1 (tcp_listendrop) + max(1, gso_segs)
 * (discard_and_relse's sk_drops_skbadd); ACKs held back by TCP_DEFER_ACCEPT and other packets of the listener
 * freed through discard_and_relse add theirs. listen_seen keeps, per listener, its sk_drops at listen() plus what the
 * live-counted overflows added, so that at close only the rest is counted (no overflow twice).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);   /* struct sock * of a traced listener */
	__type(value, __u64); /* its sk_drops already accounted for */
} listen_seen SEC(".maps");

static __always_inline void listen_seen_add(const struct sock *sk, __u64 n)
{
	__u64 key = (__u64)sk;
	__u64 *v = bpf_map_lookup_elem(&listen_seen, &key);
	if (!v) {
		/* evicted, or traced before this object: what it had at listen() is unknown, take it as 0 */
		__u64 zero = 0;
		bpf_map_update_elem(&listen_seen, &key, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&listen_seen, &key);
		if (!v)
			return;
	}
	__sync_fetch_and_add(v, n);
}

/* What one live-counted ACK overflow added to the listener's sk_drops. */
static __always_inline __u64 listen_overflow_drops(const struct sk_buff *skb)
{
	struct skb_shared_info *sh = (struct skb_shared_info *)(skb->head + skb->end);
	__u16 segs = BPF_CORE_READ(sh, gso_segs);
	return 1 + (segs > 1 ? segs : 1);
}

/* A listen overflow in kfree_skb (knob set: this kernel has the reason). Kept also while no window is open: the
 * close-time rest must not count it again. */
static __always_inline struct traced *listen_overflow(const struct sk_buff *skb, struct sock *sk)
{
	struct traced *t = sk ? traced_of(sk) : 0;
	if (!t || !t->listener)
		return 0;
	listen_seen_add(sk, listen_overflow_drops(skb));
	return t;
}

/* Drops of packets of traced sockets: transmit side (skb->sk) or receive side (rx_sk, the socket it was for). */
static __always_inline int on_kfree_skb(struct sk_buff *skb, int reason, struct sock *rx_sk)
{
	bool overflow = knobs.listen_overflow_reason && reason == (int)knobs.listen_overflow_reason;
	if (!G.active) {
		if (overflow)
			listen_overflow(skb, rx_sk ? rx_sk : skb->sk);
		return 0;
	}
	if (G.txskb_inflight) {
		/* a driver dropped an skb handed to it: it never completes */
		__u32 ignored;
		take_txskb(skb, &ignored);
	}
	struct sock *sk;
	struct traced *t;
	if (overflow) {
		sk = rx_sk ? rx_sk : skb->sk;
		t = listen_overflow(skb, sk);
	} else {
		sk = skb->sk;
		t = sk ? traced_of(sk) : 0;
		if (!t && rx_sk) {
			sk = rx_sk;
			t = traced_of(sk);
		}
	}
	if (!t)
		return 0;
	__u32 r = reason < 0 || reason >= NL_DROP_REASONS - 1 ? NL_DROP_REASONS - 1 : reason;
	count(t->lport, t->rport, NL_C_DROPS, 1);
	__sync_fetch_and_add(&G.drops_by_reason[r & (NL_DROP_REASONS - 1)], 1);
	port_add(t->lport, t->rport, NL_PK_DROP_REASON, r, 1);
	__u32 seq = 0, end = 0, ack = 0;
	__u8 fl = 0;
	tcp_header(skb, &seq, &end, &fl, &ack);
	if (overflow) {
		/* still a drop (drops(), dropsByReason TCP_LISTEN_OVERFLOW), and one listen overflow; one event for it */
		count(t->lport, t->rport, NL_C_LISTEN_OVERFLOW, 1);
		push_event(sk, NL_EV_LISTEN_OVERFLOW, 1, seq);
		return 0;
	}
	push_event(sk, NL_EV_DROP, reason, seq);
	return 0;
}

static __always_inline int on_send_reset(const struct sock *sk, int reason)
{
	if (!G.active || !sk)
		return 0;
	struct traced *t = traced_of(sk);
	if (!t)
		return 0;
	count(t->lport, t->rport, NL_C_RST_SENT, 1);
	push_event(sk, NL_EV_RESET_SENT, reason, 0);
	return 0;
}

static __always_inline int on_receive_reset(struct sock *sk)
{
	if (!G.active)
		return 0;
	struct traced *t = traced_of(sk);
	if (!t)
		return 0;
	count(t->lport, t->rport, NL_C_RST_RECV, 1);
	push_event(sk, NL_EV_RESET_RECEIVED, 0, 0);
	return 0;
}

/* A traced listener's close: what its sk_drops has beyond what listen_seen accounted for (see listen_overflow). */
static __always_inline __s64 listen_rest(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u64 *v = bpf_map_lookup_elem(&listen_seen, &key);
	__u64 seen = v ? *v : 0;
	bpf_map_delete_elem(&listen_seen, &key);
	return (__s64)(__u32)BPF_CORE_READ(sk, sk_drops.counter) - (__s64)seen;
}

/* connect() and listen() put a socket in scope (process context); ESTABLISHED and CLOSE are counted. */
static __always_inline int on_set_state(const struct sock *sk, int oldstate, int newstate)
{
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (!G.active) {
		if (oldstate == TCP_LISTEN) {
			__u64 key = (__u64)sk;
			bpf_map_delete_elem(&listen_seen, &key);
		}
		return 0;
	}
	struct traced *t;
	if ((newstate == TCP_SYN_SENT || newstate == TCP_LISTEN) && in_scope()) {
		if (newstate == TCP_LISTEN) {
			/* sk_drops survives a close and a new listen() of the same socket: start from what it has */
			__u64 key = (__u64)sk, have = (__u32)BPF_CORE_READ(sk, sk_drops.counter);
			bpf_map_update_elem(&listen_seen, &key, &have, BPF_ANY);
		}
		trace_socket(sk, newstate == TCP_LISTEN);
		return 0;
	}
	t = traced_of(sk);
	if (!t)
		return 0;
	/* ACKs outside ESTABLISHED pass no tcp_probe: also the handshake's, which ACK data sent with a SYN (TCP Fast
	 * Open) before the socket enters ESTABLISHED; taken here, so that in ESTABLISHED every byte up to snd_una was
	 * ACKed by a segment some program saw, or by one whose run was skipped */
	ack_from_snd_una(sk, oldstate == TCP_ESTABLISHED);
	if (newstate == TCP_ESTABLISHED) {
		/* the ports are final now (connect may have picked the local one) */
		t->lport = SOCK_LPORT(sk);
		t->rport = SOCK_RPORT(sk);
		count(t->lport, t->rport, NL_C_CONN_OPENED, 1);
	} else {
		if (newstate == TCP_CLOSE && oldstate == TCP_LISTEN) {
			/* the listen overflows no tracepoint showed (SYNs; ACKs on kernels without the drop reason) are in
			 * sk_drops (tcp_listendrop): the rest beyond what was counted live is taken at close */
			__s64 rest = listen_rest(sk);
			if (rest > 0) {
				count(t->lport, t->rport, NL_C_LISTEN_OVERFLOW, rest);
				push_event(sk, NL_EV_LISTEN_OVERFLOW, rest, 0);
			}
		} else if (newstate == TCP_CLOSE) {
			count(t->lport, t->rport, NL_C_CONN_CLOSED, 1);
		}
	}
	return 0;
}
/* Runs even when no window is open: state must not outlive its socket (the address gets reused). */
static __always_inline int on_destroy_sock(struct sock *sk)
{
	__u64 tkey = (__u64)sk;
	bpf_map_delete_elem(&traced_socks, &tkey);
	/* ACKs up to snd_una were taken at the state change to CLOSE, which comes first */
	struct sock_state *s = sock_state_of(sk);
	if (!s)
		return 0;
	give_back(s, (__u64)sk, true); /* pending work of this period: completed; of an earlier one: incomplete */
	return 0;
}

#endif
