/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Per-stage transmit latency of traced sockets (dev.netlat.Stage):
 *   write call (tcp_sendmsg_locked) -> net_dev_queue -> net_dev_start_xmit -> netif_rx | consume_skb -> ACK (tcp_probe)
 *
 * Whether a socket is traced is decided in process context, at the write (the pid in softirq is meaningless), and
 * remembered in `socks`. Every later stage finds the socket through skb->sk (queue, start_xmit), the skb address
 * recorded at start_xmit (device done: loopback orphans the skb), or the tracepoint's sk (ACK).
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
#include "state.bpf.h"

#define SBUF 16
#define SB_LOST (1ULL << 63)
#define SB_SKIP (1ULL << 62)
#define SB_VAL_MASK ((1ULL << 56) - 1)
#define NO_PACKET 0xffffffffU

/* The write in progress of this thread (msghdr, socket): lets later loop rounds of a write skip the socket lookup.
 * Task-local, not per-CPU: a write can sleep and resume on another CPU. */
struct call_cache {
	__u64 msg;
	__u64 sk;
	__u64 epoch; /* a cache entry of an earlier tracing period never matches */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct call_cache);
} current_call SEC(".maps");

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
		__sync_fetch_and_add(&G.counters[NL_C_INCOMPLETE], total);
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
		if (P->flags & PF_NOQUEUE)
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
		if (!P->t_done || !P->t_xmit)
			sb_lost(b, NL_HIST_DEVICE, NL_L_NO_DONE);
		else
			sb_sample(b, NL_HIST_DEVICE, P->t_done, P->t_xlast ? P->t_xlast : P->t_xmit);
		s->e_d++;
	}
	for (int i = 0; i < SBUF; i++) {
		if (s->e_a == s->p_a || sb_full(b))
			break;
		struct pslot *P = &s->p[s->e_a & P_MASK];
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
			if (P->t_done)
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
	if (s->epoch == epoch) {
		b->epoch = epoch;
		more = resolve(s, b) || sb_full(b);
	}
	bpf_spin_unlock(&s->lock);
	sb_record(s->lport, s->rport, b);
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

static __always_inline __u32 snd_nxt_of(struct sock *sk)
{
	return BPF_CORE_READ((struct tcp_sock *)sk, snd_nxt);
}

static __always_inline struct sock_state *create_state(struct sock *sk)
{
	__u64 key = (__u64)sk;
	__u32 zero = 0;
	struct sock_state_bytes *tmpl = bpf_map_lookup_elem(&sock_template, &zero);
	if (!tmpl)
		return 0;
	trace_socket(sk, false);
	long err = bpf_map_update_elem(&socks, &key, tmpl, BPF_NOEXIST);
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s) {
		__sync_fetch_and_add(&G.lost[NL_L_SOCKS_FULL], 1);
		return 0;
	}
	if (err == 0) {
		s->key = key;
		s->lport = sk->__sk_common.skc_num;
		s->rport = bpf_ntohs(sk->__sk_common.skc_dport);
		s->family = sk->__sk_common.skc_family;
		__u32 nxt = snd_nxt_of(sk), epoch = G.epoch;
		bpf_spin_lock(&s->lock);
		reset_state(s, epoch, nxt);
		bpf_spin_unlock(&s->lock);
		__sync_fetch_and_add(&G.counters[NL_C_SOCKETS], 1);
	}
	return s;
}

/* Called with the lock held: state of an earlier tracing period is given up before use. */
static __always_inline void freshen(struct sock_state *s, __u32 epoch, __u32 snd_nxt, struct pending *pd)
{
	if (s->epoch != epoch) {
		take_pending(s, pd);
		reset_state(s, epoch, snd_nxt);
	}
}

/* A write call starts (the first time its hook fires for this call: the tracepoint fires once per loop round). */
static __always_inline int on_write_start(struct sock *sk, struct msghdr *msg)
{
	if (!G.active)
		return 0;
	/* the hook fires once per loop round of a write: later rounds of the same write stop here, cheaply */
	struct call_cache *cc = bpf_task_storage_get(&current_call, bpf_get_current_task_btf(), 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (cc && cc->msg == (__u64)msg && cc->sk == (__u64)sk && cc->epoch == G.epoch)
		return 0;
	if (!in_scope())
		return 0;
	struct sock_state *s = sock_state_of(sk);
	if (!s)
		s = create_state(sk);
	if (!s || s->call_msg == (__u64)msg)
		return 0; /* not traceable, or a later loop round of the same write */
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk), seq0 = BPF_CORE_READ((struct tcp_sock *)sk, write_seq);
	struct pending pd = {};
	bpf_spin_lock(&s->lock);
	freshen(s, epoch, nxt, &pd);
	s->call_msg = (__u64)msg;
	s->call_start = now;
	s->call_seq0 = seq0;
	bpf_spin_unlock(&s->lock);
	if (cc) {
		cc->msg = (__u64)msg;
		cc->sk = (__u64)sk;
		cc->epoch = epoch;
	}
	record_pending(&pd);
	return 0;
}

/* A write call returned `ret` (bytes written, or a negative errno). */
static __always_inline int on_write_end(struct sock *sk, int ret)
{
	/* the write is over, also when no window is open any more: the next write may reuse the msghdr address */
	struct call_cache *cc = bpf_task_storage_get(&current_call, bpf_get_current_task_btf(), 0, 0);
	if (cc && cc->sk == (__u64)sk)
		cc->msg = 0;
	if (!G.active)
		return 0;
	struct sock_state *s = sock_state_of(sk);
	if (!s || !s->call_msg)
		return 0;
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk), end = BPF_CORE_READ((struct tcp_sock *)sk, write_seq);
	struct sbuf b = {};
	struct pending pd = {};
	bool pushed = false, overflow = false, wrote = false;
	bpf_spin_lock(&s->lock);
	freshen(s, epoch, nxt, &pd);
	if (s->call_msg) {
		s->call_msg = 0;
		if (ret > 0) {
			wrote = true;
			__u32 busy_d = s->w_tail - s->w_d, busy_a = s->w_tail - s->w_a;
			if ((busy_d > busy_a ? busy_d : busy_a) >= knobs.writes_in_flight) {
				overflow = true;
			} else {
				struct wslot *W = &s->w[s->w_tail & W_MASK];
				W->end = end;
				W->pidx = NO_PACKET;
				W->t_call = s->call_start;
				s->w_tail++;
				pushed = true;
			}
		}
	}
	bpf_spin_unlock(&s->lock);
	record_pending(&pd);
	/* entered before the write is counted: a reader that sees the write in writes() then waits for its stages */
	if (pushed) {
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_SOCKET], 1);
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_TOTAL], 1);
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_ACK], 1);
	}
	if (wrote) {
		count(s->lport, s->rport, NL_C_WRITES, 1);
		count(s->lport, s->rport, NL_C_BYTES, ret);
	}
	if (overflow)
		__sync_fetch_and_add(&G.lost[NL_L_WRITE_RING], 1);
	settle(s->key, s->lport, s->rport, &b, SETTLE_ROUNDS);
	return 0;
}

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

static __always_inline int on_dev_queue(struct sk_buff *skb)
{
	if (!G.active)
		return 0;
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	struct sock_state *s = sock_state_of(sk);
	if (!s)
		return 0;
	__u32 seq, end, ack;
	__u8 fl;
	if (tcp_header(skb, &seq, &end, &fl, &ack) <= 0)
		return 0;
	bool noq = no_qdisc(skb);
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk);
	struct pending pd = {};
	bool pushed = false, overflow = false;
	bpf_spin_lock(&s->lock);
	freshen(s, epoch, nxt, &pd);
	if (after(end, s->q_max)) { /* first transmission of (some of) these bytes */
		__u32 first = after(s->q_max, seq) ? s->q_max : seq;
		s->q_max = end;
		if (s->p_tail - s->p_head >= knobs.packets_in_flight) {
			overflow = true;
		} else {
			__u32 i = s->p_tail & P_MASK;
			struct pslot *P = &s->p[i];
			P->seq = first;
			P->end = end;
			P->t_queue = now;
			P->t_xmit = 0;
			P->t_xlast = 0;
			P->t_done = 0;
			P->t_ack = 0;
			P->flags = noq ? PF_NOQUEUE : 0;
			s->p_tail++;
			pushed = true;
		}
	}
	bpf_spin_unlock(&s->lock);
	record_pending(&pd);
	if (pushed) {
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_QDISC], 1);
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_DEVICE], 1);
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_RTT], 1);
	}
	if (pushed || overflow) {
		count(s->lport, s->rport, NL_C_PACKETS, 1);
		if (noq)
			count(s->lport, s->rport, NL_C_NOQUEUE_PACKETS, 1);
	}
	if (overflow)
		__sync_fetch_and_add(&G.lost[NL_L_PKT_RING], 1);
	/* no settle() here either: SOCKET samples are taken by the next settle (device done, ACK, end of write) */
	return 0;
}

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
	if (s->epoch == epoch)
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

__noinline int done_round(__u64 key, __u32 end, __u64 now)
{
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s)
		return 0;
	__u32 epoch = G.epoch;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (s->epoch == epoch)
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
	if (s->epoch == epoch)
		more = ack_steps(s, ack, now, STEPS_ROUND);
	bpf_spin_unlock(&s->lock);
	return more;
}

static __always_inline int on_start_xmit(struct sk_buff *skb, struct net_device *dev)
{
	if (!G.active)
		return 0;
	struct sock *sk = skb->sk;
	if (!sk)
		return 0;
	struct sock_state *s = sock_state_of(sk);
	if (!s)
		return 0;
	__u32 seq, end, ack;
	__u8 fl;
	if (tcp_header(skb, &seq, &end, &fl, &ack) <= 0)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk);
	struct pending pd = {};
	bool first = false;
	int more = 0, more_last = 0;
	bpf_spin_lock(&s->lock);
	freshen(s, epoch, nxt, &pd);
	if (after(end, s->x_max)) {
		s->x_max = end;
		first = true;
		more = xmit_first_steps(s, end, now, STEPS_INLINE);
		more_last = !more && xmit_last_steps(s, end, now, STEPS_INLINE);
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
		__u64 key = (__u64)skb;
		struct txskb t = { .sk = (__u64)sk, .end = end };
		__u32 zero = 0;
		struct lo_xmit *lo = (dev->flags & IFF_LOOPBACK) ? bpf_map_lookup_elem(&lo_in_xmit, &zero) : 0;
		if (lo) {
			lo->skb = key;
			lo->t = t;
		} else if (bpf_map_update_elem(&tx_skbs, &key, &t, BPF_NOEXIST) == 0) {
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
	if (s->epoch == epoch)
		more = done_steps(s, end, now, STEPS_INLINE);
	bpf_spin_unlock(&s->lock);
	for (int r = 0; more && r < STEP_ROUNDS; r++)
		more = done_round(skkey, end, now);
	/* no settle() here: DEVICE/TOTAL samples carry their own times and are taken at the ACK (or the end of the
	 * next write), which halves the work on this per-packet path */
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

/* ACKs of an established socket: every incoming segment passes tcp_probe (tcp_rcv_established). */
static __always_inline int on_tcp_probe(struct sock *sk, struct sk_buff *skb)
{
	if (!G.active)
		return 0;
	struct sock_state *s = sock_state_of(sk);
	if (!s || s->p_a == s->p_tail)
		return 0; /* not traced, or nothing waits for an ACK (a racy read: the next ACK catches up) */
	__u32 seq, end, ack;
	__u8 fl;
	if (tcp_header(skb, &seq, &end, &fl, &ack) < 0 || !(fl & TCP_FLAG_ACK))
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk);
	struct sbuf b = {};
	struct pending pd = {};
	bpf_spin_lock(&s->lock);
	freshen(s, epoch, nxt, &pd);
	int more = ack_steps(s, ack, now, STEPS_INLINE);
	bpf_spin_unlock(&s->lock);
	record_pending(&pd);
	for (int r = 0; more && r < STEP_ROUNDS; r++)
		more = ack_round(s->key, ack, now);
	if (settle(s->key, s->lport, s->rport, &b, ACK_SETTLE_ROUNDS)) {
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
 * state-change and destroy programs.
 */
static __always_inline void ack_from_snd_una(const struct sock *sk)
{
	struct sock_state *s = sock_state_of((struct sock *)sk);
	if (!s)
		return;
	__u32 una = BPF_CORE_READ((struct tcp_sock *)sk, snd_una);
	__u64 now = bpf_ktime_get_ns();
	__u32 epoch = G.epoch;
	struct sbuf b = {};
	bool ok = false;
	int more = 0;
	bpf_spin_lock(&s->lock);
	if (s->epoch == epoch) {
		more = ack_steps(s, una, now, STEPS_INLINE);
		ok = true;
	}
	bpf_spin_unlock(&s->lock);
	for (int r = 0; more && r < STEP_ROUNDS; r++)
		more = ack_round(s->key, una, now);
	if (ok)
		settle(s->key, s->lport, s->rport, &b, SETTLE_ROUNDS);
}

#endif
