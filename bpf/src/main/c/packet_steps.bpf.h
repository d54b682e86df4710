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
 * Marks packets covered by the cumulative ACK `ack` as ACKed. An ACKed packet is past the device: stages whose
 * events were not seen are given up in resolve(). Returns whether more remain.
 */
static __always_inline int ack_steps(struct sock_state *s, __u32 ack, __u64 now, int max)
{
	for (int i = 0; i < max; i++) {
		if (s->p_a == s->p_tail)
			return 0;
		struct pslot *P = &s->p[s->p_a & P_MASK];
		if (after(P->end, ack))
			return 0;
		P->t_ack = now;
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

__noinline int ack_round(__u64 key, __u32 ack, __u64 now)
{
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (owns(s, key) && s->epoch == epoch)
		more = ack_steps(s, ack, now, STEPS_ROUND);
	bpf_spin_unlock(&s->lock);
	return more;
}

#endif
