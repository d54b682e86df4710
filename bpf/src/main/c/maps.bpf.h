/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The state all netlat programs share: the knobs, the global block Java mmaps, the socket tables, the skbs in
 * flight and the per-port table.
 */
#ifndef NETLAT_MAPS_BPF_H
#define NETLAT_MAPS_BPF_H

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
struct nl_global G SEC(".bss");

/*
 * The counters (NL_C_*), one copy per CPU: every write and packet adds to them, and a single shared copy moved
 * between the CPUs on each add. Java adds the copies up when it reads.
 */
struct counters {
	__u64 c[NL_COUNTERS];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct counters);
} counters SEC(".maps");

/* Atomic although per CPU: a softirq can interrupt a program on this CPU and add to the same counter. */
static __always_inline void add_counter(__u32 counter, __u64 delta)
{
	__u32 zero = 0;
	struct counters *c = bpf_map_lookup_elem(&counters, &zero);
	if (c && counter < NL_COUNTERS)
		__sync_fetch_and_add(&c->c[counter], delta);
}

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
	/* tcp_sock.total_retrans already counted (or there before the socket was traced): retransmits are counted as
	 * its growth, so that they are what tcpi_total_retrans counts (see on_retransmit) */
	__u32 retrans_seen;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct traced);
} traced_socks SEC(".maps");

/* A socket's local and remote port, in host order. */
#define SOCK_LPORT(sk) ((sk)->__sk_common.skc_num)
#define SOCK_RPORT(sk) bpf_ntohs((sk)->__sk_common.skc_dport)

static __always_inline __u32 snd_nxt_of(const struct sock *sk)
{
	return BPF_CORE_READ((struct tcp_sock *)sk, snd_nxt);
}

static __always_inline __u32 total_retrans_of(const struct sock *sk)
{
	return BPF_CORE_READ((struct tcp_sock *)sk, total_retrans);
}

/* The same read with a direct load, for a socket a tracepoint passes (trusted): through the pointer
 * bpf_skc_to_tcp_sock() types as a tcp_sock, cheaper than a bpf_probe_read_kernel call on every ACK. */
static __always_inline __u32 total_retrans_of_arg(const struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock((void *)sk);
	return tp ? tp->total_retrans : total_retrans_of(sk);
}

static __always_inline bool in_scope_of(__u64 pid_tgid)
{
	return !knobs.target_tgid || (pid_tgid >> 32) == knobs.target_tgid;
}

static __always_inline bool in_scope(void)
{
	return in_scope_of(bpf_get_current_pid_tgid());
}

static __always_inline struct traced *traced_of(const struct sock *sk)
{
	__u64 key = (__u64)sk;
	return bpf_map_lookup_elem(&traced_socks, &key);
}

/*
 * What every packet and write of a traced socket needs, in the socket's own storage (sk->sk_bpf_storage): found
 * without a hash lookup, and enough for a write that is not timed, and for a packet that is not followed, to be
 * counted without touching `socks` or taking a lock. Created when the socket comes into scope (trace_socket) or at
 * its first write in scope, freed with the socket. Each field has one writer at a time: the write-start and packet-queue hooks run under the socket's lock
 * (lock_sock, or bh_lock_sock while no task owns it), and so does the ACK hook; the write-end hook runs after
 * release_sock on 6.12 and 6.18 and only clears its own call's marks (cur_msg; for a timed write call_msg, after
 * moving t_end). The start_xmit hook only reads.
 */
struct sock_hot {
	__u32 epoch;       /* the tracing period the fields below belong to (hot_fresh resets them for a new one) */
	__u32 q_max;       /* end of the highest data queued so far: anything at or below is a retransmission */
	__u64 cur_msg;     /* msghdr of the last write call started in scope, until it ends (0 then) */
	__u32 cur_tid;     /* and its thread: a later loop round of that call is recognized by both */
	__u32 call_tid;    /* the thread of the timed write in progress */
	__u64 call_msg;    /* msghdr of the timed write in progress, 0 when none */
	__u32 t_end;       /* end of the timed writes' and followed packets' data: while no timed write is in progress
			    * (call_msg), packets starting at or after it carry no timed byte and are counted, not
			    * followed */
	__u8 ack_pending;  /* a timed write or followed packet may wait for an ACK: the ACK hook looks at `socks` only
			    * then (set by a timed write's start and a followed packet's queue; cleared only by the ACK
			    * hook, when it finds nothing waiting: awaits_ack) */
	__u8 skip_left;    /* writes still to pass untimed before the budget is looked at again (budget_due) */
	__u16 hide_count;  /* runs counted only while knobs.hide_queue_every or hide_ack_every asks for it (testing) */
	__u64 timed_tat;   /* the timing budget (budget_left): when it would be full again */
	__u32 untimed_run; /* writes not timed since the last timed one */
	__u32 retrans_seen; /* traced_socks' retrans_seen as last set (on_retransmit): lets each ACK see that no
			     * retransmit went uncounted without looking the socket up there (retrans_catch_up) */
	__u32 port_slot;   /* this socket's slot in port_hot + 1; 0 before it asked, NO_PORT_SLOT when none was left */
	__u32 port_gen;    /* the G.port_gen it was taken in: void once Java empties port_hot */
};
/* With the kernel's 128-byte struct bpf_local_storage_elem in front, 64 bytes fill a 192-byte allocation: one byte
 * more and every traced socket's storage takes a 256-byte one. */
_Static_assert(sizeof(struct sock_hot) == 64, "sock_hot outgrows its 192-byte allocation");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct sock_hot);
} sock_hot SEC(".maps");

/* A socket with no BPF storage at all (most: a receiving socket that never wrote in scope) is told by one load,
 * without the helper call, on the per-packet hooks that see its segments and ACKs. */
static __always_inline struct sock_hot *hot_of(const struct sock *sk)
{
	if (!sk->sk_bpf_storage)
		return 0;
	return bpf_sk_storage_get(&sock_hot, (struct sock *)sk, 0, 0);
}

/* Puts a socket in scope (called in process context, after in_scope()). */
static __always_inline struct traced *trace_socket(const struct sock *sk, bool listener)
{
	__u64 key = (__u64)sk;
	struct traced *t = bpf_map_lookup_elem(&traced_socks, &key);
	if (t)
		return t;
	struct traced v = {
		.lport = SOCK_LPORT(sk),
		.rport = SOCK_RPORT(sk),
		.family = sk->__sk_common.skc_family,
		.listener = listener,
		.retrans_seen = total_retrans_of(sk),
	};
	if (bpf_map_update_elem(&traced_socks, &key, &v, BPF_NOEXIST) && bpf_map_lookup_elem(&traced_socks, &key) == 0)
		__sync_fetch_and_add(&G.lost[NL_L_SOCKS_FULL], 1);
	/* and its own storage, if a write has not made it yet: the ACK hook looks for retransmits no event brought
	 * only on sockets that have one (retrans_catch_up) */
	if (!bpf_sk_storage_get(&sock_hot, (struct sock *)sk, 0, BPF_LOCAL_STORAGE_GET_F_CREATE))
		__sync_fetch_and_add(&G.lost[NL_L_NO_STORAGE], 1);
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
	/* first byte whose net_dev_queue was seen (= seq but after a gap, see on_dev_queue): a write ending before it
	 * has no SOCKET sample */
	__u32 seen;
};

#define PF_NOQUEUE 1
#define PF_UNSEEN  2 /* data whose net_dev_queue was not seen, put in the ring by its ACK (ack_of_unseen) or by its
		      * retransmission (on_dev_queue): no stages of its own */
#define PF_ACK_UNSEEN 4 /* ACKed by an ACK whose tcp_probe run no program saw (ack_steps): when is not known */

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
	__u64 key;         /* the struct sock * this state belongs to, as a number; set under the lock at creation */
	__u64 busy_ns;     /* when the socket's last timed write started */
	__u32 dead;        /* given back: being deleted from `socks`; nothing may be recorded in it any more */
	__u32 epoch;
	__u16 lport;
	__u16 rport;
	__u16 family;
	__u16 pad;
	__u64 call_msg;    /* msghdr of the timed write in progress, 0 when none (a write not timed leaves no trace here) */
	__u64 call_start;
	__u32 call_seq0;   /* write_seq when the write in progress started */
	__u32 q_max;       /* end of the highest followed data queued so far (sock_hot.q_max: of all data) */
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

/*
 * A socket's state exists while it has something in flight and for NL_RELEASE_NS after its last write: then the
 * sweeper gives it back, so that an idle traced socket holds only its `traced_socks` entry, and kernel memory grows
 * with the sockets that are busy, not with all that were ever traced. Long enough that a request/response socket
 * keeps its state between requests (creating one copies the whole template).
 */
#define NL_RELEASE_NS (100ULL * 1000 * 1000)

/*
 * One timer for all states, every NL_RELEASE_NS: a timer per state would need one bpf_timer_init per state, and
 * 6.18 allocates timers without taking locks: it returned ENOMEM for 40-65 % of 200 states created in a burst here.
 */
struct sweeper {
	struct bpf_timer timer;
	__u64 swept_ns; /* when it last ran: a write restarts it when it has not run for a while */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sweeper);
} sweeper SEC(".maps");

/*
 * The socket's hot fields for the current tracing period: those of an earlier one are forgotten (the socket starts
 * afresh at snd_nxt, with a full timing budget). Only where the socket's lock is held (see struct sock_hot).
 */
static __always_inline void hot_fresh(struct sock_hot *h, __u32 epoch, const struct sock *sk)
{
	if (h->epoch == epoch)
		return;
	__u32 snd_nxt = snd_nxt_of(sk);
	h->epoch = epoch;
	h->q_max = snd_nxt;
	h->t_end = snd_nxt;
	h->cur_msg = 0;
	h->call_msg = 0;
	h->ack_pending = 0;
	h->timed_tat = 0;
	h->untimed_run = 0;
	h->skip_left = 0;
}

/* Accesses the compiler keeps whole and in program order, for fields read without the lock. On x86, the only target
 * built, the CPU keeps stores in order and loads in order, so that is enough for one writer and lock-free readers. */
#define READ_ONCE_U64(x) (*(volatile __u64 *)&(x))
#define READ_ONCE_U32(x) (*(volatile __u32 *)&(x))
#define READ_ONCE_U8(x) (*(volatile __u8 *)&(x))
#define WRITE_ONCE_U64(x, v) (*(volatile __u64 *)&(x) = (v))
#define WRITE_ONCE_U32(x, v) (*(volatile __u32 *)&(x) = (v))

/*
 * Whether `s`, found under `key` and now locked, is still that socket's live state. A state being given back is
 * marked dead under its lock before it is deleted, and a deleted element's memory can be reused at once for another
 * key, so every holder checks this after taking the lock and records nothing otherwise.
 */
static __always_inline bool owns(struct sock_state *s, __u64 key)
{
	return !s->dead && s->key == key;
}

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

/* Each traced socket's write, byte and packet counts for port views (struct nl_port_hot, netlat.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, NL_PORT_SLOTS);
	__type(key, __u32);
	__type(value, struct nl_port_hot);
} port_hot SEC(".maps");

/*
 * Gives the socket a slot of port_hot for the current generation, if port views are on and one is left. Where the
 * socket's lock is held (struct sock_hot): the slot's ports are written before the socket's storage names the slot.
 */
#define NO_PORT_SLOT 0xffffffff /* sock_hot.port_slot: none was left in its generation; it tries again in the next */

static __always_inline void take_port_slot(struct sock_hot *h, const struct sock *sk)
{
	__u32 gen = (__u32)G.port_gen;
	if (!G.port_views || (h->port_slot && h->port_gen == gen))
		return;
	__u32 idx = (__u32)__sync_fetch_and_add(&G.port_slot_next, 1);
	struct nl_port_hot *p = idx < NL_PORT_SLOTS ? bpf_map_lookup_elem(&port_hot, &idx) : 0;
	h->port_gen = gen;
	if (!p) {
		h->port_slot = NO_PORT_SLOT; /* this socket counts in port_stats (count_hot), without asking again */
		return;
	}
	p->lport = SOCK_LPORT(sk);
	p->rport = SOCK_RPORT(sk);
	h->port_slot = idx + 1;
}

/* Histogram buckets and counters per (local port, remote port) for port views. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 262144);
	__type(key, struct nl_port_key);
	__type(value, __u64);
} port_stats SEC(".maps");

/*
 * Per CPU, how deep each nesting-guarded hook's primary program is running right now (see netlat.bpf.c: a program
 * already running on a CPU is skipped by the kernel when its tracepoint fires again there, e.g. from a softirq that
 * interrupted it; the hook's nested program then runs instead).
 */
#define NEST_RETRANSMIT  3
#define NEST_KFREE_SKB   4
#define NEST_SLOTS       8

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NEST_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} nesting SEC(".maps");

static __always_inline __u32 *nest_enter(__u32 slot)
{
	__u32 *d = bpf_map_lookup_elem(&nesting, &slot);
	if (d)
		(*d)++;
	return d;
}

static __always_inline void nest_exit(__u32 *d)
{
	if (d)
		(*d)--;
}

/* Whether the hook's primary program is running on this CPU below us: then the kernel skipped its run for this event. */
static __always_inline bool nested_in(__u32 slot)
{
	__u32 *d = bpf_map_lookup_elem(&nesting, &slot);
	if (!d || !*d)
		return false;
	add_counter(NL_C_NESTED, 1);
	return true;
}

/*
 * The primary program of a guarded hook: marks itself running on this CPU around the handler. While no window is
 * open every handler returns at once, so neither program pays the per-CPU lookups then.
 */
#define PRIMARY(slot, call) ({ __u32 *d_ = G.active ? nest_enter(slot) : 0; int r_ = (call); nest_exit(d_); r_; })
/* Its nested program, attached after it on the same attach point: runs the handler only when the primary was skipped. */
#define NESTED(slot, call) (G.active && nested_in(slot) ? (call) : 0)

#endif
