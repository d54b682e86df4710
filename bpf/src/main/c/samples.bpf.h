/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Samples buffered under a socket's lock and recorded after it (no helper may be called while holding it), and the
 * pending work of a socket whose state is given up (socket destroyed, tracing restarted).
 */
#ifndef NETLAT_SAMPLES_BPF_H
#define NETLAT_SAMPLES_BPF_H
#include "record.bpf.h"

#define SBUF 16
#define SB_LOST (1ULL << 63)
#define SB_SKIP (1ULL << 62)
#define SB_VAL_MASK ((1ULL << 56) - 1)
#define NO_PACKET 0xffffffffU

struct sbuf {
	__u32 n;
	__u32 epoch; /* tracing period the samples belong to (set under the lock, with them) */
	__u64 v[SBUF];
};

static __always_inline void sb_put(struct sbuf *b, __u64 v)
{
	__u32 n = b->n;
	if (n < SBUF) {
		b->n = n + 1;
		asm volatile("" : "+r"(n)); /* keeps the mask below, which the verifier needs */
		b->v[n & (SBUF - 1)] = v;
	}
}

static __always_inline void sb_sample(struct sbuf *b, __u32 hist, __u64 now, __u64 then)
{
	__u64 d = now > then ? now - then : 0;
	sb_put(b, ((__u64)hist << 56) | (d & SB_VAL_MASK));
}

static __always_inline void sb_lost(struct sbuf *b, __u32 hist, __u32 cause)
{
	sb_put(b, SB_LOST | ((__u64)hist << 56) | cause);
}

static __always_inline void sb_skip(struct sbuf *b, __u32 hist)
{
	sb_put(b, SB_SKIP | ((__u64)hist << 56));
}

static __always_inline bool sb_full(struct sbuf *b)
{
	return b->n >= SBUF - 3; /* one step may put up to three entries */
}

__noinline int sb_record(__u16 lport, __u16 rport, struct sbuf *b)
{
	if (!b)
		return 0;
	for (int i = 0; i < SBUF; i++) {
		if (i >= b->n)
			break;
		__u64 v = b->v[i & (SBUF - 1)];
		__u32 hist = (v >> 56) & 0xf;
		if (v & SB_LOST)
			record_lost(hist, v & 0xff, b->epoch);
		else if (v & SB_SKIP)
			__sync_fetch_and_add(&G.completed[b->epoch & 1][hist & 7], 1);
		else
			record_sample(lport, rport, hist, v & SB_VAL_MASK, b->epoch);
	}
	b->n = 0;
	return 0;
}

/*
 * Pending work of a socket whose state is dropped (socket destroyed, or tracing restarted): given up, counted as
 * incomplete so that readers waiting for the stages do not wait for them. Called under the lock.
 */
struct pending {
	__u32 n[NL_HISTS];
	__u32 epoch; /* the tracing period they belong to */
};

static __always_inline void take_pending(struct sock_state *s, struct pending *pd)
{
	pd->epoch = s->epoch;
	pd->n[NL_HIST_SOCKET] = s->w_tail - s->w_q;
	pd->n[NL_HIST_TOTAL] = s->w_tail - s->w_d;
	pd->n[NL_HIST_ACK] = s->w_tail - s->w_a;
	pd->n[NL_HIST_QDISC] = s->p_tail - s->e_x;
	pd->n[NL_HIST_DEVICE] = s->p_tail - s->e_d;
	pd->n[NL_HIST_RTT] = s->p_tail - s->e_a;
}

static __always_inline void record_pending(struct pending *pd)
{
	/* pending work of an earlier period (state reset by freshen) is only counted: nobody waits for it any more,
	 * and its period's row may already belong to a later period */
	bool current = pd->epoch == (__u32)G.epoch;
	__u64 total = 0;
	for (int h = 0; h < NL_HISTS; h++) {
		if (pd->n[h]) {
			if (current)
				__sync_fetch_and_add(&G.completed[pd->epoch & 1][h], pd->n[h]);
			total += pd->n[h];
		}
	}
	if (total)
		add_counter(NL_C_INCOMPLETE, total);
}

/* Forget everything of an earlier tracing period: the socket starts afresh at its current snd_nxt. */
static __always_inline void reset_state(struct sock_state *s, __u32 epoch, __u32 snd_nxt)
{
	s->epoch = epoch;
	s->call_msg = 0;
	s->q_max = snd_nxt;
	s->x_max = snd_nxt;
	s->w_q = s->w_d = s->w_a = s->w_tail;
	s->p_head = s->p_x = s->p_xl = s->p_d = s->p_a = s->scan = s->p_tail;
	s->e_x = s->e_d = s->e_a = s->p_tail;
}

/* Called with the lock held: state of an earlier tracing period is given up before use. */
static __always_inline void freshen(struct sock_state *s, __u32 epoch, __u32 snd_nxt, struct pending *pd)
{
	if (s->epoch != epoch) {
		take_pending(s, pd);
		reset_state(s, epoch, snd_nxt);
	}
}

#endif
