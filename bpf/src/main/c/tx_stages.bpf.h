/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-stage transmit latency of traced sockets (dev.netlat.Stage):
 *   write call (tcp_sendmsg_locked) -> net_dev_queue -> net_dev_start_xmit -> netif_rx | consume_skb -> ACK (tcp_probe)
 *
 * Whether a socket is traced is decided in process context, at the write (the pid in softirq is meaningless), and
 * remembered in the socket's own storage (sock_hot), which is all that a write not timed and a packet not followed
 * touch; the write and packet rings of the writes that are timed live in `socks`. Every later stage finds the socket
 * through skb->sk (queue, start_xmit), the skb address recorded at start_xmit (device done: loopback orphans the
 * skb), or the tracepoint's sk (ACK).
 *
 * Writes and packets are matched by TCP sequence number, not skb address: tbf splits GSO skbs, and a write's data
 * can leave (even be ACKed) before the write call returns. A write's stages are those of the packet that carries
 * its last byte. State changes happen under the socket's bpf_spin_lock, because the stages of one socket run on
 * different CPUs (process context, qdisc dequeue, softirq); samples are buffered under the lock and recorded
 * after it, since no helper may be called while holding it.
 *
 * Packet hooks only stamp; samples are resolved ("settled") at the end of a write, at state changes, and at ACKs.
 * The ACK hook runs inside the kernel's processing of that ACK, so it settles at most ACK_SETTLE_ROUNDS itself and
 * leaves the rest to the socket's bpf_timer (loopback device-done uses a per-CPU slot, not the tx_skbs hash).
 */
#ifndef NETLAT_TX_STAGES_BPF_H
#define NETLAT_TX_STAGES_BPF_H
#include "writes.bpf.h"
#include "packet_steps.bpf.h"

/* Whether the skb goes to a device queue without a qdisc (noqueue, e.g. lo): then there is no QDISC stage. */
static __always_inline bool no_qdisc(struct sk_buff *skb)
{
	struct net_device *dev = skb->dev;
	if (!dev)
		return false;
	char *txq = (char *)BPF_CORE_READ(dev, _tx);
	txq += (__u64)skb->queue_mapping * bpf_core_type_size(struct netdev_queue);
	struct Qdisc *q = 0;
	void *enqueue = 0;
	if (bpf_probe_read_kernel(&q, sizeof(q), txq + bpf_core_field_offset(struct netdev_queue, qdisc)) || !q)
		return false;
	if (bpf_probe_read_kernel(&enqueue, sizeof(enqueue), (char *)q + bpf_core_field_offset(struct Qdisc, enqueue)))
		return false;
	return enqueue == 0;
}

#define PUSHED_FOLLOWED 3 /* beside ack_of_unseen's results */

/* on_dev_queue and on_start_xmit open with the same checks (window open, a traced socket's skb, TCP payload). Each
 * spells them out: moving them into an inline helper that returns the state pointer made the hooks count nothing on
 * 6.18 when it was tried. */
static __always_inline int on_dev_queue(struct sk_buff *skb)
{
	if (!G.active)
		return 0;
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	struct sock_hot *h = hot_of(sk);
	if (!h)
		return 0; /* not a traced socket that wrote */
	__u32 seq, end, ack;
	__u8 fl;
	if (tcp_header(skb, &seq, &end, &fl, &ack) <= 0)
		return 0;
	/* this hook runs under the socket's lock (struct sock_hot): its hot fields are this hook's to change */
	__u32 epoch = G.epoch;
	hot_fresh(h, epoch, sk);
	__u32 q_max = h->q_max;
	if (!after(end, q_max))
		return 0; /* a retransmission: counted by its own hook */
	if (knobs.hide_queue_every && ++h->hide_count % knobs.hide_queue_every == 0)
		return 0; /* testing (struct nl_knobs): as if the kernel had skipped this run */
	/* New data starts where the last new data ended. Bytes between q_max and this skb's start left in a packet
	 * whose net_dev_queue no program saw: a kernel can skip BPF programs unseen (the PID-1 skip of
	 * Availability.caveats()). */
	if (after(seq, q_max))
		__sync_fetch_and_add(&G.lost[NL_L_NO_QUEUE], 1); /* the unseen packet(s): at least one */
	h->q_max = end;
	count_hot(h, sk, 0, 0, 1);
	/* Followed when it may carry a timed write's bytes: one is in progress, or the packet starts before the end of
	 * those already written. Else it is only counted, with no lookup or lock. call_msg first: a write's end
	 * covers it in t_end before it clears call_msg (on_write_end), possibly on another CPU. */
	if (!READ_ONCE_U64(h->call_msg) && !before(seq, READ_ONCE_U32(h->t_end)))
		return 0;
	struct sock_state *s = sock_state_of(sk);
	if (!s)
		return 0; /* a timed write's state is created at its start: given back since, nothing to follow */
	bool noq = no_qdisc(skb);
	__u64 now = bpf_ktime_get_ns();
	__u32 nxt = snd_nxt_of(sk);
	struct pending pd = {};
	int pushed = 0; /* PUSHED_FOLLOWED, or UNSEEN_PUT for a retransmission of data queued unseen */
	bool overflow = false;
	bpf_spin_lock(&s->lock);
	if (owns(s, (__u64)sk)) {
		freshen(s, epoch, nxt, &pd);
		/* A gap before this skb (counted above): this packet covers it too, from q_max, so that the writes
		 * ending in it still get their TOTAL and ACK samples; `seen` says where its queue time starts to apply.
		 * A packet whose bytes all went to the driver before (x_max) is a retransmission of data whose first
		 * net_dev_queue was not seen (TCP's tail loss probe re-sends the last packet): it has no stages of its
		 * own, and stands for that packet as an ACK would (PF_UNSEEN, ack_of_unseen). */
		if (s->p_tail - s->p_head >= knobs.packets_in_flight) {
			overflow = true;
		} else if (after(end, s->x_max)) {
			/* new data only, from q_max: the gap before it too */
			push_packet(s, q_max, after(seq, q_max) ? seq : q_max, end, now, noq ? PF_NOQUEUE : 0);
			pushed = PUSHED_FOLLOWED;
		} else {
			push_packet(s, q_max, end, end, 0, PF_UNSEEN);
			pushed = UNSEEN_PUT;
		}
		s->q_max = end;
	}
	bpf_spin_unlock(&s->lock);
	record_pending(&pd);
	if (pushed) {
		if (after(end, h->t_end))
			WRITE_ONCE_U32(h->t_end, end);
		h->ack_pending = 1;
	}
	if (pushed == UNSEEN_PUT) {
		count_unseen(UNSEEN_PUT, epoch);
	} else if (pushed) {
		enter_packet(epoch);
		count_slot(h, sk, NL_C_TIMED_PACKETS, 1);
		if (noq)
			count_slot(h, sk, NL_C_NOQUEUE_PACKETS, 1);
	}
	if (overflow)
		__sync_fetch_and_add(&G.lost[NL_L_PKT_RING], 1);
	/* no settle() here: SOCKET samples are taken by the next settle (ACK, end of write, state change). Where the
	 * ACK hook is not loaded (knob set by the loader; otherwise the verifier drops this as dead code), a write whose
	 * packet leaves after the call returned, and the last packets' stages, would wait for the socket's next write
	 * or state change: then this hook and device-done settle. */
	if (knobs.settle_at_queue && pushed) {
		struct sbuf b = {};
		settle(s->key, s->lport, s->rport, &b, SETTLE_ROUNDS);
	}
	return 0;
}

static __always_inline int on_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	if (!G.active)
		return 0;
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	struct sock_hot *h = hot_of(sk);
	/* read without a lock (this hook may run on another CPU than the socket's): followed packets all ACKed and no
	 * timed write in progress means this skb carries no followed byte, found without reading its header */
	if (!h || (!READ_ONCE_U64(h->call_msg) && !READ_ONCE_U8(h->ack_pending)))
		return 0;
	__u32 seq, end, ack;
	__u8 fl;
	if (tcp_header(skb, &seq, &end, &fl, &ack) <= 0)
		return 0;
	if (!READ_ONCE_U64(h->call_msg) && !before(seq, READ_ONCE_U32(h->t_end)))
		return 0; /* carries no byte of a followed packet (see on_dev_queue) */
	struct sock_state *s = sock_state_of(sk);
	if (!s)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk);
	struct pending pd = {};
	bool first = false, live;
	int more = 0, more_last = 0;
	bpf_spin_lock(&s->lock);
	live = owns(s, (__u64)sk);
	if (live)
		freshen(s, epoch, nxt, &pd);
	if (live && after(end, s->x_max)) {
		s->x_max = end;
		first = true;
		more = xmit_first_steps(s, end, now, STEPS_INLINE);
		more_last = !more && xmit_last_steps(s, end, now, STEPS_INLINE);
	} else if (live && s->p_xl != s->p_x && !after(s->p[s->p_xl & P_MASK].end, end) &&
		   before(seq, s->p[s->p_xl & P_MASK].end)) {
		/* A retransmission that carries the last bytes of a packet whose first transmission never handed them to
		 * the driver (tbf dropped that GSO skb's last segments; TCP counted them sent): its bytes leave now, so it
		 * stamps that packet's last start_xmit and its device-done ends the packet. Without it, a packet with no
		 * later first transmission before its ACK had no device-done (DEVICE_DONE_NOT_SEEN, 1-2 writes in some
		 * rounds of ExactCountsTest). */
		first = true;
		more_last = xmit_last_steps(s, end, now, STEPS_INLINE);
	}
	bpf_spin_unlock(&s->lock);
	record_pending(&pd);
	/* rare: an skb that covers more packets than the inline steps took */
	if (more) {
		for (int r = 0; more && r < STEP_ROUNDS; r++)
			more = xmit_round(s->key, end, now, 0);
		more_last = 1;
	}
	for (int r = 0; more_last && r < STEP_ROUNDS; r++)
		more_last = xmit_round(s->key, end, now, 1);
	if (first) {
		__u64 skbkey = (__u64)skb;
		struct txskb t = { .sk = (__u64)sk, .end = end };
		__u32 zero = 0;
		struct lo_xmit *lo = (dev->flags & IFF_LOOPBACK) ? bpf_map_lookup_elem(&lo_in_xmit, &zero) : 0;
		if (lo) {
			lo->skb = skbkey;
			lo->t = t;
		} else if (bpf_map_update_elem(&tx_skbs, &skbkey, &t, BPF_NOEXIST) == 0) {
			__sync_fetch_and_add(&G.txskb_inflight, 1);
		}
	}
	/* no settle() here: the QDISC sample carries its own times and is taken by the next settle (device done,
	 * ACK), which keeps this per-packet hook and the verifier's work small */
	return 0;
}

/* An skb handed to a (non-loopback) driver at start_xmit is done: its socket and data end, or 0 if not tracked.
 * Callers check G.txskb_inflight first. */
static __always_inline __u64 take_txskb(struct sk_buff *skb, __u32 *end)
{
	__u64 key = (__u64)skb, sk;
	struct txskb *t = bpf_map_lookup_elem(&tx_skbs, &key);
	if (!t)
		return 0;
	sk = t->sk;
	*end = t->end;
	if (bpf_map_delete_elem(&tx_skbs, &key) == 0)
		__sync_fetch_and_add(&G.txskb_inflight, -1);
	return sk;
}

/* Marks the socket's packets up to `end` as done by the device. */
static __always_inline void device_done(__u64 skkey, __u32 end)
{
	if (!skkey)
		return;
	struct sock_state *s = bpf_map_lookup_elem(&socks, &skkey);
	if (!s)
		return;
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (owns(s, skkey) && s->epoch == epoch)
		more = done_steps(s, end, now, STEPS_INLINE);
	bpf_spin_unlock(&s->lock);
	for (int r = 0; more && r < STEP_ROUNDS; r++)
		more = done_round(skkey, end, now);
	/* no settle() here: DEVICE/TOTAL samples carry their own times and are taken at the ACK (or the end of the
	 * next write), which halves the work on this per-packet path; without the ACK hook, see on_dev_queue */
	if (knobs.settle_at_queue) {
		struct sbuf b = {};
		settle(skkey, s->lport, s->rport, &b, SETTLE_ROUNDS);
	}
}

static __always_inline int on_netif_rx(struct sk_buff *skb)
{
	if (!G.active)
		return 0;
	/* loopback: the skb this CPU's start_xmit is handing over right now (the only place the slot can match) */
	__u32 zero = 0, end = 0;
	struct lo_xmit *lo = bpf_map_lookup_elem(&lo_in_xmit, &zero);
	if (lo && lo->skb == (__u64)skb) {
		lo->skb = 0;
		device_done(lo->t.sk, lo->t.end);
	} else if (G.txskb_inflight) {
		__u64 sk = take_txskb(skb, &end);
		device_done(sk, end);
	}
	return 0;
}

static __always_inline int on_consume_skb(struct sk_buff *skb)
{
	if (!G.active || !G.txskb_inflight)
		return 0;
	__u32 end = 0;
	__u64 sk = take_txskb(skb, &end);
	device_done(sk, end);
	return 0;
}

/*
 * The ACK number TCP acts on for this segment. An ACK that arrives while the socket is owned by a writer goes to
 * the socket's backlog, and tcp_add_backlog() coalesces it into the backlog's last skb: only that skb's
 * TCP_SKB_CB()->ack_seq is moved forward, its header keeps the older ACK number. Read from the header alone, the
 * last ACK of a burst was missed (1 in ~100 runs of 500 writes over veth; bytes_acked complete, the last write's ACK
 * sample never taken). The control block is used when it is plausible: not behind the header, not beyond snd_nxt.
 */
static __always_inline __u32 ack_tcp_acts_on(const struct sk_buff *skb, __u32 hdr_ack, __u32 snd_nxt)
{
	__u32 cb_ack = 0;
	const char *cb = (const char *)skb + bpf_core_field_offset(struct sk_buff, cb);
	if (bpf_probe_read_kernel(&cb_ack, sizeof(cb_ack), cb + bpf_core_field_offset(struct tcp_skb_cb, ack_seq)))
		return hdr_ack;
	return !before(cb_ack, hdr_ack) && !after(cb_ack, snd_nxt) ? cb_ack : hdr_ack;
}

/*
 * Takes an ACK (r: see struct ack_taken) under the state's lock (ack_locked: with ACK_SEEN_UNA, packets up to r->una
 * that no ACK marked are marked ACKed unseen in the same pass), then the packets the inline steps left, in rounds.
 * Counts what it put in the ring for data queued unseen. Returns r->live.
 */
static __always_inline bool take_ack(struct ack_taken *r, __u64 now, __u32 epoch)
{
	ack_locked(r, now);
	__u64 key = r->key;
	if (!r->live)
		return false;
	count_unseen(r->unseen_una, epoch);
	count_unseen(r->unseen, epoch);
	record_pending(&r->pd);
	__u32 unseen = (r->flags & ACK_SEEN_UNA) ? PF_ACK_UNSEEN : 0;
	int more = r->more;
	for (int i = 0; more && i < STEP_ROUNDS; i++)
		more = ack_round(key, r->ack, r->una, unseen, now);
	return true;
}

/* ACKs of an established socket: every incoming segment passes tcp_probe (tcp_rcv_established). */
static __always_inline int on_tcp_probe(struct sock *sk, struct sk_buff *skb, struct sock_hot *h)
{
	/* this hook runs under the socket's lock, as on_dev_queue does: sock_hot's fields are its to change */
	if (!h || !h->ack_pending)
		return 0; /* not traced, or nothing waits for an ACK */
	__u32 seq, end, ack;
	__u8 fl;
	if (tcp_header(skb, &seq, &end, &fl, &ack) < 0 || !(fl & TCP_FLAG_ACK))
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk), una = BPF_CORE_READ((struct tcp_sock *)sk, snd_una);
	ack = ack_tcp_acts_on(skb, ack, nxt);
	if (knobs.hide_ack_every && after(ack, una) && ++h->hide_count % knobs.hide_ack_every == 0)
		return 0; /* testing (struct nl_knobs): as if the kernel had skipped this run, which moves snd_una */
	struct ack_taken r = { .key = (__u64)sk, .ack = ack, .una = una, .nxt = nxt, .q_max = h->q_max,
			       .flags = ACK_FRESHEN | ACK_SEEN_UNA | (h->epoch == epoch ? ACK_UNSEEN : 0) };
	bool live = take_ack(&r, now, epoch);
	__u64 key = r.key;
	h->ack_pending = r.waits; /* 0 also when the state was given back */
	if (!live)
		return 0;
	if (r.unseen || r.unseen_una)
		h->q_max = r.q_max;
	struct sbuf b = {};
	if (settle(key, r.lport, r.rport, &b, ACK_SETTLE_ROUNDS)) {
		struct sock_state *s = sock_state_of(sk);
		if (!s)
			return 0;
		/* initialised here, the first time it is needed (later calls return -EBUSY): the callback is then
		 * verified with this program, which carries the resolver anyway */
		if (bpf_timer_init(&s->settle_later, &socks, CLOCK_MONOTONIC) == 0)
			bpf_timer_set_callback(&s->settle_later, settle_later_cb);
		bpf_timer_start(&s->settle_later, 0, 0);
	}
	return 0;
}

/*
 * Outside ESTABLISHED (after close(), or once the peer closed) ACKs go through tcp_rcv_state_process, which has no
 * tracepoint: state changes and the socket's end take snd_una instead, at the time they happen. Called by the
 * state-change and destroy programs. Leaving ESTABLISHED, every ACK the socket had passed tcp_probe: data up to
 * snd_una that none marked as ACKed was ACKed by a run no program saw (ACK_SEEN_UNA), where the ACK hook is loaded.
 */
static __always_inline void ack_from_snd_una(const struct sock *sk, bool left_established)
{
	struct sock_hot *h = hot_of(sk);
	__u32 epoch = G.epoch, una = BPF_CORE_READ((struct tcp_sock *)sk, snd_una);
	bool fresh = h && h->epoch == epoch;
	struct ack_taken r = { .key = (__u64)sk, .ack = una, .una = una, .q_max = fresh ? h->q_max : 0,
			       .flags = (fresh ? ACK_UNSEEN : 0) |
					(left_established && !knobs.settle_at_queue ? ACK_SEEN_UNA : 0) };
	__u64 now = bpf_ktime_get_ns();
	if (!take_ack(&r, now, epoch))
		return;
	if ((r.unseen || r.unseen_una) && h)
		h->q_max = r.q_max;
	struct sbuf b = {};
	settle(r.key, r.lport, r.rport, &b, SETTLE_ROUNDS);
}

#endif


