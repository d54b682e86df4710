/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Resolving ("settling") samples: per-write stages advance as far as their packets' stamps allow. Runs at the end of a
 * write, at state changes, at ACKs (a bounded part) and in the socket's timer (the rest).
 */
#ifndef NETLAT_RESOLVE_BPF_H
#define NETLAT_RESOLVE_BPF_H
#include "samples.bpf.h"

/*
 * Advance the per-write stages as far as the packets allow. Writes are resolved in order; `scan` walks the
 * packet ring to the packet holding the next write's last byte.
 */
/* Whether resolve() stopped at a loop bound with work it could still do: then settle() runs another round. */
static __always_inline int work_left(struct sock_state *s)
{
	if (s->e_x != s->p_x || s->e_d != s->p_d || s->e_a != s->p_a)
		return 1;
	if (s->w_q != s->w_tail) {
		/* a write waits for its packet: there are packets to look at, or it was queued unrecorded */
		if (s->scan != s->p_tail || !after(s->w[s->w_q & W_MASK].end, s->q_max))
			return 1;
	} else if (s->scan != s->p_tail) {
		__u32 frontier = s->call_msg ? s->call_seq0 : s->q_max;
		if (!after(s->p[s->scan & P_MASK].end, frontier))
			return 1;
	}
	if (s->w_d != s->w_q) {
		struct wslot *W = &s->w[s->w_d & W_MASK];
		if (W->pidx == NO_PACKET)
			return 1;
		struct pslot *P = &s->p[W->pidx & P_MASK];
		if (P->t_done || P->t_ack)
			return 1;
	}
	if (s->w_a != s->w_q) {
		struct wslot *W = &s->w[s->w_a & W_MASK];
		if (W->pidx == NO_PACKET || s->p[W->pidx & P_MASK].t_ack)
			return 1;
	}
	return 0;
}

static __always_inline int resolve(struct sock_state *s, struct sbuf *b)
{
	/* per-packet stages: the event handlers only stamp packets; samples are taken here */
	for (int i = 0; i < SBUF; i++) {
		if (s->e_x == s->p_x || sb_full(b))
			break;
		__u32 idx = s->e_x & P_MASK;
		struct pslot *P = &s->p[idx];
		if (P->flags & (PF_NOQUEUE | PF_UNSEEN))
			sb_skip(b, NL_HIST_QDISC);
		else if (!P->t_xmit)
			sb_lost(b, NL_HIST_QDISC, NL_L_NO_XMIT);
		else
			sb_sample(b, NL_HIST_QDISC, P->t_xmit, P->t_queue);
		s->e_x++;
	}
	for (int i = 0; i < SBUF; i++) {
		if (s->e_d == s->p_d || sb_full(b))
			break;
		struct pslot *P = &s->p[s->e_d & P_MASK];
		if (P->flags & PF_UNSEEN)
			sb_skip(b, NL_HIST_DEVICE);
		else if (!P->t_done || !P->t_xmit)
			sb_lost(b, NL_HIST_DEVICE, NL_L_NO_DONE);
		else
			sb_sample(b, NL_HIST_DEVICE, P->t_done, P->t_xlast ? P->t_xlast : P->t_xmit);
		s->e_d++;
	}
	for (int i = 0; i < SBUF; i++) {
		if (s->e_a == s->p_a || sb_full(b))
			break;
		struct pslot *P = &s->p[s->e_a & P_MASK];
		if (P->flags & PF_UNSEEN)
			sb_skip(b, NL_HIST_RTT);
		else if (P->flags & PF_ACK_UNSEEN)
			sb_lost(b, NL_HIST_RTT, NL_L_NO_ACK);
		else
			sb_sample(b, NL_HIST_RTT, P->t_ack, P->t_queue);
		s->e_a++;
	}

	__u32 frontier = s->call_msg ? s->call_seq0 : s->q_max;

	for (int i = 0; i < 24; i++) {
		if (sb_full(b))
			break;
		if (s->w_q == s->w_tail) {
			/* no write waits for its packet: skip packets no later write can end in */
			if (s->scan == s->p_tail)
				break;
			struct pslot *P = &s->p[s->scan & P_MASK];
			if (after(P->end, frontier))
				break;
			s->scan++;
			continue;
		}
		struct wslot *W = &s->w[s->w_q & W_MASK];
		__u32 last = W->end - 1;
		if (s->scan == s->p_tail) {
			if (after(W->end, s->q_max))
				break; /* not queued yet */
			/* queued, but its packet was not recorded (packet ring was full) */
			W->pidx = NO_PACKET;
			sb_lost(b, NL_HIST_SOCKET, NL_L_NO_PACKET);
			s->w_q++;
			continue;
		}
		struct pslot *P = &s->p[s->scan & P_MASK];
		if (!after(P->end, last)) {
			s->scan++;
			continue;
		}
		if (after(P->seq, last)) {
			W->pidx = NO_PACKET;
			sb_lost(b, NL_HIST_SOCKET, NL_L_NO_PACKET);
			s->w_q++;
			continue;
		}
		W->pidx = s->scan;
		if (before(last, P->seen))
			sb_lost(b, NL_HIST_SOCKET, NL_L_NO_QUEUE);
		else
			sb_sample(b, NL_HIST_SOCKET, P->t_queue, W->t_call);
		s->w_q++;
	}

	for (int i = 0; i < SBUF; i++) {
		if (s->w_d == s->w_q || sb_full(b))
			break;
		struct wslot *W = &s->w[s->w_d & W_MASK];
		if (W->pidx == NO_PACKET) {
			sb_lost(b, NL_HIST_TOTAL, NL_L_NO_PACKET);
		} else {
			struct pslot *P = &s->p[W->pidx & P_MASK];
			if (P->flags & PF_UNSEEN)
				sb_lost(b, NL_HIST_TOTAL, NL_L_NO_QUEUE);
			else if (P->t_done)
				sb_sample(b, NL_HIST_TOTAL, P->t_done, W->t_call);
			else if (P->t_ack)
				sb_lost(b, NL_HIST_TOTAL, NL_L_NO_DONE);
			else
				break;
		}
		s->w_d++;
	}

	for (int i = 0; i < SBUF; i++) {
		if (s->w_a == s->w_q || sb_full(b))
			break;
		struct wslot *W = &s->w[s->w_a & W_MASK];
		if (W->pidx == NO_PACKET) {
			sb_lost(b, NL_HIST_ACK, NL_L_NO_PACKET);
		} else {
			struct pslot *P = &s->p[W->pidx & P_MASK];
			if (!P->t_ack)
				break;
			if (P->flags & PF_ACK_UNSEEN)
				sb_lost(b, NL_HIST_ACK, NL_L_NO_ACK);
			else
				sb_sample(b, NL_HIST_ACK, P->t_ack, W->t_call);
		}
		s->w_a++;
	}

	/* free ACKed packets that no pending write refers to */
	__u32 limit = s->scan;
	__u32 oldest = (s->w_q - s->w_d) > (s->w_q - s->w_a) ? s->w_d : s->w_a;
	if (oldest != s->w_q) {
		__u32 pidx = s->w[oldest & W_MASK].pidx;
		limit = pidx == NO_PACKET ? s->p_head : pidx;
	}
	for (int i = 0; i < 32; i++) {
		if (s->p_head == s->p_tail || (__s32)(s->p_head - limit) >= 0 || (__s32)(s->p_head - s->e_a) >= 0 ||
		    (__s32)(s->p_head - s->e_x) >= 0 || (__s32)(s->p_head - s->e_d) >= 0)
			break;
		s->p_head++;
	}
	return work_left(s);
}

__noinline int resolve_round(__u64 key, struct sbuf *b)
{
	if (!b)
		return 0;
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && s->epoch == epoch) {
		b->epoch = epoch;
		more = resolve(s, b) || sb_full(b);
	}
	bpf_spin_unlock(&s->lock);
	sb_record(s->lport, s->rport, b); /* empty when the state was not its own */
	return more;
}

struct settle_ctx {
	__u64 key;
	struct sbuf *b;
	int more;
};

static long settle_step(__u64 i, struct settle_ctx *c)
{
	c->more = resolve_round(c->key, c->b);
	return c->more ? 0 : 1;
}

/* Enough rounds for everything: a round takes at most SBUF - 3 samples, full rings hold W_SLOTS writes and P_SLOTS
 * packets with three samples each; bpf_loop's verifier cost does not depend on the bound. */
#define SETTLE_ROUNDS (W_SLOTS * 3 / (SBUF - 3) + P_SLOTS * 3 / (SBUF - 3) + 16)

/* Resolves what can be resolved now, in at most `rounds` rounds; returns whether work is left. */
__noinline int settle(__u64 key, __u16 lport, __u16 rport, struct sbuf *b, __u32 rounds)
{
	if (!b)
		return 0;
	sb_record(lport, rport, b);
	struct settle_ctx c = { .key = key, .b = b, .more = 0 };
	bpf_loop(rounds, settle_step, &c, 0);
	return c.more;
}

/* Whether nothing of the socket is in flight: no timed write in progress, every write and packet resolved. */
static __always_inline bool quiet(struct sock_state *s)
{
	return !s->call_msg && s->w_q == s->w_tail && s->w_d == s->w_tail && s->w_a == s->w_tail &&
	       s->p_head == s->p_tail;
}

/*
 * Gives the state back (marks it dead under its lock, then deletes it from `socks`): always (`force`: its socket is
 * gone), or when its socket wrote nothing for NL_RELEASE_NS and has nothing in flight, or the state belongs to no open
 * window (an earlier tracing period, or none open). Pending work is given up as freshen would. The socket's next
 * write creates a new state.
 */
static __always_inline void give_back(struct sock_state *s, __u64 key, bool force)
{
	/* read before the lock: a busy_ns stamped while this waited for it is later, hence the signed difference */
	__u64 now = bpf_ktime_get_ns();
	struct pending pd = {};
	bool release = false;
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && (force || ((__s64)(now - s->busy_ns) >= (__s64)NL_RELEASE_NS &&
				       (quiet(s) || s->epoch != (__u32)G.epoch || !G.active)))) {
		take_pending(s, &pd); /* nothing when quiet */
		s->dead = 1;
		release = true;
	}
	bpf_spin_unlock(&s->lock); /* not owned: someone else is giving it back right now */
	if (release) {
		record_pending(&pd);
		bpf_map_delete_elem(&socks, &key);
	}
}

/* The sweeper's look at one state. */
static long release_if_quiet(void *map, __u64 *k, struct sock_state *elem, void *ctx)
{
	__u64 key = *k;
	/* looked up again rather than locked through the callback's argument, which 6.1's verifier does not track as
	 * a lockable map value ("bpf_spin_unlock without taking a lock") */
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (s)
		give_back(s, key, false);
	return 0;
}

/* Every NL_RELEASE_NS while a window is open or a state is left; then it stops, and the next new state starts it. */
static int sweep(void *map, __u32 *key, struct sweeper *w)
{
	w->swept_ns = bpf_ktime_get_ns();
	long states = bpf_for_each_map_elem(&socks, release_if_quiet, 0, 0);
	if (states > 0 || G.active)
		bpf_timer_start(&w->timer, NL_RELEASE_NS, 0);
	else
		w->swept_ns = 0; /* stopped: the next write starts it at once */
	return 0;
}

/*
 * Keeps the sweeper running: started with the first state, and again by a new state when it has not run for three
 * periods (it stopped with no state left, its start failed, or the kernel skipped its callback).
 */
static __always_inline void keep_sweeping(__u64 now)
{
	__u32 zero = 0;
	struct sweeper *w = bpf_map_lookup_elem(&sweeper, &zero);
	if (!w || now - w->swept_ns < 3 * NL_RELEASE_NS)
		return;
	w->swept_ns = now; /* one start per period, also when it fails */
	long err = bpf_timer_init(&w->timer, &sweeper, CLOCK_MONOTONIC);
	if (err == 0)
		bpf_timer_set_callback(&w->timer, sweep);
	bpf_timer_start(&w->timer, NL_RELEASE_NS, 0);
}

/* The socket's timer: settles what its ACK hook left, in the timer's softirq instead of inside the ACK. */
static int settle_later_cb(void *map, __u64 *key, struct sock_state *s)
{
	struct sbuf b = {};
	settle(*key, s->lport, s->rport, &b, SETTLE_ROUNDS);
	return 0;
}

/*
 * Rounds of resolving an ACK's hook does itself (~13 samples each). It runs inside the kernel's processing of that
 * ACK: one stretch ACK on loopback can cover ~70 writes, and resolving them all there took 100-150 us, which delayed
 * TCP's own handling of the ACK (its TX_ACK timestamps showed it) and everything it clocks out.
 */
#define ACK_SETTLE_ROUNDS 2

#endif
