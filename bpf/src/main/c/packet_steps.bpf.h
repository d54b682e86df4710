/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Stamping packets of a socket's ring as they reach the driver, the device's end and the ACK. */
#ifndef NETLAT_PACKET_STEPS_BPF_H
#define NETLAT_PACKET_STEPS_BPF_H
#include "samples.bpf.h"

/*
 * Loops over packets run a few steps inline, under the lock the event already holds (the common case is one or two
 * packets), and continue, when there is more, in rounds of a global function that takes the lock again. The
 * verifier then checks a short loop per program instead of unrolling P_SLOTS iterations in each: this is what keeps
 * the first start() fast.
 */
#define STEPS_INLINE 4
#define STEPS_ROUND 32
#define STEP_ROUNDS (P_SLOTS / STEPS_ROUND + 1)

/* Stamps the packets an skb ending at `end` starts handing to the driver (t_xmit, first segment).
 * Returns whether more remain. */
static __always_inline int xmit_first_steps(struct sock_state *s, __u32 end, __u64 now, int max)
{
	for (int i = 0; i < max; i++) {
		if (s->p_x == s->p_tail)
			return 0;
		struct pslot *P = &s->p[s->p_x & P_MASK];
		if (!before(P->seq, end))
			return 0;
		if (!P->t_xmit)
			P->t_xmit = now;
		s->p_x++;
	}
	return s->p_x != s->p_tail && before(s->p[s->p_x & P_MASK].seq, end);
}

/* Stamps the packets whose last byte an skb ending at `end` hands to the driver (t_xlast: tbf splits GSO skbs). */
static __always_inline int xmit_last_steps(struct sock_state *s, __u32 end, __u64 now, int max)
{
	for (int i = 0; i < max; i++) {
		if (s->p_xl == s->p_x)
			return 0;
		struct pslot *P = &s->p[s->p_xl & P_MASK];
		if (after(P->end, end))
			return 0;
		if (!P->t_xlast)
			P->t_xlast = now;
		s->p_xl++;
	}
	return s->p_xl != s->p_x && !after(s->p[s->p_xl & P_MASK].end, end);
}

/* One loop per call (`last` picks which): two loops in a row would multiply the verifier's states. */
__noinline int xmit_round(__u64 key, __u32 end, __u64 now, int last)
{
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && s->epoch == epoch)
		more = last ? xmit_last_steps(s, end, now, STEPS_ROUND) : xmit_first_steps(s, end, now, STEPS_ROUND);
	bpf_spin_unlock(&s->lock);
	return more;
}

/* Marks packets up to `end` done by the device. Returns whether more remain. */
static __always_inline int done_steps(struct sock_state *s, __u32 end, __u64 now, int max)
{
	for (int i = 0; i < max; i++) {
		if (s->p_d == s->p_x)
			return 0;
		struct pslot *P = &s->p[s->p_d & P_MASK];
		if (after(P->end, end))
			return 0;
		P->t_done = now;
		s->p_d++;
	}
	return s->p_d != s->p_x && !after(s->p[s->p_d & P_MASK].end, end);
}

/* done_round and ack_round have xmit_round's shape on purpose: a BPF global function takes scalars only and is
 * verified once, on its own, and BPF has no function pointers to pass the steps in, so each step kind has its round. */
__noinline int done_round(__u64 key, __u32 end, __u64 now)
{
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && s->epoch == epoch)
		more = done_steps(s, end, now, STEPS_ROUND);
	bpf_spin_unlock(&s->lock);
	return more;
}

/*
 * Marks packets covered by the cumulative ACK `ack` as ACKed; with `unseen` (PF_ACK_UNSEEN), those ending by
 * `unseen_to` were ACKed by an ACK no program saw, so `now` is only an upper bound of when (ack_locked). An ACKed
 * packet is past the device: stages whose events were not seen are given up in resolve(). Returns whether more remain.
 */
static __always_inline int ack_steps(struct sock_state *s, __u32 ack, __u32 unseen_to, __u32 unseen, __u64 now,
				     int max)
{
	for (int i = 0; i < max; i++) {
		if (s->p_a == s->p_tail)
			return 0;
		struct pslot *P = &s->p[s->p_a & P_MASK];
		if (after(P->end, ack))
			return 0;
		P->t_ack = now;
		if (!after(P->end, unseen_to))
			P->flags |= unseen;
		if (s->p_x == s->p_a)
			s->p_x++;
		if (s->p_xl == s->p_a)
			s->p_xl++;
		if (s->p_d == s->p_a)
			s->p_d++;
		s->p_a++;
	}
	return s->p_a != s->p_tail && !after(s->p[s->p_a & P_MASK].end, ack);
}

/* Puts a packet at the ring's tail (the caller checked there is room), its stages not begun. Under the lock. */
static __always_inline void push_packet(struct sock_state *s, __u32 seq, __u32 seen, __u32 end, __u64 t_queue,
					__u32 flags)
{
	struct pslot *P = &s->p[s->p_tail & P_MASK];
	P->seq = seq;
	P->seen = seen;
	P->end = end;
	P->t_queue = t_queue;
	P->t_xmit = 0;
	P->t_xlast = 0;
	P->t_done = 0;
	P->t_ack = 0;
	P->flags = flags;
	s->p_tail++;
}

/* A pushed packet's QDISC, DEVICE and RTT samples are begun: readers wait for them (resolve records or skips each). */
static __always_inline void enter_packet(__u32 epoch)
{
	__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_QDISC], 1);
	__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_DEVICE], 1);
	__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_RTT], 1);
}

/*
 * An ACK beyond all data whose net_dev_queue was seen (`*q_max`, the socket's sock_hot.q_max), while a timed write is
 * in progress or waits for its last packet beyond the followed data: the packet(s) carrying those bytes were queued
 * unseen (a kernel can skip programs unseen: the PID-1 skip). A later packet would show the gap (on_dev_queue), but
 * none may come: the ACK stands for them instead. A packet from q_max to the ACK (no further than the waiting write's
 * end when no write is in progress: a FIN's sequence number carries no data) is put in the ring, flagged PF_UNSEEN,
 * for the caller's ack_steps to ACK: the writes ending in it get their ACK sample and lose SOCKET and TOTAL as
 * QUEUE_NOT_SEEN; its own QDISC, DEVICE and RTT have no times and are skipped. Called with the lock held, under the
 * socket's lock (the ACK and state-change hooks), which keeps sock_hot.q_max the caller's to move to `*q_max` after.
 * Returns UNSEEN_PUT, UNSEEN_RING_FULL (the writes then lose their samples as PACKET_RING_FULL) or 0.
 */
#define UNSEEN_PUT       1
#define UNSEEN_RING_FULL 2

static __always_inline int ack_of_unseen(struct sock_state *s, __u32 *q_max, __u32 ack)
{
	__u32 q = after(*q_max, s->q_max) ? *q_max : s->q_max, end = ack;
	if (!after(ack, q))
		return 0;
	if (!s->call_msg) {
		if (s->w_q == s->w_tail)
			return 0;
		__u32 w_end = s->w[(s->w_tail - 1) & W_MASK].end;
		if (!after(w_end, q))
			return 0;
		if (before(w_end, end))
			end = w_end;
	}
	s->q_max = end;
	*q_max = end;
	if (s->p_tail - s->p_head >= knobs.packets_in_flight)
		return UNSEEN_RING_FULL;
	push_packet(s, q, end, end, 0, PF_UNSEEN); /* no byte of it was seen queued */
	return UNSEEN_PUT;
}

/*
 * Whether the socket still waits for an ACK: a timed write in progress, a followed packet not ACKed, or a timed write
 * whose last packet is not queued yet (or was queued unseen: ack_of_unseen). Decided under the lock, by the ACK hook,
 * which alone clears sock_hot.ack_pending: a write that starts sets it (both hold the socket's lock), and a write that
 * ends outside the socket's lock was in progress or is waiting when this is decided, in whichever order the two take
 * the state's lock.
 */
static __always_inline bool awaits_ack(struct sock_state *s)
{
	return s->call_msg || s->p_a != s->p_tail ||
	       (s->w_q != s->w_tail && after(s->w[(s->w_tail - 1) & W_MASK].end, s->q_max));
}

/* What ack_locked found and did, for its caller to finish after the lock. */
struct ack_taken {
	__u64 key;         /* in: the struct sock *, passed in memory (a global function takes no pointer as a scalar);
			    * a scalar to the verifier after the call, as the later calls with it need */
	__u32 ack;         /* in: the cumulative ACK; out: where the packets are ACKed to, the later of it and `una` */
	__u32 una;         /* in, with ACK_SEEN_UNA: snd_una before this ACK, which only ACKs a program saw moved */
	__u32 nxt;         /* in: snd_nxt, for freshen */
	__u32 flags;       /* in: ACK_FRESHEN, ACK_UNSEEN, ACK_SEEN_UNA */
	__u32 q_max;       /* in: the socket's sock_hot.q_max; out: past the data the ACK showed queued unseen */
	struct pending pd; /* work of an earlier period, given up (freshen) */
	__u16 lport;       /* out: the state's ports, as it recorded them (a closing socket's local port is 0 already) */
	__u16 rport;
	__u8 live;         /* the state was the socket's own, and of a period the call may touch */
	__u8 unseen;       /* ack_of_unseen's result for this ACK */
	__u8 unseen_una;   /* and for the ACKs no program saw (up to `una`) */
	__u8 more;         /* packets left to ACK (ack_round), up to `ack` */
	__u8 waits;        /* awaits_ack() after this ACK */
};

#define ACK_FRESHEN  1 /* the ACK hook: a state of an earlier period is reset (freshen), not left alone */
#define ACK_UNSEEN   2 /* r->q_max is of the current period: look for data queued unseen (ack_of_unseen) */
#define ACK_SEEN_UNA 4 /* r->una is where the ACKs some program saw end: packets up to it still not ACKed were ACKed by
			* one whose tcp_probe run the kernel skipped (a recursion miss, or the PID-1 skip) */

/*
 * The part of an ACK that holds the state's lock. A global function, verified once and with a stack frame of its own
 * beside the resolver's call chain, whose combined stack 6.1 bounds at 512 bytes: inlined in the ACK hook, its
 * spills took that chain to 544 there.
 *
 * Every ACK an ESTABLISHED socket gets passes tcp_probe before TCP acts on it, so snd_una there is where the ACKs
 * before it left the socket. Packets up to it that no ACK marked were ACKed by a run no program saw: the same pass
 * that takes this ACK marks them PF_ACK_UNSEEN (their ACK and RTT samples are lost as ACK_NOT_SEEN rather than timed
 * by this later ACK). Data queued unseen is put in the ring first, up to `una` and then up to `ack`, so that each
 * part is ACKed as it was. On return r->ack is where the pass (and its rounds) stop, the later of the two.
 */
__noinline int ack_locked(struct ack_taken *r, __u64 now)
{
	if (!r)
		return 0;
	__u64 key = r->key;
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch, q_max = r->q_max, ack = r->ack, una = r->una, flags = r->flags;
	__u32 unseen = (flags & ACK_SEEN_UNA) ? PF_ACK_UNSEEN : 0;
	if (unseen && after(una, ack))
		ack = una; /* an old ACK: the unseen ones still moved snd_una */
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && ((flags & ACK_FRESHEN) || s->epoch == epoch)) {
		r->live = 1;
		r->lport = s->lport;
		r->rport = s->rport;
		freshen(s, epoch, r->nxt, &r->pd);
		if ((flags & ACK_UNSEEN) && (flags & ACK_SEEN_UNA))
			r->unseen_una = ack_of_unseen(s, &q_max, una);
		if (flags & ACK_UNSEEN)
			r->unseen = ack_of_unseen(s, &q_max, ack);
		r->more = ack_steps(s, ack, una, unseen, now, STEPS_INLINE);
		r->waits = awaits_ack(s);
	}
	bpf_spin_unlock(&s->lock);
	r->q_max = q_max;
	r->ack = ack;
	return 0;
}

/* What the caller counts after the lock for ack_of_unseen's result (or on_dev_queue's for a retransmission). */
static __always_inline void count_unseen(int unseen, __u32 epoch)
{
	if (!unseen)
		return;
	__sync_fetch_and_add(&G.lost[NL_L_NO_QUEUE], 1);
	if (unseen == UNSEEN_RING_FULL)
		__sync_fetch_and_add(&G.lost[NL_L_PKT_RING], 1);
	else
		enter_packet(epoch);
}

__noinline int ack_round(__u64 key, __u32 ack, __u32 unseen_to, __u32 unseen, __u64 now)
{
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && s->epoch == epoch)
		more = ack_steps(s, ack, unseen_to, unseen & PF_ACK_UNSEEN, now, STEPS_ROUND);
	bpf_spin_unlock(&s->lock);
	return more;
}

#endif
