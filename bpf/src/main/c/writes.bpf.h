/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The write call: where a socket comes into scope (process context, this process's pid) and where each write's
 * per-write stages begin (its start time) and are queued (its last byte's sequence number, at its end).
 */
#ifndef NETLAT_WRITES_BPF_H
#define NETLAT_WRITES_BPF_H
#include "resolve.bpf.h"

static long gone_step(__u64 i, __u64 *key)
{
	return bpf_map_lookup_elem(&socks, key) ? 0 : 1;
}

/*
 * The socket's state, created if it has none. A state being given back (`dead`: the caller found one marked so) is
 * deleted by whoever marked it, a few instructions after: wait for that (bounded), then create a new one. Creating it
 * earlier would let that delete take the new state. Writes of one socket are serialized by the socket lock, so two
 * creators never race here. The sweeper that gives states back is kept running from here: states exist only once
 * created.
 */
static __always_inline struct sock_state *create_state(struct sock *sk, bool dead)
{
	__u64 key = (__u64)sk;
	__u32 zero = 0;
	struct sock_state_bytes *tmpl = bpf_map_lookup_elem(&sock_template, &zero);
	if (!tmpl)
		return 0;
	trace_socket(sk, false);
	if (dead)
		bpf_loop(4096, gone_step, &key, 0);
	long err = bpf_map_update_elem(&socks, &key, tmpl, BPF_NOEXIST);
	struct sock_state *s = bpf_map_lookup_elem(&socks, &key);
	if (!s) {
		__sync_fetch_and_add(&G.lost[NL_L_SOCKS_FULL], 1);
		return 0;
	}
	if (err == 0) {
		__u32 nxt = snd_nxt_of(sk), epoch = G.epoch;
		__u16 lport = SOCK_LPORT(sk), rport = SOCK_RPORT(sk);
		__u16 family = sk->__sk_common.skc_family;
		__u64 now = bpf_ktime_get_ns();
		bpf_spin_lock(&s->lock);
		s->key = key;
		s->lport = lport;
		s->rport = rport;
		s->family = family;
		s->busy_ns = now; /* not quiet yet: the sweeper must not give it back before its write */
		reset_state(s, epoch, nxt);
		bpf_spin_unlock(&s->lock);
		add_counter(NL_C_SOCKETS, 1);
		keep_sweeping(now);
	}
	return s;
}

/*
 * Which writes are timed: all of them while a window asks for that, else each socket's budget, a token bucket of
 * NL_TIMED_BURST writes refilled at NL_TIMED_PER_SEC, kept as GCRA's one time stamp (`timed_tat`: when the bucket
 * would be full again). The bucket is spent evenly, not greedily: with t writes left in it, every
 * (NL_TIMED_BURST / t)-th write is timed. A socket writing slower than the refill has every write timed; a fast run
 * longer than the burst is timed across its whole length (densest at its start) rather than in its first
 * NL_TIMED_BURST writes only; at a steady high rate it settles at one timed write per token. Read without the lock
 * and spent in the socket's storage (sock_hot): writes of one socket are serialized by the socket's lock, and only they
 * touch it.
 */
#define NL_TIMED_GAP_NS (1000000000ULL / NL_TIMED_PER_SEC)

/* Writes the bucket holds now. */
static __always_inline __u64 tokens_left(struct sock_hot *h, __u64 now)
{
	__u64 debt = h->timed_tat > now ? h->timed_tat - now : 0;
	__u64 used = (debt + NL_TIMED_GAP_NS - 1) / NL_TIMED_GAP_NS;
	return used >= NL_TIMED_BURST ? 0 : NL_TIMED_BURST - used;
}

/*
 * Most writes of a fast socket are not timed, and need not read the clock to learn that: when the budget says no, it
 * also says how many writes it would keep saying no with the tokens it has now, and that many pass without a look
 * (skip_left, at most NL_BUDGET_RECHECK - 1). Tokens only come back with time, so a look later than that can only
 * be late, never early: at most NL_BUDGET_RECHECK - 1 writes late.
 */
#define NL_BUDGET_RECHECK 16

/*
 * A busy socket's timed writes (half its bucket or less left) also take a token from one bucket for the whole
 * process, NL_TIMED_ALL_BURST refilled at NL_TIMED_ALL_PER_SEC: a socket that writes now and then still has every
 * write timed, and many busy sockets together are timed at that rate rather than at NL_TIMED_PER_SEC each. A timed
 * write costs ~4 us on loopback here; eight echo sockets timed at 1000 a second each cost ~2 % of the round trips'
 * throughput (`benchmarks/run-overhead.sh --steps=overhead --workloads=echo`, against a build that timed none).
 */
#define NL_TIMED_ALL_GAP_NS (1000000000ULL / NL_TIMED_ALL_PER_SEC)

static __always_inline bool take_shared_token(__u64 now)
{
	__u64 tat = READ_ONCE_U64(G.timed_all_tat), from = tat < now ? now : tat;
	if (from - now >= (__u64)NL_TIMED_ALL_BURST * NL_TIMED_ALL_GAP_NS)
		return false;
	/* another CPU took one since the read: not this time, the socket asks again a few writes on */
	return __sync_val_compare_and_swap(&G.timed_all_tat, tat, from + NL_TIMED_ALL_GAP_NS) == tat;
}

static __always_inline bool budget_due(const struct sock_hot *h)
{
	return G.time_all || !h->skip_left;
}

static __always_inline bool budget_left(struct sock_hot *h, __u64 now)
{
	if (G.time_all)
		return true;
	__u64 t = tokens_left(h, now);
	__u32 run = h->untimed_run, due = t ? NL_TIMED_BURST / t - 1 : 0xffffffff;
	if (run >= due) {
		if (t > NL_TIMED_BURST / 2 || take_shared_token(now))
			return true;
		/* The process's bucket is empty: the socket's own is emptied too. Else it would fill up past half while
		 * the socket waits, and the socket would time its writes at its own rate after all, in bursts. A socket
		 * that then goes quiet for NL_TIMED_BURST / 2 refills is a quiet one again. */
		h->timed_tat = now + (__u64)NL_TIMED_BURST * NL_TIMED_GAP_NS;
		h->skip_left = NL_BUDGET_RECHECK - 1;
		return false;
	}
	__u32 gap = due - run; /* this write and the gap - 1 after it are not timed with these tokens */
	h->skip_left = (gap < NL_BUDGET_RECHECK ? gap : NL_BUDGET_RECHECK) - 1;
	return false;
}

/* Called only when budget_left() said yes. */
static __always_inline void spend_budget(struct sock_hot *h, __u64 now)
{
	if (G.time_all)
		return; /* the budget is left as it was: it applies again once no window asks for every write */
	h->timed_tat = (h->timed_tat > now ? h->timed_tat : now) + NL_TIMED_GAP_NS;
	h->untimed_run = 0;
	h->skip_left = 0;
}

/*
 * A write call starts (the first time its hook fires for this call: the tracepoint fires once per loop round). Runs
 * under the socket's lock, which a call can release while it waits for memory: another thread's write on the socket
 * can start then. Such a write is only counted while a timed one is in progress, and the interrupted call's next
 * round counts as a start again (it is counted once, at its end, all the same; if its budget check then times it,
 * its SOCKET stage starts there).
 */
static __always_inline int on_write_start(struct sock *sk, struct msghdr *msg)
{
	if (!G.active)
		return 0;
	__u64 id = bpf_get_current_pid_tgid();
	if (!in_scope_of(id))
		return 0;
	struct sock_hot *h = bpf_sk_storage_get(&sock_hot, sk, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!h) {
		/* no memory for the socket's storage: this write is counted at its end if its socket is in scope
		 * already, its packets are not */
		__sync_fetch_and_add(&G.lost[NL_L_NO_STORAGE], 1);
		return 0;
	}
	__u32 epoch = G.epoch, tid = (__u32)id;
	hot_fresh(h, epoch, sk);
	take_port_slot(h, sk);
	if (h->cur_msg == (__u64)msg && h->cur_tid == tid)
		return 0; /* a later loop round of the same call */
	h->cur_msg = (__u64)msg;
	h->cur_tid = tid;
	if (h->call_msg)
		return 0; /* another thread's timed write is in progress: this one is only counted */
	if (!budget_due(h)) {
		h->skip_left--;
		h->untimed_run++;
		return 0;
	}
	__u64 now = bpf_ktime_get_ns();
	if (!budget_left(h, now)) {
		/* Not timed: counted at its end (on_write_end), its packets at the queue, nothing to record now. The
		 * run length only spaces the timed writes. A period's first write is always timed (hot_fresh fills the
		 * budget), and its create_state() put the socket in scope. */
		h->untimed_run++;
		return 0;
	}
	struct sock_state *s = sock_state_of(sk);
	if (!s || s->dead)
		s = create_state(sk, s != 0);
	if (!s)
		return 0; /* not traceable (socket table full, counted) */
	__u32 nxt = snd_nxt_of(sk), seq0 = BPF_CORE_READ((struct tcp_sock *)sk, write_seq);
	struct pending pd = {};
	bool live;
	bpf_spin_lock(&s->lock);
	live = owns(s, (__u64)sk);
	if (live) {
		freshen(s, epoch, nxt, &pd);
		s->busy_ns = now;
		s->call_msg = (__u64)msg;
		s->call_start = now;
		s->call_seq0 = seq0;
	}
	bpf_spin_unlock(&s->lock);
	if (!live) {
		/* given back between the lookup and the lock (it was quiet for NL_RELEASE_NS): this write is only
		 * counted (at its end), not sampled, and is reported lost */
		__sync_fetch_and_add(&G.lost[NL_L_STATE_RELEASED], 1);
		return 0;
	}
	spend_budget(h, now);
	h->call_tid = tid;
	/* until the ACK hook finds nothing waiting (awaits_ack): an ACK may come before the write's end, for data whose
	 * queue was not seen (ack_of_unseen) */
	h->ack_pending = 1;
	/* read by the packet hooks without a lock: this write's packets are all queued after this hook returns */
	h->call_msg = (__u64)msg;
	record_pending(&pd);
	return 0;
}

/*
 * This thread's timed write is over (`end`: write_seq after it). The packet hooks read call_msg, then t_end, without a
 * lock (on_dev_queue), and the write's data may be transmitted from another CPU right now (the socket lock is
 * released before the write-end hook on 6.12 and 6.18): t_end must cover the write before call_msg stops doing so.
 */
static __always_inline void end_timed_write(struct sock_hot *h, int ret, __u32 end)
{
	if (ret > 0 && after(end, READ_ONCE_U32(h->t_end)))
		WRITE_ONCE_U32(h->t_end, end);
	asm volatile("" ::: "memory");
	WRITE_ONCE_U64(h->call_msg, 0);
}

/* A write call returned `ret` (bytes written, or a negative errno). */
static __always_inline int on_write_end(struct sock *sk, int ret)
{
	/* the call is over, also when no window is open any more: this thread's next write may reuse the msghdr
	 * address, and must not look like a later round of this one */
	struct sock_hot *h = hot_of(sk);
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	bool timed = false;
	if (h) {
		timed = h->call_msg && h->call_tid == tid;
		if (h->cur_tid == tid)
			h->cur_msg = 0;
	}
	if (!G.active)
		return 0;
	__u32 end = timed ? BPF_CORE_READ((struct tcp_sock *)sk, write_seq) : 0;
	/* the ports are the socket's own: its state may have been given back during a long write */
	struct sock_state *s = timed ? sock_state_of(sk) : 0;
	if (!s || !s->call_msg || s->key != (__u64)sk) {
		/* Not timed, or its state was reset since its start (a new tracing period): counted if its socket is
		 * traced. A write in scope created the socket's storage at its start; a write that started before the
		 * window opened is counted if its socket is in scope. */
		if (h && timed)
			end_timed_write(h, ret, end);
		if (ret > 0 && in_scope_of(id) && (h || traced_of(sk)))
			count_hot(h, sk, 1, ret, 0);
		return 0;
	}
	__u32 epoch = G.epoch, nxt = snd_nxt_of(sk);
	struct sbuf b = {};
	struct pending pd = {};
	bool pushed = false, overflow = false, wrote = false;
	bpf_spin_lock(&s->lock);
	bool live = owns(s, (__u64)sk);
	if (live)
		freshen(s, epoch, nxt, &pd);
	if (live && s->call_msg) {
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
	if (h)
		end_timed_write(h, ret, end);
	record_pending(&pd);
	/* entered before the write is counted: a reader that sees the write in writes() then waits for its stages */
	if (pushed) {
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_SOCKET], 1);
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_TOTAL], 1);
		__sync_fetch_and_add(&G.entered[epoch & 1][NL_HIST_ACK], 1);
	}
	/* a state found reused or reset under the lock did not take the write: counted all the same */
	if (wrote || (ret > 0 && in_scope_of(id)))
		count_hot(h, sk, 1, ret, 0);
	if (pushed)
		count_slot(h, sk, NL_C_TIMED_WRITES, 1);
	if (overflow)
		__sync_fetch_and_add(&G.lost[NL_L_WRITE_RING], 1);
	settle(s->key, s->lport, s->rport, &b, SETTLE_ROUNDS);
	return 0;
}

#endif
